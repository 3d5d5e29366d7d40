package store

import (
	"context"
	"strings"

	"github.com/kanri/kanri/internal/member"
)

const memberColumns = `id, tenant_id, login_id, display_name, email, phone, department, position, status, is_super_admin,
	external_issuer, external_subject, password_hash, invitation_hash, invitation_expires_at, created_at, updated_at`

func scanMember(row scanner) (*member.Member, error) {
	var m member.Member
	err := row.Scan(&m.ID, &m.TenantID, &m.LoginID, &m.DisplayName, &m.Email, &m.Phone, &m.Department, &m.Position, &m.Status,
		&m.SuperAdmin, scanStr(&m.ExternalIssuer), scanStr(&m.ExternalSubject), &m.PasswordHash, scanStr(&m.InvitationHash),
		scanTime(&m.InvitationExpiresAt), scanTime(&m.CreatedAt), scanTime(&m.UpdatedAt))
	return &m, err
}

func memberArgs(m *member.Member) []any {
	return []any{m.ID, m.TenantID, m.LoginID, m.DisplayName, m.Email, m.Phone, m.Department, m.Position, m.Status, m.SuperAdmin,
		nullStr(m.ExternalIssuer), nullStr(m.ExternalSubject), m.PasswordHash, nullStr(m.InvitationHash),
		nullTS(m.InvitationExpiresAt), ts(m.CreatedAt), ts(m.UpdatedAt)}
}

// memberBatch is how many members one INSERT carries: 17 columns each stays
// under SQLite's limit of 32766 bound parameters.
const memberBatch = 500

// CreateMembers inserts members with their roles, many per statement.
// Errors: Conflict (login id or external identity taken).
func (db *DB) CreateMembers(ctx context.Context, ms []*member.Member) error {
	row := placeholders(17)
	for start := 0; start < len(ms); start += memberBatch {
		chunk := ms[start:min(start+memberBatch, len(ms))]
		args := make([]any, 0, 17*len(chunk))
		for _, m := range chunk {
			args = append(args, memberArgs(m)...)
		}
		q := `INSERT INTO members (` + memberColumns + `) VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", len(chunk)), ", ")
		if _, err := db.exec(ctx, q, args...); err != nil {
			return db.fail(err, "member")
		}
	}
	for _, m := range ms {
		if err := db.insertMemberRoles(ctx, m); err != nil {
			return err
		}
	}
	return nil
}

// GetMember returns the member id of tenantID with its roles. Errors: NotFound.
func (db *DB) GetMember(ctx context.Context, tenantID, id string) (*member.Member, error) {
	return db.getMember(ctx, `tenant_id = ? AND id = ?`, tenantID, id)
}

// GetMemberByLoginID returns the member signing in with loginID. Errors: NotFound.
func (db *DB) GetMemberByLoginID(ctx context.Context, loginID string) (*member.Member, error) {
	return db.getMember(ctx, `login_id = ? AND status <> 'deleted'`, loginID)
}

// GetMemberByInvitation returns the member invited with the token hash. Errors: NotFound.
func (db *DB) GetMemberByInvitation(ctx context.Context, hash string) (*member.Member, error) {
	return db.getMember(ctx, `invitation_hash = ?`, hash)
}

// GetSuperAdmin returns tenantID's super admin. Errors: NotFound.
func (db *DB) GetSuperAdmin(ctx context.Context, tenantID string) (*member.Member, error) {
	return db.getMember(ctx, `tenant_id = ? AND is_super_admin`, tenantID)
}

func (db *DB) getMember(ctx context.Context, where string, args ...any) (*member.Member, error) {
	m, err := scanMember(db.queryRow(ctx, `SELECT `+memberColumns+` FROM members WHERE `+where+db.forUpdate(ctx), args...))
	if err != nil {
		return nil, db.fail(err, "member")
	}
	return m, db.loadRoleIDs(ctx, []*member.Member{m})
}

// UpdateMember stores every changeable column of m, and its roles.
// Errors: NotFound, Conflict.
func (db *DB) UpdateMember(ctx context.Context, m *member.Member) error {
	res, err := db.exec(ctx, `UPDATE members SET login_id = ?, display_name = ?, email = ?, phone = ?, department = ?, position = ?,
		status = ?, is_super_admin = ?, password_hash = ?, invitation_hash = ?, invitation_expires_at = ?, updated_at = ?
		WHERE tenant_id = ? AND id = ?`,
		m.LoginID, m.DisplayName, m.Email, m.Phone, m.Department, m.Position, m.Status, m.SuperAdmin, m.PasswordHash,
		nullStr(m.InvitationHash), nullTS(m.InvitationExpiresAt), ts(m.UpdatedAt), m.TenantID, m.ID)
	if err := db.affected(res, err, "member"); err != nil {
		return err
	}
	if _, err := db.exec(ctx, `DELETE FROM member_roles WHERE member_id = ?`, m.ID); err != nil {
		return db.fail(err, "member roles")
	}
	return db.insertMemberRoles(ctx, m)
}

func (db *DB) insertMemberRoles(ctx context.Context, m *member.Member) error {
	for _, r := range m.RoleIDs {
		if _, err := db.exec(ctx, `INSERT INTO member_roles (tenant_id, member_id, role_id) VALUES (?, ?, ?)`, m.TenantID, m.ID, r); err != nil {
			return db.fail(err, "role "+r)
		}
	}
	return nil
}

// ListMembers returns a page of f.TenantID's members in id order.
func (db *DB) ListMembers(ctx context.Context, f member.Filter) ([]*member.Member, error) {
	q := `SELECT ` + memberColumns + ` FROM members WHERE tenant_id = ? AND id > ?`
	args := []any{f.TenantID, f.After}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	} else {
		q += ` AND status <> 'deleted'`
	}
	if f.Name != "" {
		q += ` AND LOWER(display_name) LIKE ? ESCAPE '\'`
		args = append(args, "%"+likeEscape(f.Name)+"%")
	}
	if f.LoginID != "" {
		q += ` AND login_id LIKE ? ESCAPE '\'`
		args = append(args, likeEscape(f.LoginID)+"%")
	}
	rows, err := db.query(ctx, q+` ORDER BY id LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, db.fail(err, "members")
	}
	ms, err := collect(rows, scanMember)
	if err != nil {
		return nil, db.fail(err, "members")
	}
	return ms, db.loadRoleIDs(ctx, ms)
}

func (db *DB) loadRoleIDs(ctx context.Context, ms []*member.Member) error {
	if len(ms) == 0 {
		return nil
	}
	byID := make(map[string]*member.Member, len(ms))
	args := make([]any, len(ms))
	for i, m := range ms {
		byID[m.ID], args[i] = m, m.ID
	}
	rows, err := db.query(ctx, `SELECT member_id, role_id FROM member_roles WHERE member_id IN `+placeholders(len(ms))+` ORDER BY role_id`, args...)
	if err != nil {
		return db.fail(err, "member roles")
	}
	defer rows.Close()
	for rows.Next() {
		var mid, rid string
		if err := rows.Scan(&mid, &rid); err != nil {
			return err
		}
		byID[mid].RoleIDs = append(byID[mid].RoleIDs, rid)
	}
	return rows.Err()
}

// CountBillable returns how many of tenantID's members hold a license.
func (db *DB) CountBillable(ctx context.Context, tenantID string) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM members WHERE tenant_id = ? AND status IN ('invited', 'active', 'suspended')`, tenantID).Scan(&n)
	return n, db.fail(err, "members")
}

// TakenLoginIDs returns which of ids are held by members that are not deleted.
func (db *DB) TakenLoginIDs(ctx context.Context, ids []string) (map[string]bool, error) {
	taken := map[string]bool{}
	for start := 0; start < len(ids); start += memberBatch {
		chunk := ids[start:min(start+memberBatch, len(ids))]
		args := make([]any, len(chunk))
		for i, s := range chunk {
			args[i] = s
		}
		// Planned per run: a cached generic plan made before an import filled
		// members would scan the whole table for each chunk of the next one.
		rows, err := db.query(ctx, `SELECT login_id FROM members WHERE status <> 'deleted' AND login_id IN `+placeholders(len(chunk)), db.planEachRun(args)...)
		if err != nil {
			return nil, db.fail(err, "members")
		}
		got, err := collect(rows, scanString)
		if err != nil {
			return nil, db.fail(err, "members")
		}
		for _, s := range got {
			taken[s] = true
		}
	}
	return taken, nil
}
