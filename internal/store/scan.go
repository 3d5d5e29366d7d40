package store

import (
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/i18n"
)

// timeLayout is fixed-width UTC with microseconds (PostgreSQL's precision),
// so SQLite's text columns sort in time order.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// ts encodes a time for either engine.
func ts(t time.Time) string { return t.UTC().Format(timeLayout) }

// nullTS encodes an optional time; the zero time is NULL.
func nullTS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return ts(t)
}

// nullStr encodes an optional string; "" is NULL.
func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// timeScanner reads a time from either engine's column into *t; NULL is the
// zero time.
type timeScanner struct{ t *time.Time }

func scanTime(t *time.Time) sql.Scanner { return timeScanner{t} }

func (s timeScanner) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*s.t = time.Time{}
	case time.Time:
		*s.t = v.UTC()
	case string:
		return s.parse(v)
	case []byte:
		return s.parse(string(v))
	default:
		return fmt.Errorf("cannot scan %T into a time", v)
	}
	return nil
}

func (s timeScanner) parse(v string) error {
	t, err := time.Parse(time.RFC3339Nano, v)
	*s.t = t.UTC()
	return err
}

// strScanner reads a nullable text column into *s; NULL is "".
type strScanner struct{ s *string }

func scanStr(s *string) sql.Scanner { return strScanner{s} }

func (x strScanner) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*x.s = ""
	case string:
		*x.s = v
	case []byte:
		*x.s = string(v)
	default:
		return fmt.Errorf("cannot scan %T into a string", v)
	}
	return nil
}

// likePrefix escapes s for a LIKE pattern (with ESCAPE '\').
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(s))
}

// anys returns ss as query arguments.
func anys(ss []string) []any {
	args := make([]any, len(ss))
	for i, s := range ss {
		args[i] = s
	}
	return args
}

// placeholders returns "(?, ?, …)" with n marks.
func placeholders(n int) string {
	return "(" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
}

// rows returns the VALUES of a multi-row INSERT: n groups of width marks.
func rows(width, n int) string {
	return strings.TrimSuffix(strings.Repeat(placeholders(width)+", ", n), ", ")
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// affected turns an UPDATE that matched no row into NotFound.
func (db *DB) affected(res sql.Result, err error, what i18n.Term) error {
	if err != nil {
		return db.fail(err, what)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return db.fail(sql.ErrNoRows, what)
	}
	return nil
}

func scanString(row scanner) (string, error) {
	var s string
	return s, row.Scan(&s)
}

// alsoScan is a row that scans extra columns after those its reader asks for.
type alsoScan struct {
	row   scanner
	extra []any
}

func (a alsoScan) Scan(dest ...any) error { return a.row.Scan(append(dest, a.extra...)...) }
