package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/session"
)

const sessionColumns = `id, token_hash, kind, tenant_id, member_id, operator_id, name, ip, user_agent, created_at, expires_at, revoked_at, partner_user_id`

func scanSession(row scanner) (*session.Session, error) {
	var s session.Session
	err := row.Scan(&s.ID, &s.TokenHash, &s.Kind, scanStr(&s.TenantID), scanStr(&s.MemberID), scanStr(&s.OperatorID), &s.Name,
		&s.IP, &s.UserAgent, scanTime(&s.CreatedAt), scanTime(&s.ExpiresAt), scanTime(&s.RevokedAt), scanStr(&s.PartnerUserID))
	return &s, err
}

// CreateSession inserts s.
func (db *DB) CreateSession(ctx context.Context, s *session.Session) error {
	_, err := db.exec(ctx, `INSERT INTO sessions (`+sessionColumns+`) VALUES `+placeholders(13),
		s.ID, s.TokenHash, s.Kind, nullStr(s.TenantID), nullStr(s.MemberID), nullStr(s.OperatorID), s.Name, s.IP, s.UserAgent,
		ts(s.CreatedAt), nullTS(s.ExpiresAt), nullTS(s.RevokedAt), nullStr(s.PartnerUserID))
	return db.fail(err, "store.thing.session")
}

// GetSessionByHash returns the session whose token hashes to hash and, for
// a member's session, the member's standing (MemberStanding; nil for an
// operator's, or when the member is gone), in one statement. Errors: NotFound.
func (db *DB) GetSessionByHash(ctx context.Context, hash string) (*session.Session, *session.Standing, error) {
	var st nullStanding
	s, err := scanSession(alsoScan{db.queryRow(ctx, db.sessionQuery(), hash), st.dest()})
	if err != nil {
		return nil, nil, db.fail(err, "store.thing.session")
	}
	return s, st.standing(), nil
}

// ListSessions returns memberID's sessions that are neither revoked nor
// expired at now, newest first.
func (db *DB) ListSessions(ctx context.Context, memberID string, now time.Time) ([]*session.Session, error) {
	rows, err := db.query(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE member_id = ? AND revoked_at IS NULL
		AND (expires_at IS NULL OR expires_at > ?) ORDER BY created_at DESC`, memberID, ts(now))
	if err != nil {
		return nil, db.fail(err, "store.thing.session")
	}
	return collect(rows, scanSession)
}

// RevokeSession revokes one session at now. Errors: NotFound (or already revoked).
func (db *DB) RevokeSession(ctx context.Context, id string, now time.Time) error {
	_, err := db.revoke(ctx, "id", id, now)
	return err
}

// RevokeMemberSessions revokes every live session of memberID and returns how many.
func (db *DB) RevokeMemberSessions(ctx context.Context, memberID string, now time.Time) (int, error) {
	return db.revoke(ctx, "member_id", memberID, now)
}

// RevokeTenantSessions revokes every live session in tenantID and returns how many.
func (db *DB) RevokeTenantSessions(ctx context.Context, tenantID string, now time.Time) (int, error) {
	return db.revoke(ctx, "tenant_id", tenantID, now)
}

func (db *DB) revoke(ctx context.Context, column, value string, now time.Time) (int, error) {
	res, err := db.exec(ctx, `UPDATE sessions SET revoked_at = ? WHERE `+column+` = ? AND revoked_at IS NULL`, ts(now), value)
	if err != nil {
		return 0, db.fail(err, "store.thing.session")
	}
	n, err := res.RowsAffected()
	if column == "id" && err == nil && n == 0 {
		return 0, db.fail(sql.ErrNoRows, "store.thing.session")
	}
	return int(n), err
}

// MemberPermissions returns the union of the permissions of memberID's roles.
func (db *DB) MemberPermissions(ctx context.Context, memberID string) ([]auth.Permission, error) {
	// The roles held, and those the member's assignment rule grants.
	rows, err := db.query(ctx, `SELECT r.permissions FROM roles r JOIN member_roles mr ON mr.role_id = r.id WHERE mr.member_id = ?
		UNION ALL SELECT r.permissions FROM roles r JOIN rule_roles rr ON rr.role_id = r.id JOIN members m ON m.rule_id = rr.rule_id WHERE m.id = ?`, memberID, memberID)
	if err != nil {
		return nil, db.fail(err, "store.thing.role")
	}
	lists, err := collect(rows, scanString)
	if err != nil {
		return nil, db.fail(err, "store.thing.role")
	}
	return permissionUnion(strings.Join(lists, " ")), nil
}

// permissionUnion is the permissions of space-separated lists, each once.
func permissionUnion(lists string) []auth.Permission {
	seen := map[auth.Permission]bool{}
	var out []auth.Permission
	for p := range strings.FieldsSeq(lists) {
		if !seen[auth.Permission(p)] {
			seen[auth.Permission(p)] = true
			out = append(out, auth.Permission(p))
		}
	}
	return out
}

// sessionQuery is GetSessionByHash's statement. The standing is joined
// table by table: joined in parentheses first, SQLite joined every member
// to its tenant before finding the session's (TestHotQueriesSearch).
func (db *DB) sessionQuery() string {
	return `SELECT s.` + strings.ReplaceAll(sessionColumns, ", ", ", s.") + `, ` + db.standingColumns() + `
		FROM sessions s LEFT JOIN members m ON m.id = s.member_id AND m.tenant_id = s.tenant_id
		LEFT JOIN tenants t ON t.id = m.tenant_id LEFT JOIN domains d ON d.tenant_id = m.tenant_id AND d.is_primary
		WHERE s.token_hash = ?`
}

// MemberStanding reads what every request of a signed-in member checks:
// its status and roles' permissions, its tenant's status and two-factor
// policy, and whether it has two-factor sign-in on. Errors: NotFound.
func (db *DB) MemberStanding(ctx context.Context, tenantID, memberID string) (*session.Standing, error) {
	var st nullStanding
	err := db.queryRow(ctx, db.standingQuery(), tenantID, memberID).Scan(st.dest()...)
	if err == nil && st.standing() == nil {
		err = sql.ErrNoRows
	}
	if err != nil {
		return nil, db.fail(err, "store.thing.member")
	}
	return st.standing(), nil
}

// standingQuery is MemberStanding's statement.
func (db *DB) standingQuery() string {
	return `SELECT ` + db.standingColumns() + ` FROM members m JOIN tenants t ON t.id = m.tenant_id
		JOIN domains d ON d.tenant_id = m.tenant_id AND d.is_primary WHERE m.tenant_id = ? AND m.id = ?`
}

// standingColumns are a member's standing, scanned by nullStanding.
func (db *DB) standingColumns() string {
	return `m.status, m.is_super_admin, m.login_local || '@' || d.name, m.language, t.status, t.two_factor_required,
		EXISTS (SELECT 1 FROM member_two_factor f WHERE f.member_id = m.id AND f.confirmed_at IS NOT NULL),
		(SELECT ` + db.joined("r.permissions") + ` FROM roles r JOIN member_roles mr ON mr.role_id = r.id WHERE mr.member_id = m.id)`
}

// nullStanding scans standingColumns, which are NULL beside a session
// without a member.
type nullStanding struct {
	memberStatus, loginID, language, tenantStatus, policy, perms sql.NullString
	superAdmin, twoFactorOn                                      sql.NullBool
}

func (n *nullStanding) dest() []any {
	return []any{&n.memberStatus, &n.superAdmin, &n.loginID, &n.language, &n.tenantStatus, &n.policy, &n.twoFactorOn, &n.perms}
}

// standing is what was scanned, or nil for no member.
func (n *nullStanding) standing() *session.Standing {
	if !n.memberStatus.Valid {
		return nil
	}
	return &session.Standing{MemberStatus: n.memberStatus.String, SuperAdmin: n.superAdmin.Bool, LoginID: n.loginID.String,
		Language: n.language.String, Permissions: permissionUnion(n.perms.String), TenantStatus: n.tenantStatus.String,
		Policy: session.Policy(n.policy.String), TwoFactorOn: n.twoFactorOn.Bool}
}

// CreateOperator inserts o. Errors: Conflict (e-mail taken).
func (db *DB) CreateOperator(ctx context.Context, o *session.Operator) error {
	_, err := db.exec(ctx, `INSERT INTO operators (id, email, name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)`,
		o.ID, o.Email, o.Name, o.PasswordHash, ts(o.CreatedAt))
	return db.fail(err, "store.thing.operator")
}

// GetOperator returns the operator whose id or e-mail is key, unless it
// is disabled. Errors: NotFound.
func (db *DB) GetOperator(ctx context.Context, key string) (*session.Operator, error) {
	var o session.Operator
	err := db.queryRow(ctx, `SELECT id, email, name, password_hash, created_at FROM operators WHERE (id = ? OR email = ?) AND disabled_at IS NULL`, key, key).
		Scan(&o.ID, &o.Email, &o.Name, &o.PasswordHash, scanTime(&o.CreatedAt))
	return &o, db.fail(err, "store.thing.operator")
}

// ReserveLoginAttempt counts one sign-in attempt for key in one atomic
// statement, before its password or code is checked, and returns the count
// and when the key's window started. A window that started at windowStart
// or before is over: the count starts again at now.
func (db *DB) ReserveLoginAttempt(ctx context.Context, key string, now, windowStart time.Time) (int, time.Time, error) {
	var n int
	var start time.Time
	err := db.q(ctx, db.write).QueryRowContext(ctx, db.rebind(`INSERT INTO login_failures (key, failures, window_start) VALUES (?, 1, ?)
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN login_failures.window_start <= ? THEN 1 ELSE login_failures.failures + 1 END,
			window_start = CASE WHEN login_failures.window_start <= ? THEN ? ELSE login_failures.window_start END
		RETURNING failures, window_start`), key, ts(now), ts(windowStart), ts(windowStart), ts(now)).Scan(&n, scanTime(&start))
	return n, start, db.fail(err, "store.thing.login_attempt")
}

// ForgetLoginAttempts forgets every attempt counted on key.
func (db *DB) ForgetLoginAttempts(ctx context.Context, key string) error {
	_, err := db.exec(ctx, `DELETE FROM login_failures WHERE key = ?`, key)
	return db.fail(err, "store.thing.login_attempt")
}

// ReleaseLoginAttempts takes n attempts off key's count if its window still
// starts at windowStart (a newer window holds only later attempts), and
// forgets the key when none are left.
func (db *DB) ReleaseLoginAttempts(ctx context.Context, key string, windowStart time.Time, n int) error {
	if _, err := db.exec(ctx, `UPDATE login_failures SET failures = failures - ? WHERE key = ? AND window_start = ?`, n, key, ts(windowStart)); err != nil {
		return db.fail(err, "store.thing.login_attempt")
	}
	_, err := db.exec(ctx, `DELETE FROM login_failures WHERE key = ? AND failures <= 0`, key)
	return db.fail(err, "store.thing.login_attempt")
}
