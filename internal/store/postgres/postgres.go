// Package postgres opens Kanri's PostgreSQL database through pgx and
// translates its errors.
package postgres

import (
	"database/sql"
	"embed"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// Migrations holds the goose migrations for PostgreSQL.
//
//go:embed migrations/*.sql
var Migrations embed.FS

// Open opens a pool on the database at url (postgres://…).
func Open(url string) (*sql.DB, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(20)
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
