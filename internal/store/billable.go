package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/kanri/kanri/internal/member"
)

// dayLayout is how a day is written: SQLite's text column and PostgreSQL's
// date input alike.
const dayLayout = time.DateOnly

// RecordBillable notes count billable members of tenantID after a change on
// day. A day's first row starts its highest count at the last count of the
// previous stored day: members billable when the day began count for it
// even if the day's first change removed one. Errors: Invalid (unknown
// tenant, negative count).
func (db *DB) RecordBillable(ctx context.Context, tenantID string, day time.Time, count int) error {
	d := day.UTC().Format(dayLayout)
	var prev int
	err := db.queryRow(ctx, `SELECT last_count FROM billable_daily WHERE tenant_id = ? AND day < ? ORDER BY day DESC LIMIT 1`,
		tenantID, d).Scan(&prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return db.fail(err, "store.thing.billable_count")
	}
	_, err = db.exec(ctx, `INSERT INTO billable_daily (tenant_id, day, max_count, last_count) VALUES (?, ?, ?, ?)
		ON CONFLICT (tenant_id, day) DO UPDATE SET last_count = excluded.last_count,
		max_count = CASE WHEN excluded.last_count > billable_daily.max_count THEN excluded.last_count ELSE billable_daily.max_count END`,
		tenantID, d, max(prev, count), count)
	return db.fail(err, "store.thing.billable_count")
}

// LockBillable locks tenantID's row until the transaction ends, on
// PostgreSQL; a SQLite write transaction holds the database's lock already.
// FOR NO KEY UPDATE, not FOR UPDATE: inserts that refer to the tenant
// (members, sessions) take a key-share lock on its row, and must neither
// wait for it nor deadlock with it. Errors: NotFound.
func (db *DB) LockBillable(ctx context.Context, tenantID string) error {
	lock := ""
	if db.postgres {
		lock = " FOR NO KEY UPDATE"
	}
	var id string
	return db.fail(db.queryRow(ctx, `SELECT id FROM tenants WHERE id = ?`+lock, tenantID).Scan(&id), "store.thing.tenant")
}

// BillableHistory returns tenantID's stored days from from to to (both
// included), oldest first, preceded by the last stored day before from, if
// any: the count carried into from.
func (db *DB) BillableHistory(ctx context.Context, tenantID string, from, to time.Time) ([]member.DayCount, error) {
	f, t := from.UTC().Format(dayLayout), to.UTC().Format(dayLayout)
	rows, err := db.query(ctx, `SELECT day, max_count, last_count FROM billable_daily WHERE tenant_id = ? AND day <= ?
		AND day >= COALESCE((SELECT MAX(day) FROM billable_daily WHERE tenant_id = ? AND day < ?), ?)
		ORDER BY day`, tenantID, t, tenantID, f, f)
	if err != nil {
		return nil, db.fail(err, "store.thing.billable_count")
	}
	days, err := collect(rows, scanDayCount)
	return days, db.fail(err, "store.thing.billable_count")
}

func scanDayCount(row scanner) (member.DayCount, error) {
	var c member.DayCount
	err := row.Scan(dayScanner{&c.Day}, &c.Max, &c.Last)
	return c, err
}

// dayScanner reads a day: text in SQLite, a date in PostgreSQL; NULL is the
// zero time.
type dayScanner struct{ t *time.Time }

func (s dayScanner) Scan(v any) error {
	var err error
	switch v := v.(type) {
	case nil:
		*s.t = time.Time{}
	case time.Time:
		*s.t = time.Date(v.Year(), v.Month(), v.Day(), 0, 0, 0, 0, time.UTC)
	case string:
		*s.t, err = time.Parse(dayLayout, v)
	case []byte:
		*s.t, err = time.Parse(dayLayout, string(v))
	default:
		err = fmt.Errorf("cannot scan %T into a day", v)
	}
	return err
}

// day encodes a day for either engine.
func day(t time.Time) string { return t.Format(dayLayout) }

// nullDay encodes an optional day; the zero time is NULL.
func nullDay(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return day(t)
}
