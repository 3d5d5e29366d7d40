package store

import (
	"context"
	"time"
)

// RenewInstance records that the process instance id lives until until;
// the first call registers it.
func (db *DB) RenewInstance(ctx context.Context, id string, now, until time.Time) error {
	_, err := db.exec(ctx, `INSERT INTO instances (id, started_at, lease_until) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET lease_until = excluded.lease_until`, id, ts(now), ts(until))
	return db.fail(err, "store.thing.instance")
}

// EndInstance deletes instance id when its process stops cleanly, so what
// it still held is free at once.
func (db *DB) EndInstance(ctx context.Context, id string) error {
	_, err := db.exec(ctx, `DELETE FROM instances WHERE id = ?`, id)
	return db.fail(err, "store.thing.instance")
}

// LapsedInstances returns those of ids that hold no lease at now: their
// processes have died (or stopped). No ids give none.
func (db *DB) LapsedInstances(ctx context.Context, ids []string, now time.Time) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := []any{ts(now)}
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := db.query(ctx, `SELECT id FROM instances WHERE lease_until >= ? AND id IN `+placeholders(len(ids)), args...)
	if err != nil {
		return nil, db.fail(err, "store.thing.instance")
	}
	held, err := collect(rows, func(s scanner) (string, error) {
		var id string
		return id, s.Scan(&id)
	})
	if err != nil {
		return nil, db.fail(err, "store.thing.instance")
	}
	live := map[string]bool{}
	for _, id := range held {
		live[id] = true
	}
	var lapsed []string
	for _, id := range ids {
		if !live[id] {
			lapsed = append(lapsed, id)
		}
	}
	return lapsed, nil
}
