package auth

import (
	"slices"
	"strings"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
)

// Permission is one thing an admin role allows.
type Permission string

// The permissions a role can hold. Some actions (plan changes, primary
// domain, partner codes, super-admin transfer) belong to the super admin
// alone and are not permissions at all (SPEC §1).
const (
	PermTenantManage   Permission = "tenant.manage"
	PermMembersManage  Permission = "members.manage"
	PermRolesManage    Permission = "roles.manage"
	PermAuditRead      Permission = "audit.read"
	PermLicensesManage Permission = "licenses.manage"
	PermSessionsManage Permission = "sessions.manage"
)

// AllPermissions lists every permission in display order.
var AllPermissions = []Permission{PermTenantManage, PermMembersManage, PermRolesManage, PermAuditRead, PermLicensesManage, PermSessionsManage}

// Label is the permission's name in the message catalog, as the console
// shows it ("Manage members"), for messages that name a permission.
func (p Permission) Label() i18n.Term { return i18n.Term("roles.perm." + string(p)) }

// ParsePermissions validates names and returns them sorted and de-duplicated.
func ParsePermissions(field string, names []string) ([]Permission, error) {
	out := make([]Permission, 0, len(names))
	for _, n := range names {
		p := Permission(strings.TrimSpace(n))
		if !slices.Contains(AllPermissions, p) {
			return nil, errs.Field(field, "auth.permission_unknown", "permission", n, "known", joinPermissions(AllPermissions))
		}
		out = append(out, p)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// Covers reports whether held includes every permission in want.
func Covers(held, want []Permission) bool {
	for _, p := range want {
		if !slices.Contains(held, p) {
			return false
		}
	}
	return true
}

func joinPermissions(ps []Permission) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}
