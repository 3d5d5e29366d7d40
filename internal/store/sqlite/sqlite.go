// Package sqlite opens Kanri's embedded SQLite database (modernc.org/sqlite,
// pure Go) and translates its errors.
package sqlite

import (
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Migrations holds the goose migrations for SQLite.
//
//go:embed migrations/*.sql
var Migrations embed.FS

// Pools are an open database: a single writer whose transactions take the
// write lock up front (BEGIN IMMEDIATE), so writers queue in Go instead of
// failing with SQLITE_BUSY; a read-only pool for everything outside a
// transaction; and a connection that checkpoints the write-ahead log in
// the background. SQLite's own checkpoint runs inside the commit that takes
// the log past 1,000 pages, copying them and syncing the file while every
// other writer waits (docs/PERFORMANCE.md); here the writer never does it.
type Pools struct {
	Write, Read *sql.DB
	ckpt        *sql.DB
	stop, done  chan struct{}
}

// checkpointEvery is how often the log is copied into the database file.
const checkpointEvery = 250 * time.Millisecond

// Open opens the database file at path, creating it if needed.
// synchronous is "NORMAL" (durable across process crashes; a power loss can
// lose the last transactions) or "FULL" (durable across power loss, slower).
func Open(path, synchronous string) (*Pools, error) {
	if synchronous != "NORMAL" && synchronous != "FULL" {
		return nil, fmt.Errorf("sqlite synchronous must be NORMAL or FULL, not %q", synchronous)
	}
	dsn := func(txlock string, pragmas ...string) string {
		q := url.Values{}
		if txlock != "" {
			q.Set("_txlock", txlock)
		}
		for _, p := range append([]string{"journal_mode(WAL)", "foreign_keys(1)", "busy_timeout(10000)", "synchronous(" + synchronous + ")"}, pragmas...) {
			q.Add("_pragma", p)
		}
		return "file:" + path + "?" + q.Encode()
	}
	p := &Pools{stop: make(chan struct{}), done: make(chan struct{})}
	var err error
	if p.Write, err = sql.Open("sqlite", dsn("immediate", "wal_autocheckpoint(0)")); err != nil {
		return nil, err
	}
	p.Write.SetMaxOpenConns(1)
	p.Write.SetConnMaxIdleTime(0)
	if p.Read, err = sql.Open("sqlite", dsn("", "query_only(1)")); err != nil {
		p.Write.Close()
		return nil, err
	}
	// Every open connection stays open: database/sql keeps only two idle by
	// default, and under load each new one ran the pragmas and prepared
	// the store's statements again (docs/PERFORMANCE.md).
	readers := max(4, runtime.NumCPU())
	p.Read.SetMaxOpenConns(readers)
	p.Read.SetMaxIdleConns(readers)
	if p.ckpt, err = sql.Open("sqlite", dsn("")); err != nil {
		p.Write.Close()
		p.Read.Close()
		return nil, err
	}
	p.ckpt.SetMaxOpenConns(1)
	go p.checkpoints()
	return p, nil
}

// checkpoints copies the log into the database file every checkpointEvery,
// beside the writer and the readers (PASSIVE: it waits for neither), until
// Close.
func (p *Pools) checkpoints() {
	defer close(p.done)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-tick.C:
			// A failed checkpoint leaves the log longer; the next one copies it.
			_, _ = p.ckpt.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}

// Close stops the checkpoints and closes the pools; the last connection
// to close copies what is left of the log.
func (p *Pools) Close() error {
	close(p.stop)
	<-p.done
	p.ckpt.Close()
	p.Read.Close()
	return p.Write.Close()
}

// ErrorKind classifies a SQLite error as "unique", "foreign_key", "check" or "".
func ErrorKind(err error) string {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return ""
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return "unique"
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return "foreign_key"
	case sqlite3.SQLITE_CONSTRAINT_CHECK:
		return "check"
	}
	return ""
}
