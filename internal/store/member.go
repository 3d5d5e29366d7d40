package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kanri/kanri/internal/member"
)

// A member keeps the local part of its login id; the domain is the
// tenant's primary domain, joined in (see migration 0004).
const memberColumns = `m.id, m.tenant_id, m.login_local || '@' || d.name, m.display_name, m.email, m.phone,
	COALESCE(m.department_id, ''), COALESCE(dp.name, ''), COALESCE(m.position_id, ''), COALESCE(po.name, ''), COALESCE(m.rule_id, ''), m.status, m.is_super_admin, m.external_issuer, m.external_subject, m.password_hash, m.invitation_hash, m.invitation_expires_at,
	m.created_at, m.updated_at, m.language`

const memberFrom = ` FROM members m JOIN domains d ON d.tenant_id = m.tenant_id AND d.is_primary
	LEFT JOIN departments dp ON dp.id = m.department_id LEFT JOIN positions po ON po.id = m.position_id`

const memberInsertColumns = `id, tenant_id, login_local, display_name, email, phone, department_id, position_id, status, is_super_admin,
	external_issuer, external_subject, password_hash, invitation_hash, invitation_expires_at, created_at, updated_at, language`

// localPart is the part of a login id before the @.
func localPart(loginID string) string {
	local, _, _ := strings.Cut(loginID, "@")
	return local
}

func scanMember(row scanner) (*member.Member, error) {
	var m member.Member
	err := row.Scan(&m.ID, &m.TenantID, &m.LoginID, &m.DisplayName, &m.Email, &m.Phone, &m.DepartmentID, &m.Department, &m.PositionID, &m.Position, &m.RuleID, &m.Status,
		&m.SuperAdmin, scanStr(&m.ExternalIssuer), scanStr(&m.ExternalSubject), &m.PasswordHash, scanStr(&m.InvitationHash),
		scanTime(&m.InvitationExpiresAt), scanTime(&m.CreatedAt), scanTime(&m.UpdatedAt), &m.Language)
	return &m, err
}

func memberArgs(m *member.Member) []any {
	return []any{m.ID, m.TenantID, localPart(m.LoginID), m.DisplayName, m.Email, m.Phone, nullStr(m.DepartmentID), nullStr(m.PositionID), m.Status, m.SuperAdmin,
		nullStr(m.ExternalIssuer), nullStr(m.ExternalSubject), m.PasswordHash, nullStr(m.InvitationHash),
		nullTS(m.InvitationExpiresAt), ts(m.CreatedAt), ts(m.UpdatedAt), m.Language}
}

// memberBatch is how many members one INSERT carries: 18 columns each stays
// under SQLite's limit of 32766 bound parameters.
const memberBatch = 500

// CreateMembers inserts members with their roles, many per statement.
// Errors: Conflict (login id or external identity taken).
func (db *DB) CreateMembers(ctx context.Context, ms []*member.Member) error {
	for start := 0; start < len(ms); start += memberBatch {
		chunk := ms[start:min(start+memberBatch, len(ms))]
		args := make([]any, 0, 18*len(chunk))
		for _, m := range chunk {
			args = append(args, memberArgs(m)...)
		}
		q := `INSERT INTO members (` + memberInsertColumns + `) VALUES ` + rows(18, len(chunk))
		if _, err := db.exec(ctx, q, args...); err != nil {
			return db.fail(err, "store.thing.member")
		}
	}
	for _, m := range ms {
		if err := db.insertMemberRoles(ctx, m); err != nil {
			return err
		}
	}
	return db.insertMemberLinks(ctx, ms)
}

// GetMember returns the member id of tenantID with its roles, groups and
// field values. Errors: NotFound.
func (db *DB) GetMember(ctx context.Context, tenantID, id string) (*member.Member, error) {
	m, err := db.getMember(ctx, `m.tenant_id = ? AND m.id = ?`, tenantID, id)
	if err != nil {
		return nil, err
	}
	return m, db.loadMemberLinks(ctx, []*member.Member{m})
}

// GetMemberByLoginID returns the member signing in with loginID. Errors: NotFound.
func (db *DB) GetMemberByLoginID(ctx context.Context, loginID string) (*member.Member, error) {
	local, domain, _ := strings.Cut(loginID, "@")
	return db.getMember(ctx, `d.name = ? AND d.status IN ('active', 'primary_changing') AND m.login_local = ? AND m.status <> 'deleted'`, domain, local)
}

// GetMemberByInvitation returns the member invited with the token hash. Errors: NotFound.
func (db *DB) GetMemberByInvitation(ctx context.Context, hash string) (*member.Member, error) {
	return db.getMember(ctx, `m.invitation_hash = ?`, hash)
}

// GetSuperAdmin returns tenantID's super admin. Errors: NotFound.
func (db *DB) GetSuperAdmin(ctx context.Context, tenantID string) (*member.Member, error) {
	return db.getMember(ctx, `m.tenant_id = ? AND m.is_super_admin`, tenantID)
}

// ReadSuperAdmin returns tenantID's super admin without locking its row, in
// one statement, for whom a mail goes to. Errors: NotFound.
func (db *DB) ReadSuperAdmin(ctx context.Context, tenantID string) (*member.Member, error) {
	return db.readMember(ctx, `m.tenant_id = ? AND m.is_super_admin`, tenantID)
}

// getMember reads one member and its roles: in one statement, but for a
// PostgreSQL row lock, after which the roles are read by a statement of
// their own (a statement that waited for the lock still sees the roles of
// when it began, and an edit would write them back).
func (db *DB) getMember(ctx context.Context, where string, args ...any) (*member.Member, error) {
	if lock := db.forUpdateOf(ctx, "m"); lock != "" {
		m, err := scanMember(db.queryRow(ctx, `SELECT `+memberColumns+memberFrom+` WHERE `+where+lock, args...))
		if err != nil {
			return nil, db.fail(err, "store.thing.member")
		}
		return m, db.loadRoleIDs(ctx, []*member.Member{m})
	}
	return db.readMember(ctx, where, args...)
}

// readMember reads one member and its roles in one statement, locking nothing.
func (db *DB) readMember(ctx context.Context, where string, args ...any) (*member.Member, error) {
	var roles sql.NullString
	m, err := scanMember(alsoScan{db.queryRow(ctx, `SELECT `+memberColumns+`,
		(SELECT `+db.joined("mr.role_id")+` FROM member_roles mr WHERE mr.member_id = m.id)`+memberFrom+` WHERE `+where, args...), []any{&roles}})
	if err != nil {
		return nil, db.fail(err, "store.thing.member")
	}
	if m.RoleIDs = strings.Fields(roles.String); len(m.RoleIDs) == 0 {
		m.RoleIDs = nil
	}
	slices.Sort(m.RoleIDs)
	return m, nil
}

// UpdateMember stores every changeable column of m, and its roles.
// Errors: NotFound, Conflict.
func (db *DB) UpdateMember(ctx context.Context, m *member.Member) error {
	res, err := db.exec(ctx, `UPDATE members SET login_local = ?, display_name = ?, email = ?, phone = ?, department_id = ?, position_id = ?,
		status = ?, is_super_admin = ?, password_hash = ?, invitation_hash = ?, invitation_expires_at = ?, updated_at = ?, language = ?
		WHERE tenant_id = ? AND id = ?`,
		localPart(m.LoginID), m.DisplayName, m.Email, m.Phone, nullStr(m.DepartmentID), nullStr(m.PositionID), m.Status, m.SuperAdmin, m.PasswordHash,
		nullStr(m.InvitationHash), nullTS(m.InvitationExpiresAt), ts(m.UpdatedAt), m.Language, m.TenantID, m.ID)
	if err := db.affected(res, err, "store.thing.member"); err != nil {
		return err
	}
	if _, err := db.exec(ctx, `DELETE FROM member_roles WHERE member_id = ?`, m.ID); err != nil {
		return db.fail(err, "store.thing.member_role")
	}
	return db.insertMemberRoles(ctx, m)
}

func (db *DB) insertMemberRoles(ctx context.Context, m *member.Member) error {
	for _, r := range m.RoleIDs {
		if _, err := db.exec(ctx, `INSERT INTO member_roles (tenant_id, member_id, role_id) VALUES (?, ?, ?)`, m.TenantID, m.ID, r); err != nil {
			return db.fail(err, "store.thing.role")
		}
	}
	return nil
}

// ListMembers returns a page of f.TenantID's members in id order.
func (db *DB) ListMembers(ctx context.Context, f member.Filter) ([]*member.Member, error) {
	q := ` WHERE m.tenant_id = ? AND m.id > ?`
	args := []any{f.TenantID, f.After}
	from := memberFrom
	switch f.Status {
	case "":
		q += ` AND m.status <> 'deleted'`
	case member.FilterBillable:
		q += ` AND m.status IN ('invited', 'active', 'suspended')`
	default:
		q += ` AND m.status = ?`
		args = append(args, f.Status)
	}
	q, args = memberDirectoryFilter(q, args, f)
	if f.Name != "" {
		q += ` AND LOWER(m.display_name) LIKE ? ESCAPE '\'`
		args = append(args, "%"+likeEscape(f.Name)+"%")
		ids, narrowed, err := db.namedMembers(ctx, f.Name)
		if err != nil || (narrowed && len(ids) == 0) {
			return nil, err
		}
		if q, args = among(q, args, ids, narrowed); !db.postgres {
			// The tenant's names (all, or the index's candidates) in id
			// order, from an index that holds them: only the page's
			// matches are read from the table.
			from = strings.Replace(from, "FROM members m", "FROM members m INDEXED BY members_tenant_names", 1)
		}
	}
	if local, domain, full := strings.Cut(strings.ToLower(f.LoginID), "@"); full {
		q += ` AND m.login_local = ? AND d.name LIKE ? ESCAPE '\'`
		args = append(args, local, likeEscape(domain)+"%")
	} else if f.LoginID != "" {
		q += ` AND m.login_local LIKE ? ESCAPE '\'`
		args = append(args, likeEscape(local)+"%")
		ids, narrowed, err := db.loginPrefixed(ctx, f.TenantID, local, f.Status == member.StatusDeleted)
		if err != nil || (narrowed && len(ids) == 0) {
			return nil, err
		}
		q, args = among(q, args, ids, narrowed)
	}
	args = append(args, f.Limit)
	if f.Name != "" || f.LoginID != "" {
		// A generic plan would not know the pattern: PostgreSQL uses its
		// trigram and pattern indexes only for a pattern it can read.
		args = db.planEachRun(args)
	}
	rows, err := db.query(ctx, `SELECT `+memberColumns+from+q+` ORDER BY m.id LIMIT ?`, args...)
	if err != nil {
		return nil, db.fail(err, "store.thing.member")
	}
	ms, err := collect(rows, scanMember)
	if err != nil {
		return nil, db.fail(err, "store.thing.member")
	}
	if err := db.loadRoleIDs(ctx, ms); err != nil {
		return nil, err
	}
	return ms, db.loadMemberLinks(ctx, ms)
}

// among keeps q to the members a search index found (ids), when it
// narrowed the search.
func among(q string, args, ids []any, narrowed bool) (string, []any) {
	if !narrowed {
		return q, args
	}
	return q + ` AND m.id IN ` + placeholders(len(ids)), append(args, ids...)
}

// searchCandidates is how many members a search on SQLite looks up
// through an index before reading the page's members by id; a part more
// common than that is searched by reading the tenant's members in id
// order instead, which soon fills a page with so common a part. (On
// PostgreSQL the planner chooses, from its statistics.)
const searchCandidates = 1000

// namedMembers returns, on SQLite, the ids of the members (of any tenant)
// whose display name contains name, when the trigram index (0026) finds
// at most searchCandidates of them; narrowed is false when the search must
// read the tenant's members instead: on PostgreSQL (its own trigram
// index, 0024), for a part shorter than three characters (no trigram),
// or for a common part.
func (db *DB) namedMembers(ctx context.Context, name string) (ids []any, narrowed bool, err error) {
	if db.postgres || utf8.RuneCountInString(name) < 3 {
		return nil, false, nil
	}
	return db.candidates(ctx, `SELECT k.member_id FROM member_names n JOIN member_name_keys k ON k.seq = n.rowid
		WHERE member_names MATCH ? LIMIT ?`, `"`+strings.ReplaceAll(name, `"`, `""`)+`"`, searchCandidates+1)
}

// loginPrefixed returns, on SQLite, the ids of the tenant's members whose
// login id starts with local, read from the login-id index, when there are
// at most searchCandidates of them (namedMembers tells the rest). Deleted
// members are in no index of login ids.
func (db *DB) loginPrefixed(ctx context.Context, tenantID, local string, deleted bool) (ids []any, narrowed bool, err error) {
	if db.postgres || deleted {
		return nil, false, nil
	}
	// Login ids are ASCII: every one starting with local sorts before local + U+10FFFF.
	return db.candidates(ctx, `SELECT id FROM members WHERE tenant_id = ? AND login_local >= ? AND login_local < ? AND status <> 'deleted'
		LIMIT ?`, tenantID, local, local+"\U0010FFFF", searchCandidates+1)
}

// candidates runs a query for at most searchCandidates+1 member ids.
func (db *DB) candidates(ctx context.Context, query string, args ...any) ([]any, bool, error) {
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, false, db.fail(err, "store.thing.member")
	}
	var ids []any
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, false, db.fail(err, "store.thing.member")
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, false, db.fail(err, "store.thing.member")
	}
	return ids, len(ids) <= searchCandidates, nil
}

// memberDirectoryFilter adds f's department, position, group and field
// conditions to q.
func memberDirectoryFilter(q string, args []any, f member.Filter) (string, []any) {
	if f.DepartmentID != "" && f.SubDepartments {
		q += ` AND m.department_id IN (WITH RECURSIVE sub(id) AS (SELECT id FROM departments WHERE id = ? AND tenant_id = ?
			UNION SELECT c.id FROM departments c JOIN sub ON c.parent_id = sub.id) SELECT id FROM sub)`
		args = append(args, f.DepartmentID, f.TenantID)
	} else if f.DepartmentID != "" {
		q += ` AND m.department_id = ?`
		args = append(args, f.DepartmentID)
	}
	if f.PositionID != "" {
		q += ` AND m.position_id = ?`
		args = append(args, f.PositionID)
	}
	if f.GroupID != "" {
		q += ` AND m.id IN (SELECT member_id FROM group_members WHERE group_id = ? AND tenant_id = ?)`
		args = append(args, f.GroupID, f.TenantID)
	}
	if f.FieldID != "" {
		q += ` AND m.id IN (SELECT member_id FROM member_field_values WHERE field_id = ? AND value = ? AND tenant_id = ?)`
		args = append(args, f.FieldID, f.FieldValue, f.TenantID)
	}
	return q, args
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
		return db.fail(err, "store.thing.member_role")
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

// CountBillable returns how many of tenantID's members hold a license:
// the counter the triggers of migration 0023 keep on the tenant's row in
// the transaction of each change.
func (db *DB) CountBillable(ctx context.Context, tenantID string) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT billable_members FROM tenants WHERE id = ?`, tenantID).Scan(&n)
	return n, db.fail(err, "store.thing.tenant")
}

// TakenLoginIDs returns which of ids are held by members that are not
// deleted: per domain, the locals of the tenant whose primary it is.
func (db *DB) TakenLoginIDs(ctx context.Context, ids []string) (map[string]bool, error) {
	byDomain := map[string][]any{}
	for _, id := range ids {
		local, domain, _ := strings.Cut(id, "@")
		byDomain[domain] = append(byDomain[domain], local)
	}
	taken := map[string]bool{}
	for domain, locals := range byDomain {
		var tenantID string
		err := db.queryRow(ctx, `SELECT tenant_id FROM domains WHERE name = ? AND is_primary AND status IN ('active', 'primary_changing')`, domain).Scan(&tenantID)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, db.fail(err, "store.thing.domain")
		}
		for start := 0; start < len(locals); start += memberBatch {
			chunk := locals[start:min(start+memberBatch, len(locals))]
			// Planned per run: a cached generic plan made before an import filled
			// members would scan the whole table for each chunk of the next one.
			rows, err := db.query(ctx, `SELECT login_local FROM members WHERE tenant_id = ? AND status <> 'deleted' AND login_local IN `+
				placeholders(len(chunk)), db.planEachRun(append([]any{tenantID}, chunk...))...)
			if err != nil {
				return nil, db.fail(err, "store.thing.member")
			}
			got, err := collect(rows, scanString)
			if err != nil {
				return nil, db.fail(err, "store.thing.member")
			}
			for _, local := range got {
				taken[local+"@"+domain] = true
			}
		}
	}
	return taken, nil
}

// AnalyzeMembers refreshes PostgreSQL's statistics of the member tables
// after a bulk change, so that the next statements are planned for the
// rows now there. SQLite plans without them: nothing to do.
func (db *DB) AnalyzeMembers(ctx context.Context) error {
	if !db.postgres {
		return nil
	}
	_, err := db.exec(ctx, `ANALYZE members, member_roles, group_members, member_field_values`)
	return db.fail(err, "store.thing.member")
}
