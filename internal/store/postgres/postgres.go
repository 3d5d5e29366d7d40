// Package postgres opens Kanri's PostgreSQL database through pgx and
// translates its errors.
package postgres

import (
	"database/sql"
	"embed"
	"errors"
	"runtime"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// Migrations holds the goose migrations for PostgreSQL.
//
//go:embed migrations/*.sql
var Migrations embed.FS

// poolSize is how many connections one instance opens at most: four per
// CPU, at least 8. More backends than that only take turns on the CPUs
// (64 clients changing licenses: 8–12 connections 330–350 changes/s on
// 2 CPUs, 20 connections 290/s, 40 connections 240/s; docs/PERFORMANCE.md).
var poolSize = max(8, 4*runtime.NumCPU())

// Open opens a pool on the database at url (postgres://…).
func Open(url string) (*sql.DB, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	// Connections stay open: database/sql keeps only two idle by default,
	// and with more requests at once each new one is a new backend process
	// whose statements pgx prepares again (docs/PERFORMANCE.md).
	db.SetMaxOpenConns(poolSize)
	db.SetMaxIdleConns(poolSize)
	return db, nil
}

// ErrorKind classifies a PostgreSQL error as "unique", "foreign_key",
// "check", "retry" (serialization failure or deadlock) or "".
func ErrorKind(err error) string {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return ""
	}
	switch e.Code {
	case "23505":
		return "unique"
	case "23503":
		return "foreign_key"
	case "23514":
		return "check"
	case "40001", "40P01":
		return "retry"
	}
	return ""
}
