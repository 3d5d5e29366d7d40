package store_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/store/storetest"
)

func TestRoles(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		acme := storetest.NewTenant(t, env, "acme")
		beta := storetest.NewTenant(t, env, "beta")
		admin := storetest.NewRole(t, env, acme.ID, "admin", true, auth.AllPermissions...)
		zeta := storetest.NewRole(t, env, acme.ID, "zeta", false, auth.PermAuditRead, auth.PermMembersManage)
		alpha := storetest.NewRole(t, env, acme.ID, "alpha", false, auth.PermLicensesManage)
		storetest.NewRole(t, env, beta.ID, "alpha", false, auth.PermAuditRead) // names are per tenant

		got, err := env.DB.GetRole(ctx, acme.ID, zeta.ID)
		must(t, "get role", err)
		if diff := cmp.Diff(zeta, got); diff != "" {
			t.Errorf("GetRole (-want +got):\n%s", diff)
		}
		_, err = env.DB.GetRole(ctx, beta.ID, zeta.ID)
		wantKind(t, "GetRole(another tenant's role)", err, errs.NotFound)

		list, err := env.DB.ListRoles(ctx, acme.ID)
		must(t, "list roles", err)
		if diff := cmp.Diff([]*member.Role{admin, alpha, zeta}, list); diff != "" {
			t.Errorf("ListRoles: built-in first, then by name (-want +got):\n%s", diff)
		}

		dup := *alpha
		dup.ID = env.IDs.New("rol")
		wantKind(t, "CreateRole(name taken)", env.DB.CreateRole(ctx, &dup), errs.Conflict)

		zeta.Name, zeta.Permissions = "auditors", []auth.Permission{auth.PermAuditRead}
		must(t, "update role", env.DB.UpdateRole(ctx, zeta))
		got, err = env.DB.GetRole(ctx, acme.ID, zeta.ID)
		must(t, "get role", err)
		if diff := cmp.Diff(zeta, got); diff != "" {
			t.Errorf("GetRole after UpdateRole (-want +got):\n%s", diff)
		}
		zeta.Name = "alpha"
		wantKind(t, "UpdateRole(name taken)", env.DB.UpdateRole(ctx, zeta), errs.Conflict)
		foreign := *alpha
		foreign.TenantID = beta.ID
		wantKind(t, "UpdateRole(another tenant's role)", env.DB.UpdateRole(ctx, &foreign), errs.NotFound)
	})
}

func TestDeleteRoleTakesItFromMembers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		acme := storetest.NewTenant(t, env, "acme")
		beta := storetest.NewTenant(t, env, "beta")
		doomed := storetest.NewRole(t, env, acme.ID, "doomed", false, auth.PermAuditRead, auth.PermLicensesManage)
		kept := storetest.NewRole(t, env, acme.ID, "kept", false, auth.PermMembersManage)
		ann := storetest.NewMember(t, env, acme, "ann", storetest.MemberOpts{RoleIDs: []string{doomed.ID, kept.ID}})
		bob := storetest.NewMember(t, env, acme, "bob", storetest.MemberOpts{RoleIDs: []string{doomed.ID}})
		storetest.NewMember(t, env, acme, "carl", storetest.MemberOpts{RoleIDs: []string{kept.ID}})

		perms, err := env.DB.MemberPermissions(ctx, ann.ID)
		must(t, "member permissions", err)
		slices.Sort(perms)
		if diff := cmp.Diff([]auth.Permission{auth.PermAuditRead, auth.PermLicensesManage, auth.PermMembersManage}, perms); diff != "" {
			t.Errorf("MemberPermissions: the union of the roles' (-want +got):\n%s", diff)
		}

		_, err = env.DB.DeleteRole(ctx, beta.ID, doomed.ID)
		wantKind(t, "DeleteRole(another tenant's role)", err, errs.NotFound)
		n, err := env.DB.DeleteRole(ctx, acme.ID, doomed.ID)
		must(t, "delete role", err)
		if n != 2 {
			t.Errorf("DeleteRole: got %d members affected, want 2", n)
		}
		_, err = env.DB.GetRole(ctx, acme.ID, doomed.ID)
		wantKind(t, "GetRole(deleted)", err, errs.NotFound)
		_, err = env.DB.DeleteRole(ctx, acme.ID, doomed.ID)
		wantKind(t, "DeleteRole(again)", err, errs.NotFound)

		for _, tt := range []struct {
			m    *member.Member
			want []string
		}{{ann, []string{kept.ID}}, {bob, nil}} {
			got, err := env.DB.GetMember(ctx, acme.ID, tt.m.ID)
			must(t, "get member", err)
			if diff := cmp.Diff(tt.want, got.RoleIDs); diff != "" {
				t.Errorf("%s's roles after DeleteRole (-want +got):\n%s", tt.m.LoginID, diff)
			}
		}
		perms, err = env.DB.MemberPermissions(ctx, ann.ID)
		must(t, "member permissions", err)
		if diff := cmp.Diff([]auth.Permission{auth.PermMembersManage}, perms); diff != "" {
			t.Errorf("MemberPermissions after DeleteRole (-want +got):\n%s", diff)
		}
	})
}
