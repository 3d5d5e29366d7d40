package store

import (
	"context"
	"time"

	"github.com/kanri/kanri/internal/password"
)

var _ password.Store = (*DB)(nil)

const passwordResetColumns = `token_hash, tenant_id, member_id, stamp, requested_by, created_at, expires_at`

func scanPasswordReset(row scanner) (*password.Reset, error) {
	var r password.Reset
	err := row.Scan(&r.TokenHash, &r.TenantID, &r.MemberID, &r.Stamp, &r.RequestedBy, scanTime(&r.CreatedAt), scanTime(&r.ExpiresAt))
	return &r, err
}

// CreatePasswordReset inserts r.
func (db *DB) CreatePasswordReset(ctx context.Context, r *password.Reset) error {
	_, err := db.exec(ctx, `INSERT INTO password_resets (`+passwordResetColumns+`) VALUES `+placeholders(7),
		r.TokenHash, r.TenantID, r.MemberID, r.Stamp, r.RequestedBy, ts(r.CreatedAt), ts(r.ExpiresAt))
	return db.fail(err, "store.thing.password_reset")
}

// GetPasswordReset returns the reset link whose token hashes to hash.
// Errors: NotFound.
func (db *DB) GetPasswordReset(ctx context.Context, hash string) (*password.Reset, error) {
	r, err := scanPasswordReset(db.queryRow(ctx, `SELECT `+passwordResetColumns+` FROM password_resets WHERE token_hash = ?`, hash))
	return r, db.fail(err, "store.thing.password_reset")
}

// TakePasswordReset deletes the reset link whose token hashes to hash and
// returns it: of two concurrent takes, one gets it and the other NotFound.
func (db *DB) TakePasswordReset(ctx context.Context, hash string) (*password.Reset, error) {
	row := db.q(ctx, db.write).QueryRowContext(ctx, db.rebind(`DELETE FROM password_resets WHERE token_hash = ? RETURNING `+passwordResetColumns), hash)
	r, err := scanPasswordReset(row)
	return r, db.fail(err, "store.thing.password_reset")
}

// DeletePasswordResets deletes every reset link of memberID.
func (db *DB) DeletePasswordResets(ctx context.Context, memberID string) error {
	_, err := db.exec(ctx, `DELETE FROM password_resets WHERE member_id = ?`, memberID)
	return db.fail(err, "store.thing.password_reset")
}

// SetMemberPassword stores a member's new password hash. Errors: NotFound.
func (db *DB) SetMemberPassword(ctx context.Context, tenantID, memberID, hash string, now time.Time) error {
	res, err := db.exec(ctx, `UPDATE members SET password_hash = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`, hash, ts(now), tenantID, memberID)
	return db.affected(res, err, "store.thing.member")
}

// SetOperatorPassword stores an operator's new password hash. Errors: NotFound.
func (db *DB) SetOperatorPassword(ctx context.Context, operatorID, hash string) error {
	res, err := db.exec(ctx, `UPDATE operators SET password_hash = ? WHERE id = ?`, hash, operatorID)
	return db.affected(res, err, "store.thing.operator")
}

// RevokeOtherSessions revokes every live session and API token of the
// member or operator ownerID but keep, and returns how many.
func (db *DB) RevokeOtherSessions(ctx context.Context, ownerID, keep string, now time.Time) (int, error) {
	res, err := db.exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE (member_id = ? OR operator_id = ?) AND id <> ? AND revoked_at IS NULL`,
		ts(now), ownerID, ownerID, keep)
	if err != nil {
		return 0, db.fail(err, "store.thing.session")
	}
	n, err := res.RowsAffected()
	return int(n), err
}
