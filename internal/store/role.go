package store

import (
	"context"
	"strings"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/member"
)

const roleColumns = `id, tenant_id, name, permissions, builtin, created_at`

func scanRole(row scanner) (*member.Role, error) {
	var r member.Role
	var perms string
	err := row.Scan(&r.ID, &r.TenantID, &r.Name, &perms, &r.Builtin, scanTime(&r.CreatedAt))
	for p := range strings.FieldsSeq(perms) {
		r.Permissions = append(r.Permissions, auth.Permission(p))
	}
	return &r, err
}

func joinPerms(ps []auth.Permission) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, " ")
}

// CreateRole inserts r. Errors: Conflict (name taken in the tenant).
func (db *DB) CreateRole(ctx context.Context, r *member.Role) error {
	_, err := db.exec(ctx, `INSERT INTO roles (`+roleColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
		r.ID, r.TenantID, r.Name, joinPerms(r.Permissions), r.Builtin, ts(r.CreatedAt))
	return db.fail(err, "store.thing.role")
}

// GetRole returns tenantID's role id. Errors: NotFound.
func (db *DB) GetRole(ctx context.Context, tenantID, id string) (*member.Role, error) {
	r, err := scanRole(db.queryRow(ctx, `SELECT `+roleColumns+` FROM roles WHERE tenant_id = ? AND id = ?`+db.forUpdate(ctx), tenantID, id))
	return r, db.fail(err, "store.thing.role")
}

// ListRoles returns tenantID's roles, built-in ones first.
func (db *DB) ListRoles(ctx context.Context, tenantID string) ([]*member.Role, error) {
	rows, err := db.query(ctx, `SELECT `+roleColumns+` FROM roles WHERE tenant_id = ? ORDER BY builtin DESC, name`, tenantID)
	if err != nil {
		return nil, db.fail(err, "store.thing.role")
	}
	return collect(rows, scanRole)
}

// UpdateRole stores r's name and permissions. Errors: NotFound, Conflict.
func (db *DB) UpdateRole(ctx context.Context, r *member.Role) error {
	res, err := db.exec(ctx, `UPDATE roles SET name = ?, permissions = ? WHERE tenant_id = ? AND id = ?`,
		r.Name, joinPerms(r.Permissions), r.TenantID, r.ID)
	return db.affected(res, err, "store.thing.role")
}

// DeleteRole deletes tenantID's role id, taking it from every member that
// holds it, and returns how many did. Errors: NotFound.
func (db *DB) DeleteRole(ctx context.Context, tenantID, id string) (int, error) {
	var n int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM member_roles WHERE tenant_id = ? AND role_id = ?`, tenantID, id).Scan(&n); err != nil {
		return 0, db.fail(err, "store.thing.role")
	}
	res, err := db.exec(ctx, `DELETE FROM roles WHERE tenant_id = ? AND id = ?`, tenantID, id)
	return n, db.affected(res, err, "store.thing.role")
}
