package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/session"
)

var _ session.Store = (*DB)(nil)

// TwoFactorPolicy returns the tenant's two-factor requirement. Errors: NotFound.
func (db *DB) TwoFactorPolicy(ctx context.Context, tenantID string) (session.Policy, error) {
	var p string
	err := db.queryRow(ctx, `SELECT two_factor_required FROM tenants WHERE id = ?`+db.forUpdate(ctx), tenantID).Scan(&p)
	return session.Policy(p), db.fail(err, "store.thing.tenant")
}

// SetTwoFactorPolicy changes the tenant's two-factor requirement. Errors: NotFound.
func (db *DB) SetTwoFactorPolicy(ctx context.Context, tenantID string, p session.Policy) error {
	res, err := db.exec(ctx, `UPDATE tenants SET two_factor_required = ? WHERE id = ?`, string(p), tenantID)
	return db.affected(res, err, "store.thing.tenant")
}

// TwoFactorState returns the tenant's policy and whether the member has
// confirmed two-factor sign-in. Errors: NotFound (no such tenant).
func (db *DB) TwoFactorState(ctx context.Context, tenantID, memberID string) (session.Policy, bool, error) {
	var p string
	var on bool
	err := db.queryRow(ctx, `SELECT t.two_factor_required, EXISTS (SELECT 1 FROM member_two_factor f
		WHERE f.member_id = ? AND f.confirmed_at IS NOT NULL) FROM tenants t WHERE t.id = ?`, memberID, tenantID).Scan(&p, &on)
	return session.Policy(p), on, db.fail(err, "store.thing.tenant")
}

// tfTables are the tables of an account's two-factor sign-in: a member's,
// or a partner user's (ids "pus_…"), which have the same columns but the
// owner's. Every statement below names them through it.
type tfTables struct{ enrolment, codes, pending, owner string }

func tfOf(accountID string) tfTables {
	if strings.HasPrefix(accountID, "pus_") {
		return tfTables{"partner_two_factor", "partner_recovery_codes", "partner_pending_sign_ins", "partner_user_id"}
	}
	return tfTables{"member_two_factor", "recovery_codes", "pending_sign_ins", "member_id"}
}

// sql writes the tables' names into query, where it says ENROLMENT, CODES,
// PENDING and OWNER.
func (t tfTables) sql(query string) string {
	return strings.NewReplacer("ENROLMENT", t.enrolment, "CODES", t.codes, "PENDING", t.pending, "OWNER", t.owner).Replace(query)
}

// GetTwoFactor returns the account's enrolment with its unused recovery
// codes counted. Errors: NotFound.
func (db *DB) GetTwoFactor(ctx context.Context, accountID string) (*session.TwoFactor, error) {
	var tf session.TwoFactor
	err := db.queryRow(ctx, tfOf(accountID).sql(`SELECT OWNER, tenant_id, secret, confirmed_at, last_step, created_at,
		(SELECT COUNT(*) FROM CODES c WHERE c.OWNER = f.OWNER AND c.used_at IS NULL)
		FROM ENROLMENT f WHERE OWNER = ?`), accountID).
		Scan(&tf.MemberID, scanStr(&tf.TenantID), &tf.Secret, scanTime(&tf.ConfirmedAt), &tf.LastStep, scanTime(&tf.CreatedAt), &tf.RecoveryLeft)
	return &tf, db.fail(err, "store.thing.two_factor")
}

// StartTwoFactor stores tf as the account's pending enrolment, replacing a
// pending one. Errors: Conflict (two-factor sign-in is on).
func (db *DB) StartTwoFactor(ctx context.Context, tf *session.TwoFactor) error {
	res, err := db.exec(ctx, tfOf(tf.MemberID).sql(`INSERT INTO ENROLMENT (OWNER, tenant_id, secret, confirmed_at, last_step, created_at)
		VALUES (?, ?, ?, NULL, 0, ?)
		ON CONFLICT (OWNER) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at
		WHERE ENROLMENT.confirmed_at IS NULL`), tf.MemberID, nullStr(tf.TenantID), tf.Secret, ts(tf.CreatedAt))
	if err != nil {
		return db.fail(err, "store.thing.two_factor")
	}
	n, err := res.RowsAffected()
	if err != nil {
		return db.fail(err, "store.thing.two_factor")
	}
	if n == 0 {
		return errs.E(errs.Conflict, "store.two_factor_on_already")
	}
	return nil
}

// ConfirmTwoFactor turns tf on, taking step as its first code, if tf is
// still the account's pending enrolment. Errors: NotFound.
func (db *DB) ConfirmTwoFactor(ctx context.Context, tf *session.TwoFactor, step int64, now time.Time) error {
	res, err := db.exec(ctx, tfOf(tf.MemberID).sql(`UPDATE ENROLMENT SET confirmed_at = ?, last_step = ?
		WHERE OWNER = ? AND secret = ? AND confirmed_at IS NULL`), ts(now), step, tf.MemberID, tf.Secret)
	return db.affected(res, err, "store.thing.two_factor_setup")
}

// DeleteTwoFactor forgets the account's enrolment and recovery codes.
func (db *DB) DeleteTwoFactor(ctx context.Context, accountID string) error {
	_, err := db.exec(ctx, tfOf(accountID).sql(`DELETE FROM ENROLMENT WHERE OWNER = ?`), accountID)
	return db.fail(err, "store.thing.two_factor")
}

// UseTwoFactorStep takes the code of time-step step, in one statement:
// only when no code of it or of a later step was taken before. Errors:
// NotFound (taken already, or two-factor sign-in is not on).
func (db *DB) UseTwoFactorStep(ctx context.Context, accountID string, step int64) error {
	res, err := db.exec(ctx, tfOf(accountID).sql(`UPDATE ENROLMENT SET last_step = ?
		WHERE OWNER = ? AND confirmed_at IS NOT NULL AND last_step < ?`), step, accountID, step)
	return db.affected(res, err, "store.thing.unused_code")
}

// ReplaceRecoveryCodes makes hashes the account's recovery codes.
func (db *DB) ReplaceRecoveryCodes(ctx context.Context, accountID string, hashes []string) error {
	t := tfOf(accountID)
	if _, err := db.exec(ctx, t.sql(`DELETE FROM CODES WHERE OWNER = ?`), accountID); err != nil {
		return db.fail(err, "store.thing.recovery_code")
	}
	for _, h := range hashes {
		if _, err := db.exec(ctx, t.sql(`INSERT INTO CODES (OWNER, code_hash) VALUES (?, ?)`), accountID, h); err != nil {
			return db.fail(err, "store.thing.recovery_code")
		}
	}
	return nil
}

// UseRecoveryCode marks the account's unused recovery code hash used, in
// one statement. Errors: NotFound (no such unused code).
func (db *DB) UseRecoveryCode(ctx context.Context, accountID, hash string, now time.Time) error {
	res, err := db.exec(ctx, tfOf(accountID).sql(`UPDATE CODES SET used_at = ? WHERE OWNER = ? AND code_hash = ? AND used_at IS NULL`),
		ts(now), accountID, hash)
	return db.affected(res, err, "store.thing.unused_recovery_code")
}

// CreatePending stores the second step of a sign-in.
func (db *DB) CreatePending(ctx context.Context, p *session.Pending) error {
	_, err := db.exec(ctx, tfOf(p.MemberID).sql(`INSERT INTO PENDING (token_hash, tenant_id, OWNER, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`),
		p.TokenHash, nullStr(p.TenantID), p.MemberID, ts(p.CreatedAt), ts(p.ExpiresAt))
	return db.fail(err, "store.thing.pending_sign_in")
}

// pendingOwners are the tables a second step's token may be in.
var pendingOwners = []tfTables{tfOf(""), tfOf("pus_")}

// GetPending returns the unused second step whose token hashes to hash:
// a member's or a partner user's. Errors: NotFound (unknown or used).
func (db *DB) GetPending(ctx context.Context, hash string) (*session.Pending, error) {
	var p session.Pending
	err := db.queryRow(ctx, `SELECT token_hash, tenant_id, member_id, created_at, expires_at FROM pending_sign_ins
		WHERE token_hash = ? AND used_at IS NULL UNION ALL SELECT token_hash, tenant_id, partner_user_id, created_at, expires_at
		FROM partner_pending_sign_ins WHERE token_hash = ? AND used_at IS NULL`, hash, hash).
		Scan(&p.TokenHash, scanStr(&p.TenantID), &p.MemberID, scanTime(&p.CreatedAt), scanTime(&p.ExpiresAt))
	return &p, db.fail(err, "store.thing.pending_sign_in")
}

// UsePending marks the second step used, in one statement, if it is unused
// and unexpired at now. Errors: NotFound.
func (db *DB) UsePending(ctx context.Context, hash string, now time.Time) error {
	for _, t := range pendingOwners {
		res, err := db.exec(ctx, t.sql(`UPDATE PENDING SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?`),
			ts(now), hash, ts(now))
		if err != nil {
			return db.fail(err, "store.thing.pending_sign_in")
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
	}
	return db.fail(sql.ErrNoRows, "store.thing.pending_sign_in")
}

// EnsureServerKey returns the server's 32-byte key named name, making and
// storing it on first use (named for that write, not as a plain read);
// every instance on the database reads the same key.
func (db *DB) EnsureServerKey(ctx context.Context, name string, now time.Time) ([]byte, error) {
	var fresh [32]byte
	_, _ = rand.Read(fresh[:])
	if _, err := db.exec(ctx, `INSERT INTO server_keys (name, secret, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`,
		name, base64.StdEncoding.EncodeToString(fresh[:]), ts(now)); err != nil {
		return nil, db.fail(err, "store.thing.server_key")
	}
	var s string
	if err := db.q(ctx, db.write).QueryRowContext(ctx, db.rebind(`SELECT secret FROM server_keys WHERE name = ?`), name).Scan(&s); err != nil {
		return nil, db.fail(err, "store.thing.server_key")
	}
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("server key %s is damaged in the database", name)
	}
	return key, nil
}
