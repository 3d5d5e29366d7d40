package store

import (
	"context"
	"time"

	"github.com/kanri/kanri/internal/idempotency"
)

// ClaimIdempotencyKey records that the request hashed to hash is running
// under (scope, key). When the key was claimed before, it returns the stored
// response (Status 0 if still running) and false.
func (db *DB) ClaimIdempotencyKey(ctx context.Context, scope, key, hash string, now time.Time) (*idempotency.Response, bool, error) {
	res, err := db.exec(ctx, `INSERT INTO idempotency_keys (scope, key, request_hash, status, created_at) VALUES (?, ?, ?, 0, ?)
		ON CONFLICT (scope, key) DO NOTHING`, scope, key, hash, ts(now))
	if err != nil {
		return nil, false, db.fail(err, "idempotency key")
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil, true, nil
	}
	var r idempotency.Response
	err = db.q(ctx, db.write).QueryRowContext(ctx, db.rebind(`SELECT request_hash, status, content_type, body FROM idempotency_keys
		WHERE scope = ? AND key = ?`), scope, key).Scan(&r.RequestHash, &r.Status, &r.ContentType, &r.Body)
	return &r, false, db.fail(err, "idempotency key")
}

// CompleteIdempotencyKey stores the response to replay for (scope, key).
func (db *DB) CompleteIdempotencyKey(ctx context.Context, scope, key string, r idempotency.Response) error {
	_, err := db.exec(ctx, `UPDATE idempotency_keys SET status = ?, content_type = ?, body = ? WHERE scope = ? AND key = ?`,
		r.Status, r.ContentType, r.Body, scope, key)
	return db.fail(err, "idempotency key")
}

// ReleaseIdempotencyKey forgets (scope, key) so the request can be retried,
// after a failure that changed nothing.
func (db *DB) ReleaseIdempotencyKey(ctx context.Context, scope, key string) error {
	_, err := db.exec(ctx, `DELETE FROM idempotency_keys WHERE scope = ? AND key = ?`, scope, key)
	return db.fail(err, "idempotency key")
}
