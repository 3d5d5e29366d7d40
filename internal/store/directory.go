package store

import (
	"context"
	"database/sql"
	"maps"
	"slices"
	"strings"

	"github.com/kanri/kanri/internal/member"
)

// The directory: departments, positions, groups, custom fields and
// assignment rules (migration 0020). Reads carry no member counts — a
// member's change reads the objects it names, and must not count a big
// tenant's members — DirectoryCounts counts them for the lists.

const liveMember = `m.status <> 'deleted'`

// directoryCounts are, per kind, how DirectoryCounts counts the live
// members attached to each object of a tenant, in one grouped read.
var directoryCounts = map[string]string{
	member.MatchDepartment: `SELECT m.department_id, COUNT(*) FROM members m WHERE m.tenant_id = ? AND m.department_id IS NOT NULL AND ` + liveMember + ` GROUP BY m.department_id`,
	member.MatchPosition:   `SELECT m.position_id, COUNT(*) FROM members m WHERE m.tenant_id = ? AND m.position_id IS NOT NULL AND ` + liveMember + ` GROUP BY m.position_id`,
	"rule":                 `SELECT m.rule_id, COUNT(*) FROM members m WHERE m.tenant_id = ? AND m.rule_id IS NOT NULL AND ` + liveMember + ` GROUP BY m.rule_id`,
	member.MatchGroup: `SELECT gm.group_id, COUNT(*) FROM group_members gm JOIN members m ON m.id = gm.member_id
		WHERE gm.tenant_id = ? AND ` + liveMember + ` GROUP BY gm.group_id`,
	member.MatchField: `SELECT v.field_id, COUNT(*) FROM member_field_values v JOIN members m ON m.id = v.member_id
		WHERE v.tenant_id = ? AND ` + liveMember + ` GROUP BY v.field_id`,
}

// DirectoryCounts returns how many live members each of tenantID's objects
// of kind (department, position, group, field — members with a value —
// or rule) has, by id; an object without any is absent.
func (db *DB) DirectoryCounts(ctx context.Context, tenantID, kind string) (map[string]int, error) {
	rows, err := db.query(ctx, directoryCounts[kind], tenantID)
	if err != nil {
		return nil, db.fail(err, "store.thing.member")
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, db.fail(err, "store.thing.member")
		}
		counts[id] = n
	}
	return counts, db.fail(rows.Err(), "store.thing.member")
}

// FieldValuesInUse returns the distinct values tenantID's members hold of
// the field.
func (db *DB) FieldValuesInUse(ctx context.Context, tenantID, fieldID string) ([]string, error) {
	rows, err := db.query(ctx, `SELECT DISTINCT value FROM member_field_values WHERE tenant_id = ? AND field_id = ?`, tenantID, fieldID)
	if err != nil {
		return nil, db.fail(err, "store.thing.field")
	}
	vs, err := collect(rows, scanString)
	return vs, db.fail(err, "store.thing.field")
}

// CreateDepartment inserts d. Errors: Conflict (name taken).
func (db *DB) CreateDepartment(ctx context.Context, d *member.Department) error {
	_, err := db.exec(ctx, `INSERT INTO departments (id, tenant_id, name, parent_id, created_at) VALUES (?, ?, ?, ?, ?)`,
		d.ID, d.TenantID, d.Name, nullStr(d.ParentID), ts(d.CreatedAt))
	return db.fail(err, "store.thing.department")
}

const departmentSelect = `SELECT d.id, d.tenant_id, d.name, d.parent_id, d.created_at FROM departments d`

func scanDepartment(row scanner) (*member.Department, error) {
	var d member.Department
	err := row.Scan(&d.ID, &d.TenantID, &d.Name, scanStr(&d.ParentID), scanTime(&d.CreatedAt))
	return &d, err
}

// GetDepartment returns tenantID's department id. Errors: NotFound.
func (db *DB) GetDepartment(ctx context.Context, tenantID, id string) (*member.Department, error) {
	d, err := scanDepartment(db.queryRow(ctx, departmentSelect+` WHERE d.tenant_id = ? AND d.id = ?`, tenantID, id))
	return d, db.fail(err, "store.thing.department")
}

// ListDepartments returns tenantID's departments by name.
func (db *DB) ListDepartments(ctx context.Context, tenantID string) ([]*member.Department, error) {
	rows, err := db.query(ctx, departmentSelect+` WHERE d.tenant_id = ? ORDER BY d.name`, tenantID)
	if err != nil {
		return nil, db.fail(err, "store.thing.department")
	}
	ds, err := collect(rows, scanDepartment)
	return ds, db.fail(err, "store.thing.department")
}

// UpdateDepartment stores d's name and parent. Errors: NotFound, Conflict.
func (db *DB) UpdateDepartment(ctx context.Context, d *member.Department) error {
	res, err := db.exec(ctx, `UPDATE departments SET name = ?, parent_id = ? WHERE tenant_id = ? AND id = ?`,
		d.Name, nullStr(d.ParentID), d.TenantID, d.ID)
	return db.affected(res, err, "store.thing.department")
}

// DeleteDepartment moves id's members to to ("": none) and its children
// under to (or id's parent), then deletes id. Errors: NotFound.
func (db *DB) DeleteDepartment(ctx context.Context, tenantID, id, to string) error {
	if _, err := db.exec(ctx, `UPDATE members SET department_id = ? WHERE tenant_id = ? AND department_id = ?`, nullStr(to), tenantID, id); err != nil {
		return db.fail(err, "store.thing.member")
	}
	parent := any(nullStr(to))
	q := `UPDATE departments SET parent_id = ? WHERE tenant_id = ? AND parent_id = ?`
	if to == "" {
		parent, q = id, `UPDATE departments SET parent_id = (SELECT p.parent_id FROM departments p WHERE p.id = ?) WHERE tenant_id = ? AND parent_id = ?`
	}
	if _, err := db.exec(ctx, q, parent, tenantID, id); err != nil {
		return db.fail(err, "store.thing.department")
	}
	res, err := db.exec(ctx, `DELETE FROM departments WHERE tenant_id = ? AND id = ?`, tenantID, id)
	return db.affected(res, err, "store.thing.department")
}

// CreatePosition inserts p. Errors: Conflict.
func (db *DB) CreatePosition(ctx context.Context, p *member.Position) error {
	_, err := db.exec(ctx, `INSERT INTO positions (id, tenant_id, name, created_at) VALUES (?, ?, ?, ?)`, p.ID, p.TenantID, p.Name, ts(p.CreatedAt))
	return db.fail(err, "store.thing.position")
}

const positionSelect = `SELECT p.id, p.tenant_id, p.name, p.created_at FROM positions p`

func scanPosition(row scanner) (*member.Position, error) {
	var p member.Position
	err := row.Scan(&p.ID, &p.TenantID, &p.Name, scanTime(&p.CreatedAt))
	return &p, err
}

// GetPosition returns tenantID's position id. Errors: NotFound.
func (db *DB) GetPosition(ctx context.Context, tenantID, id string) (*member.Position, error) {
	p, err := scanPosition(db.queryRow(ctx, positionSelect+` WHERE p.tenant_id = ? AND p.id = ?`, tenantID, id))
	return p, db.fail(err, "store.thing.position")
}

// ListPositions returns tenantID's positions by name.
func (db *DB) ListPositions(ctx context.Context, tenantID string) ([]*member.Position, error) {
	rows, err := db.query(ctx, positionSelect+` WHERE p.tenant_id = ? ORDER BY p.name`, tenantID)
	if err != nil {
		return nil, db.fail(err, "store.thing.position")
	}
	ps, err := collect(rows, scanPosition)
	return ps, db.fail(err, "store.thing.position")
}

// UpdatePosition stores p's name. Errors: NotFound, Conflict.
func (db *DB) UpdatePosition(ctx context.Context, p *member.Position) error {
	res, err := db.exec(ctx, `UPDATE positions SET name = ? WHERE tenant_id = ? AND id = ?`, p.Name, p.TenantID, p.ID)
	return db.affected(res, err, "store.thing.position")
}

// DeletePosition gives id's members position to ("": none), then deletes id.
func (db *DB) DeletePosition(ctx context.Context, tenantID, id, to string) error {
	if _, err := db.exec(ctx, `UPDATE members SET position_id = ? WHERE tenant_id = ? AND position_id = ?`, nullStr(to), tenantID, id); err != nil {
		return db.fail(err, "store.thing.member")
	}
	res, err := db.exec(ctx, `DELETE FROM positions WHERE tenant_id = ? AND id = ?`, tenantID, id)
	return db.affected(res, err, "store.thing.position")
}

// CreateGroup inserts g. Errors: Conflict (name or alias taken).
func (db *DB) CreateGroup(ctx context.Context, g *member.Group) error {
	_, err := db.exec(ctx, `INSERT INTO directory_groups (id, tenant_id, name, alias_local, alias_domain_id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		g.ID, g.TenantID, g.Name, nullStr(g.AliasLocal), nullStr(g.AliasDomainID), ts(g.CreatedAt))
	return db.fail(err, "store.thing.group")
}

const groupSelect = `SELECT g.id, g.tenant_id, g.name, g.alias_local, g.alias_domain_id, COALESCE(g.alias_local || '@' || dm.name, ''), g.created_at
	FROM directory_groups g LEFT JOIN domains dm ON dm.id = g.alias_domain_id`

func scanGroup(row scanner) (*member.Group, error) {
	var g member.Group
	err := row.Scan(&g.ID, &g.TenantID, &g.Name, scanStr(&g.AliasLocal), scanStr(&g.AliasDomainID), &g.Alias, scanTime(&g.CreatedAt))
	return &g, err
}

// GetGroup returns tenantID's group id. Errors: NotFound.
func (db *DB) GetGroup(ctx context.Context, tenantID, id string) (*member.Group, error) {
	g, err := scanGroup(db.queryRow(ctx, groupSelect+` WHERE g.tenant_id = ? AND g.id = ?`, tenantID, id))
	return g, db.fail(err, "store.thing.group")
}

// ListGroups returns tenantID's groups by name.
func (db *DB) ListGroups(ctx context.Context, tenantID string) ([]*member.Group, error) {
	return db.listGroups(ctx, ` WHERE g.tenant_id = ? ORDER BY g.name`, tenantID)
}

// GroupsOnDomain returns tenantID's groups with an alias on domainID.
func (db *DB) GroupsOnDomain(ctx context.Context, tenantID, domainID string) ([]*member.Group, error) {
	return db.listGroups(ctx, ` WHERE g.tenant_id = ? AND g.alias_domain_id = ? ORDER BY g.name`, tenantID, domainID)
}

func (db *DB) listGroups(ctx context.Context, where string, args ...any) ([]*member.Group, error) {
	rows, err := db.query(ctx, groupSelect+where, args...)
	if err != nil {
		return nil, db.fail(err, "store.thing.group")
	}
	gs, err := collect(rows, scanGroup)
	return gs, db.fail(err, "store.thing.group")
}

// UpdateGroup stores g's name and alias. Errors: NotFound, Conflict.
func (db *DB) UpdateGroup(ctx context.Context, g *member.Group) error {
	res, err := db.exec(ctx, `UPDATE directory_groups SET name = ?, alias_local = ?, alias_domain_id = ? WHERE tenant_id = ? AND id = ?`,
		g.Name, nullStr(g.AliasLocal), nullStr(g.AliasDomainID), g.TenantID, g.ID)
	return db.affected(res, err, "store.thing.group")
}

// DeleteGroup adds id's members to group to (unless ""), then deletes id.
func (db *DB) DeleteGroup(ctx context.Context, tenantID, id, to string) error {
	if to != "" {
		if _, err := db.exec(ctx, `INSERT INTO group_members (tenant_id, group_id, member_id)
			SELECT tenant_id, ?, member_id FROM group_members WHERE tenant_id = ? AND group_id = ? ON CONFLICT DO NOTHING`, to, tenantID, id); err != nil {
			return db.fail(err, "store.thing.group")
		}
	}
	res, err := db.exec(ctx, `DELETE FROM directory_groups WHERE tenant_id = ? AND id = ?`, tenantID, id)
	return db.affected(res, err, "store.thing.group")
}

// ActiveDomainID returns the id of tenantID's active domain name. Errors: NotFound.
func (db *DB) ActiveDomainID(ctx context.Context, tenantID, name string) (string, error) {
	var id string
	err := db.queryRow(ctx, `SELECT id FROM domains WHERE tenant_id = ? AND name = ? AND status IN ('active', 'primary_changing')`, tenantID, name).Scan(&id)
	return id, db.fail(err, "store.thing.domain")
}

// CreateField inserts f. Errors: Conflict.
func (db *DB) CreateField(ctx context.Context, f *member.Field) error {
	_, err := db.exec(ctx, `INSERT INTO member_fields (id, tenant_id, name, kind, required, choices, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		f.ID, f.TenantID, f.Name, f.Kind, f.Required, strings.Join(f.Choices, "\n"), ts(f.CreatedAt))
	return db.fail(err, "store.thing.field")
}

const fieldSelect = `SELECT f.id, f.tenant_id, f.name, f.kind, f.required, f.choices, f.created_at FROM member_fields f`

func scanField(row scanner) (*member.Field, error) {
	var f member.Field
	var choices string
	err := row.Scan(&f.ID, &f.TenantID, &f.Name, &f.Kind, &f.Required, &choices, scanTime(&f.CreatedAt))
	if choices != "" {
		f.Choices = strings.Split(choices, "\n")
	}
	return &f, err
}

// GetField returns tenantID's field id. Errors: NotFound.
func (db *DB) GetField(ctx context.Context, tenantID, id string) (*member.Field, error) {
	f, err := scanField(db.queryRow(ctx, fieldSelect+` WHERE f.tenant_id = ? AND f.id = ?`, tenantID, id))
	return f, db.fail(err, "store.thing.field")
}

// ListFields returns tenantID's fields in the order they were made.
func (db *DB) ListFields(ctx context.Context, tenantID string) ([]*member.Field, error) {
	rows, err := db.query(ctx, fieldSelect+` WHERE f.tenant_id = ? ORDER BY f.created_at, f.id`, tenantID)
	if err != nil {
		return nil, db.fail(err, "store.thing.field")
	}
	fs, err := collect(rows, scanField)
	return fs, db.fail(err, "store.thing.field")
}

// UpdateField stores f's name, required and choices. Errors: NotFound, Conflict.
func (db *DB) UpdateField(ctx context.Context, f *member.Field) error {
	res, err := db.exec(ctx, `UPDATE member_fields SET name = ?, required = ?, choices = ? WHERE tenant_id = ? AND id = ?`,
		f.Name, f.Required, strings.Join(f.Choices, "\n"), f.TenantID, f.ID)
	return db.affected(res, err, "store.thing.field")
}

// DeleteField deletes id with its values and returns them by member id.
func (db *DB) DeleteField(ctx context.Context, tenantID, id string) (map[string]string, error) {
	rows, err := db.query(ctx, `SELECT member_id, value FROM member_field_values WHERE tenant_id = ? AND field_id = ?`, tenantID, id)
	if err != nil {
		return nil, db.fail(err, "store.thing.field")
	}
	values := map[string]string{}
	for rows.Next() {
		var m, v string
		if err := rows.Scan(&m, &v); err != nil {
			rows.Close()
			return nil, db.fail(err, "store.thing.field")
		}
		values[m] = v
	}
	if err := rows.Err(); err != nil {
		return nil, db.fail(err, "store.thing.field")
	}
	res, err := db.exec(ctx, `DELETE FROM member_fields WHERE tenant_id = ? AND id = ?`, tenantID, id)
	return values, db.affected(res, err, "store.thing.field")
}

// SetMemberLinks replaces m's groups and field values.
func (db *DB) SetMemberLinks(ctx context.Context, m *member.Member) error {
	if _, err := db.exec(ctx, `DELETE FROM group_members WHERE member_id = ?`, m.ID); err != nil {
		return db.fail(err, "store.thing.group")
	}
	if _, err := db.exec(ctx, `DELETE FROM member_field_values WHERE member_id = ?`, m.ID); err != nil {
		return db.fail(err, "store.thing.field")
	}
	return db.insertMemberLinks(ctx, []*member.Member{m})
}

// insertMemberLinks inserts the groups and field values of ms, many per statement.
func (db *DB) insertMemberLinks(ctx context.Context, ms []*member.Member) error {
	var groups, values []any
	flush := func(force bool) error {
		if len(groups) >= 3*memberBatch || (force && len(groups) > 0) {
			if _, err := db.exec(ctx, `INSERT INTO group_members (tenant_id, group_id, member_id) VALUES `+rows(3, len(groups)/3), groups...); err != nil {
				return db.fail(err, "store.thing.group")
			}
			groups = groups[:0]
		}
		if len(values) >= 4*memberBatch || (force && len(values) > 0) {
			if _, err := db.exec(ctx, `INSERT INTO member_field_values (tenant_id, member_id, field_id, value) VALUES `+rows(4, len(values)/4), values...); err != nil {
				return db.fail(err, "store.thing.field")
			}
			values = values[:0]
		}
		return nil
	}
	for _, m := range ms {
		for _, g := range m.GroupIDs {
			groups = append(groups, m.TenantID, g, m.ID)
		}
		for _, f := range slices.Sorted(maps.Keys(m.Fields)) {
			values = append(values, m.TenantID, m.ID, f, m.Fields[f])
		}
		if err := flush(false); err != nil {
			return err
		}
	}
	return flush(true)
}

// loadMemberLinks fills the groups and field values of ms.
func (db *DB) loadMemberLinks(ctx context.Context, ms []*member.Member) error {
	if len(ms) == 0 {
		return nil
	}
	byID := make(map[string]*member.Member, len(ms))
	args := make([]any, len(ms))
	for i, m := range ms {
		byID[m.ID], args[i] = m, m.ID
	}
	in := placeholders(len(ms))
	rows, err := db.query(ctx, `SELECT member_id, group_id, '' FROM group_members WHERE member_id IN `+in+`
		UNION ALL SELECT member_id, field_id, value FROM member_field_values WHERE member_id IN `+in+` ORDER BY 1, 2`, append(args, args...)...)
	if err != nil {
		return db.fail(err, "store.thing.group")
	}
	defer rows.Close()
	for rows.Next() {
		var mid, id, v string
		if err := rows.Scan(&mid, &id, &v); err != nil {
			return err
		}
		m := byID[mid]
		if strings.HasPrefix(id, "grp_") {
			m.GroupIDs = append(m.GroupIDs, id)
			continue
		}
		if m.Fields == nil {
			m.Fields = map[string]string{}
		}
		m.Fields[id] = v
	}
	return rows.Err()
}

const ruleColumns = `id, tenant_id, name, priority, match_kind, match_id, include_sub, match_value, features, created_at`

// CreateRule inserts r with its roles.
func (db *DB) CreateRule(ctx context.Context, r *member.Rule) error {
	_, err := db.exec(ctx, `INSERT INTO assignment_rules (`+ruleColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.ID, r.TenantID, r.Name, r.Priority, r.MatchKind, r.MatchID, r.IncludeSub, r.MatchValue, strings.Join(r.Features, " "), ts(r.CreatedAt))
	if err != nil {
		return db.fail(err, "store.thing.rule")
	}
	return db.insertRuleRoles(ctx, r)
}

func (db *DB) insertRuleRoles(ctx context.Context, r *member.Rule) error {
	for _, id := range r.RoleIDs {
		if _, err := db.exec(ctx, `INSERT INTO rule_roles (tenant_id, rule_id, role_id) VALUES (?, ?, ?)`, r.TenantID, r.ID, id); err != nil {
			return db.fail(err, "store.thing.role")
		}
	}
	return nil
}

func (db *DB) ruleSelect() string {
	return `SELECT ` + ruleColumns + `, (SELECT ` + db.joined("rr.role_id") + ` FROM rule_roles rr WHERE rr.rule_id = r.id) FROM assignment_rules r`
}

func scanRule(row scanner) (*member.Rule, error) {
	var r member.Rule
	var features string
	var roles sql.NullString
	err := row.Scan(&r.ID, &r.TenantID, &r.Name, &r.Priority, &r.MatchKind, &r.MatchID, &r.IncludeSub, &r.MatchValue, &features,
		scanTime(&r.CreatedAt), &roles)
	r.Features, r.RoleIDs = strings.Fields(features), strings.Fields(roles.String)
	slices.Sort(r.RoleIDs)
	return &r, err
}

// GetRule returns tenantID's rule id. Errors: NotFound.
func (db *DB) GetRule(ctx context.Context, tenantID, id string) (*member.Rule, error) {
	r, err := scanRule(db.queryRow(ctx, db.ruleSelect()+` WHERE r.tenant_id = ? AND r.id = ?`, tenantID, id))
	return r, db.fail(err, "store.thing.rule")
}

// ListRules returns tenantID's rules by priority.
func (db *DB) ListRules(ctx context.Context, tenantID string) ([]*member.Rule, error) {
	rows, err := db.query(ctx, db.ruleSelect()+` WHERE r.tenant_id = ? ORDER BY r.priority`, tenantID)
	if err != nil {
		return nil, db.fail(err, "store.thing.rule")
	}
	rs, err := collect(rows, scanRule)
	return rs, db.fail(err, "store.thing.rule")
}

// UpdateRule stores every column of r and its roles. Errors: NotFound.
func (db *DB) UpdateRule(ctx context.Context, r *member.Rule) error {
	res, err := db.exec(ctx, `UPDATE assignment_rules SET name = ?, priority = ?, match_kind = ?, match_id = ?, include_sub = ?, match_value = ?, features = ?
		WHERE tenant_id = ? AND id = ?`, r.Name, r.Priority, r.MatchKind, r.MatchID, r.IncludeSub, r.MatchValue, strings.Join(r.Features, " "), r.TenantID, r.ID)
	if err := db.affected(res, err, "store.thing.rule"); err != nil {
		return err
	}
	if _, err := db.exec(ctx, `DELETE FROM rule_roles WHERE rule_id = ?`, r.ID); err != nil {
		return db.fail(err, "store.thing.rule")
	}
	return db.insertRuleRoles(ctx, r)
}

// DeleteRule deletes tenantID's rule id. Errors: NotFound.
func (db *DB) DeleteRule(ctx context.Context, tenantID, id string) error {
	res, err := db.exec(ctx, `DELETE FROM assignment_rules WHERE tenant_id = ? AND id = ?`, tenantID, id)
	return db.affected(res, err, "store.thing.rule")
}

// RuleFacts returns what rules match of tenantID's members that are not
// deleted, of ids (at most a few thousand: one statement's parameters) or
// of all (nil), in id order.
func (db *DB) RuleFacts(ctx context.Context, tenantID string, ids []string) ([]*member.Facts, error) {
	where, args := ` WHERE m.tenant_id = ? AND `+liveMember, []any{tenantID}
	if ids != nil {
		if len(ids) == 0 {
			return nil, nil
		}
		where += ` AND m.id IN ` + placeholders(len(ids))
		for _, id := range ids {
			args = append(args, id)
		}
	}
	rows, err := db.query(ctx, `SELECT m.id, m.login_local || '@' || d.name, m.display_name, m.status, m.is_super_admin,
		COALESCE(m.department_id, ''), COALESCE(m.position_id, ''), COALESCE(m.rule_id, '')`+memberFrom+where+` ORDER BY m.id`, args...)
	if err != nil {
		return nil, db.fail(err, "store.thing.member")
	}
	facts, err := collect(rows, func(row scanner) (*member.Facts, error) {
		var f member.Facts
		err := row.Scan(&f.ID, &f.LoginID, &f.DisplayName, &f.Status, &f.SuperAdmin, &f.DepartmentID, &f.PositionID, &f.RuleID)
		return &f, err
	})
	if err != nil {
		return nil, db.fail(err, "store.thing.member")
	}
	byID := make(map[string]*member.Facts, len(facts))
	for _, f := range facts {
		byID[f.ID] = f
	}
	// The groups and values of the members asked for: of the tenant's
	// every member, or of those ids alone (one member's edit must not read
	// a big tenant's every membership).
	linksWhere, linksArgs := ` WHERE gm.tenant_id = ?`, []any{tenantID}
	if ids != nil {
		linksWhere += ` AND gm.member_id IN ` + placeholders(len(ids))
		for _, id := range ids {
			linksArgs = append(linksArgs, id)
		}
	}
	for _, q := range []string{`SELECT gm.member_id, gm.group_id, '' FROM group_members gm`, `SELECT gm.member_id, gm.field_id, gm.value FROM member_field_values gm`} {
		rows, err := db.query(ctx, q+linksWhere, linksArgs...)
		if err != nil {
			return nil, db.fail(err, "store.thing.member")
		}
		for rows.Next() {
			var mid, id, v string
			if err := rows.Scan(&mid, &id, &v); err != nil {
				rows.Close()
				return nil, db.fail(err, "store.thing.member")
			}
			f := byID[mid]
			switch {
			case f == nil:
			case strings.HasPrefix(id, "grp_"):
				f.GroupIDs = append(f.GroupIDs, id)
			default:
				if f.Fields == nil {
					f.Fields = map[string]string{}
				}
				f.Fields[id] = v
			}
		}
		if err := rows.Err(); err != nil {
			return nil, db.fail(err, "store.thing.member")
		}
	}
	return facts, nil
}

// SetMemberRules gives the members of each list the rule it is keyed by.
func (db *DB) SetMemberRules(ctx context.Context, tenantID string, byRule map[string][]string) error {
	for rule, ids := range byRule {
		for start := 0; start < len(ids); start += memberBatch {
			chunk := ids[start:min(start+memberBatch, len(ids))]
			args := []any{nullStr(rule), tenantID}
			for _, id := range chunk {
				args = append(args, id)
			}
			if _, err := db.exec(ctx, `UPDATE members SET rule_id = ? WHERE tenant_id = ? AND id IN `+placeholders(len(chunk)), args...); err != nil {
				return db.fail(err, "store.thing.member")
			}
		}
	}
	return nil
}

// DeactivateUnmatched reads tenantID's deactivate_unmatched. Errors: NotFound.
func (db *DB) DeactivateUnmatched(ctx context.Context, tenantID string) (bool, error) {
	var on bool
	err := db.queryRow(ctx, `SELECT deactivate_unmatched FROM tenants WHERE id = ?`, tenantID).Scan(&on)
	return on, db.fail(err, "store.thing.tenant")
}

// SetDeactivateUnmatched stores it. Errors: NotFound.
func (db *DB) SetDeactivateUnmatched(ctx context.Context, tenantID string, on bool) error {
	res, err := db.exec(ctx, `UPDATE tenants SET deactivate_unmatched = ? WHERE id = ?`, on, tenantID)
	return db.affected(res, err, "store.thing.tenant")
}
