package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/idempotency"
)

// ClaimIdempotencyKey records that instance runs the request hashed to hash
// under (scope, key). When the key was claimed before, it returns the stored
// response (Status 0 if still running) and false. A claim still running in
// another instance whose lease has lapsed died with its process: the same
// request takes it over. The insert and the takeover are single statements,
// so of many concurrent claims exactly one wins.
func (db *DB) ClaimIdempotencyKey(ctx context.Context, scope, key, hash, instance string, now time.Time) (*idempotency.Response, bool, error) {
	// A key answered, or running in a live instance, is known from a read,
	// which waits for no lock: that instance may be paused in the middle of
	// a write transaction (SQLite's write lock, PostgreSQL's row locks).
	var r idempotency.Response
	var live bool
	err := db.queryRow(ctx, `SELECT k.request_hash, k.status, k.content_type, k.body,
		EXISTS (SELECT 1 FROM instances i WHERE i.id = k.instance_id AND i.lease_until >= ?)
		FROM idempotency_keys k WHERE k.scope = ? AND k.key = ?`, ts(now), scope, key).
		Scan(&r.RequestHash, &r.Status, &r.ContentType, &r.Body, &live)
	switch {
	case err == nil && (r.Status != 0 || live):
		return &r, false, nil
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return nil, false, db.fail(err, "store.thing.idempotency_key")
	}
	res, err := db.exec(ctx, `INSERT INTO idempotency_keys (scope, key, request_hash, status, created_at, instance_id) VALUES (?, ?, ?, 0, ?, ?)
		ON CONFLICT (scope, key) DO NOTHING`, scope, key, hash, ts(now), instance)
	if err != nil {
		return nil, false, db.fail(err, "store.thing.idempotency_key")
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil, true, nil
	}
	// The takeover compares and swaps the holder read here: PostgreSQL
	// re-checks a row another takeover just changed against the join it
	// planned for the lease test, which still found the dead holder lapsed,
	// so a lease test on the row's own holder let three of 64 win.
	var holder string
	err = db.q(ctx, db.write).QueryRowContext(ctx, db.rebind(`SELECT instance_id FROM idempotency_keys
		WHERE scope = ? AND key = ? AND request_hash = ? AND status = 0`), scope, key, hash).Scan(&holder)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, false, db.fail(err, "store.thing.idempotency_key")
	}
	if err == nil && holder != instance {
		if res, err = db.exec(ctx, `UPDATE idempotency_keys SET instance_id = ?, created_at = ?
			WHERE scope = ? AND key = ? AND request_hash = ? AND status = 0 AND instance_id = ?
			AND NOT EXISTS (SELECT 1 FROM instances i WHERE i.id = ? AND i.lease_until >= ?)`,
			instance, ts(now), scope, key, hash, holder, holder, ts(now)); err != nil {
			return nil, false, db.fail(err, "store.thing.idempotency_key")
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil, true, nil
		}
	}
	r = idempotency.Response{}
	err = db.q(ctx, db.write).QueryRowContext(ctx, db.rebind(`SELECT request_hash, status, content_type, body FROM idempotency_keys
		WHERE scope = ? AND key = ?`), scope, key).Scan(&r.RequestHash, &r.Status, &r.ContentType, &r.Body)
	return &r, false, db.fail(err, "store.thing.idempotency_key")
}

// CompleteIdempotencyKey stores the response to replay for (scope, key),
// if instance still holds the claim.
func (db *DB) CompleteIdempotencyKey(ctx context.Context, scope, key, instance string, r idempotency.Response) error {
	res, err := db.exec(ctx, `UPDATE idempotency_keys SET status = ?, content_type = ?, body = ? WHERE scope = ? AND key = ? AND instance_id = ?`,
		r.Status, r.ContentType, r.Body, scope, key, instance)
	return db.held(res, err)
}

// ReleaseIdempotencyKey forgets (scope, key) so the request can be retried,
// after a failure that changed nothing, if instance still holds the claim.
func (db *DB) ReleaseIdempotencyKey(ctx context.Context, scope, key, instance string) error {
	res, err := db.exec(ctx, `DELETE FROM idempotency_keys WHERE scope = ? AND key = ? AND instance_id = ? AND status = 0`, scope, key, instance)
	return db.held(res, err)
}

// held reports a change to a claim that its instance no longer holds.
func (db *DB) held(res interface{ RowsAffected() (int64, error) }, err error) error {
	if err != nil {
		return db.fail(err, "store.thing.idempotency_key")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.E(errs.Conflict, "store.idempotency_claim_lost")
	}
	return nil
}
