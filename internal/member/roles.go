package member

import (
	"context"
	"fmt"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
)

// Roles lists the tenant's roles. Any admin may read them.
func (s *Service) Roles(ctx context.Context, tenantID string) ([]*Role, error) {
	a, err := auth.Require(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if !a.SuperAdmin && len(a.Permissions) == 0 {
		return nil, errs.E(errs.PermissionDenied, "member.roles_admins_only")
	}
	return s.Store.ListRoles(ctx, tenantID)
}

// CreateRole adds a role with permissions the actor holds itself.
// Errors: Invalid, Conflict (name taken), PermissionDenied.
func (s *Service) CreateRole(ctx context.Context, tenantID string, in RoleInput) (*Role, error) {
	a, err := auth.Require(ctx, tenantID, auth.PermRolesManage)
	if err != nil {
		return nil, err
	}
	r, err := in.role()
	if err != nil {
		return nil, err
	}
	if err := checkGrant(a, r); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	r.ID, r.TenantID, r.CreatedAt = s.IDs.New("rol"), tenantID, now
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.CreateRole(ctx, &r); err != nil {
			return nameTaken(err, r.Name)
		}
		return s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, tenantID, "role.created", "role", r.ID, nil, roleSnap(&r)))
	})
	if err != nil {
		return nil, fmt.Errorf("create role: %w", err)
	}
	return &r, nil
}

// UpdateRole renames a role or changes its permissions; the actor must hold
// both the old and the new permissions. Built-in roles cannot change.
// Errors: Invalid, Conflict, NotFound, PermissionDenied, FailedPrecondition.
func (s *Service) UpdateRole(ctx context.Context, tenantID, roleID string, in RoleInput) (*Role, error) {
	a, err := auth.Require(ctx, tenantID, auth.PermRolesManage)
	if err != nil {
		return nil, err
	}
	want, err := in.role()
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var r *Role
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		if r, err = s.editableRole(ctx, a, tenantID, roleID); err != nil {
			return err
		}
		if err := checkGrant(a, want); err != nil {
			return err
		}
		before := *r
		r.Name, r.Permissions = want.Name, want.Permissions
		if err := s.Store.UpdateRole(ctx, r); err != nil {
			return nameTaken(err, r.Name)
		}
		return s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, tenantID, "role.updated", "role", r.ID, roleSnap(&before), roleSnap(r)))
	})
	if err != nil {
		return nil, fmt.Errorf("update role: %w", err)
	}
	return r, nil
}

// DeleteRole deletes a role and takes it from every member holding it, in one
// transaction, and returns how many members lost it.
func (s *Service) DeleteRole(ctx context.Context, tenantID, roleID string) (int, error) {
	a, err := auth.Require(ctx, tenantID, auth.PermRolesManage)
	if err != nil {
		return 0, err
	}
	now := s.Clock.Now()
	var n int
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		r, err := s.editableRole(ctx, a, tenantID, roleID)
		if err != nil {
			return err
		}
		if n, err = s.Store.DeleteRole(ctx, tenantID, roleID); err != nil {
			return err
		}
		return s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, tenantID, "role.deleted", "role", r.ID, roleSnap(r),
			map[string]int{"members_affected": n}))
	})
	if err != nil {
		return 0, fmt.Errorf("delete role: %w", err)
	}
	return n, nil
}

func (s *Service) editableRole(ctx context.Context, a *auth.Actor, tenantID, roleID string) (*Role, error) {
	r, err := s.Store.GetRole(ctx, tenantID, roleID)
	if err != nil {
		return nil, err
	}
	if r.Builtin {
		return nil, errs.E(errs.FailedPrecondition, "member.role_builtin_locked", "role", r.label())
	}
	return r, checkGrant(a, *r)
}

func nameTaken(err error, name string) error {
	if errs.Is(err, errs.Conflict) {
		return errs.Taken("name", err, "member.role_name_taken", "role", name)
	}
	return err
}

// roleSnap is a role as the audit trail records it.
func roleSnap(r *Role) any {
	return struct {
		Name        string            `json:"name"`
		Permissions []auth.Permission `json:"permissions"`
	}{r.Name, r.Permissions}
}
