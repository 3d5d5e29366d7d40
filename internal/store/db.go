// Package store implements every domain Store on SQLite and PostgreSQL with
// one set of hand-written SQL. Engine differences (pools, placeholders, row
// locks, error codes, migrations) stay in this file and in the sqlite and
// postgres packages.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/store/postgres"
	"github.com/kanri/kanri/internal/store/sqlite"
)

// DB is an open Kanri database.
type DB struct {
	postgres  bool
	write     *sql.DB // SQLite: one connection; PostgreSQL: the pool
	read      *sql.DB // SQLite: read-only pool; PostgreSQL: the same pool
	errorKind func(error) string
	ids       id.Generator
	stmts     *stmtCache    // SQLite only
	sqlite    *sqlite.Pools // SQLite only: write and read, and the checkpoints
	batch     *batcher      // SQLite only: the write transactions
	rebound   sync.Map      // PostgreSQL: query text → its $n text (rebind)
	reboundN  atomic.Int64
}

// Options tune how a database is opened.
type Options struct {
	SQLiteSynchronous string // "NORMAL" (default) or "FULL"
}

// IsPostgres reports whether url names a PostgreSQL database; anything else
// is a SQLite file path (an optional "sqlite://" or "file:" prefix is dropped).
func IsPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// Open opens the database at url. Call Migrate before use.
func Open(url string, ids id.Generator, opts Options) (*DB, error) {
	if IsPostgres(url) {
		pool, err := postgres.Open(url)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		return &DB{postgres: true, write: pool, read: pool, errorKind: postgres.ErrorKind, ids: ids}, nil
	}
	path := strings.TrimPrefix(strings.TrimPrefix(url, "sqlite://"), "file:")
	if opts.SQLiteSynchronous == "" {
		opts.SQLiteSynchronous = "NORMAL"
	}
	p, err := sqlite.Open(path, opts.SQLiteSynchronous)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return &DB{write: p.Write, read: p.Read, errorKind: sqlite.ErrorKind, ids: ids, stmts: newStmtCache(), sqlite: p, batch: newBatcher(p.Write)}, nil
}

// Close closes the pools.
func (db *DB) Close() error {
	if db.sqlite != nil {
		db.batch.close()
		db.stmts.close()
		return db.sqlite.Close()
	}
	db.stmts.close()
	return db.write.Close()
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.read.PingContext(ctx) }

// Migrate applies every pending embedded migration. On PostgreSQL a session
// lock lets many instances start at once.
func (db *DB) Migrate(ctx context.Context) error {
	dialect, migrations := goose.DialectSQLite3, fs.FS(sqlite.Migrations)
	var opts []goose.ProviderOption
	if db.postgres {
		dialect, migrations = goose.DialectPostgres, postgres.Migrations
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(dialect, db.write, sub, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

type txKey struct{}

// InTx runs fn in a transaction carried by ctx; calls inside fn join it. On
// SQLite the transactions wait for the one writer and are committed a few
// at a time (batcher); on PostgreSQL serialization failures and deadlocks
// are retried a few times.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if ctx.Value(txKey{}) != nil {
		return fn(ctx)
	}
	var after []func(context.Context)
	try := func(ctx context.Context) error {
		after = after[:0] // a retried attempt registers its own
		return fn(context.WithValue(ctx, afterKey{}, &after))
	}
	var err error
	if db.batch != nil {
		err = db.batch.run(ctx, try)
		db.stmts.preparePending(ctx, db.write)
	} else {
		for attempt := 1; ; attempt++ {
			err = db.tryTx(ctx, try)
			if err == nil || attempt == 5 || db.errorKind(err) != "retry" {
				break
			}
		}
	}
	if err != nil {
		return err
	}
	for _, f := range after {
		f(ctx)
	}
	return nil
}

type afterKey struct{}

// AfterCommit runs f once the transaction in ctx has committed, before
// InTx returns, with InTx's context (nothing if it rolls back); outside a
// transaction it runs f now.
func (db *DB) AfterCommit(ctx context.Context, f func(ctx context.Context)) {
	if after, ok := ctx.Value(afterKey{}).(*[]func(context.Context)); ok {
		*after = append(*after, f)
		return
	}
	f(ctx)
}

func (db *DB) tryTx(ctx context.Context, fn func(ctx context.Context) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(context.WithValue(ctx, txKey{}, tx)); err != nil {
		_ = tx.Rollback()
		db.stmts.preparePending(ctx, db.write)
		return err
	}
	err = tx.Commit()
	db.stmts.preparePending(ctx, db.write)
	return err
}

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// q returns the transaction in ctx, or pool outside one.
func (db *DB) q(ctx context.Context, pool *sql.DB) querier {
	if tx, ok := ctx.Value(txKey{}).(*sql.Tx); ok {
		return tx
	}
	return pool
}

func (db *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if db.batch != nil && ctx.Value(txKey{}) == nil { // a write alone joins the batch too
		var res sql.Result
		err := db.InTx(ctx, func(ctx context.Context) error {
			var err error
			res, err = db.exec(ctx, query, args...)
			return err
		})
		return res, err
	}
	if st := db.stmts.get(ctx, db, db.write, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return db.q(ctx, db.write).ExecContext(ctx, db.rebind(query), args...)
}

func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := db.stmts.get(ctx, db, db.read, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return db.q(ctx, db.read).QueryContext(ctx, db.rebind(query), args...)
}

func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	if st := db.stmts.get(ctx, db, db.read, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return db.q(ctx, db.read).QueryRowContext(ctx, db.rebind(query), args...)
}

// forUpdate returns the row-lock clause for a read that precedes a write in
// a transaction. SQLite needs none: the transaction already holds the
// database's write lock.
func (db *DB) forUpdate(ctx context.Context) string {
	if db.postgres && ctx.Value(txKey{}) != nil {
		return " FOR UPDATE"
	}
	return ""
}

// joined is the aggregate of a text column's values, joined by spaces.
func (db *DB) joined(expr string) string {
	if db.postgres {
		return "string_agg(" + expr + ", ' ')"
	}
	return "group_concat(" + expr + ", ' ')"
}

// forUpdateOf is forUpdate for a join: only the rows of the table alias
// are locked.
func (db *DB) forUpdateOf(ctx context.Context, alias string) string {
	if lock := db.forUpdate(ctx); lock != "" {
		return lock + " OF " + alias
	}
	return ""
}

// planEachRun returns args for a query that must be planned with its own
// parameters every time. pgx prepares each statement once per connection,
// and after five runs PostgreSQL may settle on a generic plan that it keeps
// until the table is next analyzed; one made while a table was nearly empty
// scans it whole after a bulk insert. On PostgreSQL the query then goes
// through the unnamed statement (one more round trip) instead.
func (db *DB) planEachRun(args []any) []any {
	if !db.postgres {
		return args
	}
	return append([]any{pgx.QueryExecModeDescribeExec}, args...)
}

// rebind turns ? placeholders into PostgreSQL's $n on PostgreSQL. The
// store's statements are few and run again and again: each text is
// rebound once (up to maxRebound texts; the rest every time).
func (db *DB) rebind(query string) string {
	if !db.postgres {
		return query
	}
	if r, ok := db.rebound.Load(query); ok {
		return r.(string)
	}
	r := Rebind(query)
	if db.reboundN.Add(1) <= maxRebound {
		db.rebound.Store(query, r)
	}
	return r
}

// maxRebound bounds rebind's memory: statements built with a varying
// number of marks (IN lists) make new texts.
const maxRebound = 4096

// Rebind turns every ? placeholder of query into PostgreSQL's $1, $2, ….
func Rebind(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// fail maps a driver error to an errs.Error about what, the kind of row a
// query reads or writes: a term of the message catalog
// ("store.thing.member"), so that people read "member not found" in their
// language. Other errors are wrapped for the log, named by the term's key.
func (db *DB) fail(err error, what i18n.Term) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return errs.E(errs.NotFound, "store.not_found", "thing", what)
	}
	switch db.errorKind(err) {
	case "unique":
		return errs.Wrap(errs.Conflict, err, "store.conflict", "thing", what)
	case "foreign_key":
		return errs.Wrap(errs.Invalid, err, "store.missing_reference", "thing", what)
	case "check":
		return errs.Wrap(errs.Invalid, err, "store.check_failed", "thing", what)
	case "retry":
		return err // InTx retries it
	}
	return fmt.Errorf("%s: %w", what, err)
}
