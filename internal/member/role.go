package member

import (
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/text"
)

// Role is a named set of permissions that makes a member an admin.
type Role struct {
	ID          string
	TenantID    string
	Name        string
	Permissions []auth.Permission
	Builtin     bool // created with the tenant; cannot be changed or deleted
	CreatedAt   time.Time
}

// RoleAdmin is the built-in role with every permission; a super admin who
// hands the role on keeps it.
const RoleAdmin = "admin"

// builtinRoles are created with every tenant.
var builtinRoles = []Role{
	{Name: RoleAdmin, Permissions: auth.AllPermissions},
	{Name: "member_manager", Permissions: []auth.Permission{auth.PermMembersManage}},
	{Name: "auditor", Permissions: []auth.Permission{auth.PermAuditRead}},
}

// RoleInput is a role to create or change.
type RoleInput struct {
	Name        string
	Permissions []string
}

func (in RoleInput) role() (Role, error) {
	name, err := text.Line("name", in.Name)
	if err != nil {
		return Role{}, err
	}
	if name == "" || len([]rune(name)) > 60 {
		return Role{}, errs.Field("name", "member.role_name_length", "max", 60)
	}
	perms, err := auth.ParsePermissions("permissions", in.Permissions)
	if err != nil {
		return Role{}, err
	}
	if len(perms) == 0 {
		return Role{}, errs.Field("permissions", "member.role_no_permission")
	}
	return Role{Name: name, Permissions: perms}, nil
}

// label is r's name in a message: a built-in role's is a catalog term, so
// that it reads as the console names it, in the reader's language.
func (r Role) label() any {
	if r.Builtin {
		return i18n.Term("roles.builtin." + r.Name)
	}
	return r.Name
}

// checkGrant refuses an actor handing out (or taking away) permissions it
// does not hold itself: no admin can escalate past its own permissions.
func checkGrant(a *auth.Actor, r Role) error {
	if a.SuperAdmin || auth.Covers(a.Permissions, r.Permissions) {
		return nil
	}
	return errs.E(errs.PermissionDenied, "member.role_beyond_grant", "role", r.label())
}
