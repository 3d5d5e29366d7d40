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

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Migrations holds the goose migrations for SQLite.
//
//go:embed migrations/*.sql
var Migrations embed.FS

// Open opens the database file at path, creating it if needed, and returns
// two pools: a single writer whose transactions take the write lock up front
// (BEGIN IMMEDIATE), so writers queue in Go instead of failing with
// SQLITE_BUSY, and a read-only pool for everything outside a transaction.
// synchronous is "NORMAL" (durable across process crashes; a power loss can
// lose the last transactions) or "FULL" (durable across power loss, slower).
func Open(path, synchronous string) (write, read *sql.DB, err error) {
	if synchronous != "NORMAL" && synchronous != "FULL" {
		return nil, nil, fmt.Errorf("sqlite synchronous must be NORMAL or FULL, not %q", synchronous)
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "foreign_keys(1)", "busy_timeout(10000)", "synchronous(" + synchronous + ")"} {
		q.Add("_pragma", p)
	}
	wq := url.Values{"_txlock": {"immediate"}}
	for k, v := range q {
		wq[k] = v
	}
	if write, err = sql.Open("sqlite", "file:"+path+"?"+wq.Encode()); err != nil {
		return nil, nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxIdleTime(0)
	q.Add("_pragma", "query_only(1)")
	if read, err = sql.Open("sqlite", "file:"+path+"?"+q.Encode()); err != nil {
		write.Close()
		return nil, nil, err
	}
	// Every open connection stays open: database/sql keeps only two idle by
	// default, and under load each new one ran the pragmas and prepared
	// the store's statements again (docs/PERFORMANCE.md).
	readers := max(4, runtime.NumCPU())
	read.SetMaxOpenConns(readers)
	read.SetMaxIdleConns(readers)
	return write, read, nil
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
