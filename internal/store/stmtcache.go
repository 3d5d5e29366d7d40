package store

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps SQLite's prepared statements by query: parsing the SQL
// again for every call was a quarter of a billing change's time
// (docs/PERFORMANCE.md). PostgreSQL needs none: pgx caches its own.
//
// A statement first met inside a transaction is prepared after it ends:
// until then the write pool's one connection is the transaction's, and
// preparing on the pool would wait for it forever. Within a transaction a
// statement is one SQLite statement: every caller closes its rows before
// running the same query again (collect does).
type stmtCache struct {
	mu      sync.Mutex
	stmts   map[stmtKey]*sql.Stmt
	pending map[string]bool // write-pool queries met inside a transaction
}

type stmtKey struct {
	pool  *sql.DB
	query string
}

// maxStmts bounds the cache: queries built for a batch size vary.
const maxStmts = 512

func newStmtCache() *stmtCache {
	return &stmtCache{stmts: map[stmtKey]*sql.Stmt{}, pending: map[string]bool{}}
}

// get returns the prepared statement of query on pool, bound to the
// transaction in ctx if there is one (its queries all run on the write
// pool), or nil when it is not prepared (yet): the caller runs the query
// as text.
func (c *stmtCache) get(ctx context.Context, db *DB, pool *sql.DB, query string) *sql.Stmt {
	if c == nil {
		return nil
	}
	tx, inTx := ctx.Value(txKey{}).(*sql.Tx)
	if inTx {
		pool = db.write
	}
	c.mu.Lock()
	st, ok := c.stmts[stmtKey{pool, query}]
	if !ok && inTx && len(c.stmts) < maxStmts {
		c.pending[query] = true
	}
	c.mu.Unlock()
	switch {
	case ok && inTx:
		return tx.StmtContext(ctx, st)
	case ok:
		return st
	case inTx:
		return nil
	}
	return c.prepare(ctx, pool, query)
}

// prepare prepares query on pool and keeps it, if there is room (when
// there is none, the caller's text query is the only parse).
func (c *stmtCache) prepare(ctx context.Context, pool *sql.DB, query string) *sql.Stmt {
	c.mu.Lock()
	full := len(c.stmts) >= maxStmts
	c.mu.Unlock()
	if full {
		return nil
	}
	st, err := pool.PrepareContext(ctx, query)
	if err != nil {
		return nil // the text query reports the error
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	key := stmtKey{pool, query}
	if kept, ok := c.stmts[key]; ok || len(c.stmts) >= maxStmts {
		st.Close()
		return kept
	}
	c.stmts[key] = st
	return st
}

// preparePending prepares the write-pool queries met in a transaction that
// has ended.
func (c *stmtCache) preparePending(ctx context.Context, write *sql.DB) {
	if c == nil {
		return
	}
	c.mu.Lock()
	queries := make([]string, 0, len(c.pending))
	for q := range c.pending {
		queries = append(queries, q)
	}
	clear(c.pending)
	c.mu.Unlock()
	for _, q := range queries {
		c.prepare(context.WithoutCancel(ctx), write, q)
	}
}

// close closes every kept statement.
func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, st := range c.stmts {
		st.Close()
		delete(c.stmts, k)
	}
}
