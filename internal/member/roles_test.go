package member_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/store/storetest"
)

func TestCreateRoleNeedsHeldPermissions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		other := storetest.SignUp(t, env, "other")
		_, mgr := admin(t, env, ten, "mgr", auth.PermRolesManage, auth.PermMembersManage)
		_, noRoles := admin(t, env, ten, "norole", auth.PermMembersManage, auth.PermAuditRead)
		svc := env.MemberService()
		_, err := svc.CreateRole(ten.Ctx, ten.ID, member.RoleInput{Name: "taken", Permissions: []string{"audit.read"}})
		must(t, "create role", err)
		tests := []struct {
			name  string
			ctx   context.Context
			in    member.RoleInput
			kind  errs.Kind
			field string
		}{
			{"a permission the actor lacks", mgr, member.RoleInput{Name: "r1", Permissions: []string{"audit.read"}}, errs.PermissionDenied, ""},
			{"held ones and one more", mgr, member.RoleInput{Name: "r2", Permissions: []string{"roles.manage", "members.manage", "licenses.manage"}}, errs.PermissionDenied, ""},
			{"without roles.manage", noRoles, member.RoleInput{Name: "r3", Permissions: []string{"audit.read"}}, errs.PermissionDenied, ""},
			{"in another tenant", other.Ctx, member.RoleInput{Name: "r4", Permissions: []string{"audit.read"}}, errs.NotFound, ""},
			{"unknown permission", ten.Ctx, member.RoleInput{Name: "r5", Permissions: []string{"everything"}}, errs.Invalid, "permissions"},
			{"no permission", ten.Ctx, member.RoleInput{Name: "r6"}, errs.Invalid, "permissions"},
			{"no name", ten.Ctx, member.RoleInput{Name: " ", Permissions: []string{"audit.read"}}, errs.Invalid, "name"},
			{"name taken", ten.Ctx, member.RoleInput{Name: "taken", Permissions: []string{"audit.read"}}, errs.Conflict, "name"},
			{"built-in name taken", ten.Ctx, member.RoleInput{Name: "admin", Permissions: []string{"audit.read"}}, errs.Conflict, "name"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := svc.CreateRole(tt.ctx, ten.ID, tt.in)
				wantField(t, "CreateRole", err, tt.kind, tt.field)
			})
		}
		r, err := svc.CreateRole(mgr, ten.ID, member.RoleInput{Name: "helpers", Permissions: []string{"members.manage", "members.manage"}})
		must(t, "create role with held permissions", err)
		if diff := cmp.Diff([]auth.Permission{auth.PermMembersManage}, r.Permissions); diff != "" {
			t.Errorf("permissions of the created role (-want +got):\n%s", diff)
		}
		roles, err := env.DB.ListRoles(context.Background(), ten.ID)
		must(t, "list roles", err)
		if len(roles) != 3+3+1 { // built-in, the factory's mgr and norole roles and taken, helpers
			t.Errorf("roles after refusals: got %d, want 7", len(roles))
		}
		if n := len(events(t, env, ten.ID, "role.created")); n != 2 {
			t.Errorf("role.created events: got %d, want 2", n)
		}
	})
}

func TestRoleGrantsNeedHeldPermissions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		mgrM, mgr := admin(t, env, ten, "mgr", auth.PermRolesManage, auth.PermMembersManage)
		_, plainMgr := admin(t, env, ten, "plainmgr", auth.PermMembersManage)
		target := storetest.NewMember(t, env, ten.Tenant, "target", storetest.MemberOpts{RoleIDs: []string{ten.Roles["admin"].ID}})
		plain := storetest.NewMember(t, env, ten.Tenant, "plain", storetest.MemberOpts{})
		svc := env.MemberService()
		tests := []struct {
			name   string
			ctx    context.Context
			target *member.Member
			roles  []string
			kind   errs.Kind
		}{
			{"grant a role with a permission the actor lacks", mgr, plain, []string{ten.Roles["auditor"].ID}, errs.PermissionDenied},
			{"take away a role with permissions the actor lacks", mgr, target, nil, errs.PermissionDenied},
			{"grant the actor itself more", mgr, mgrM, append(slices.Clone(mgrM.RoleIDs), ten.Roles["admin"].ID), errs.PermissionDenied},
			{"grant without roles.manage", plainMgr, plain, []string{ten.Roles["member_manager"].ID}, errs.PermissionDenied},
			{"grant an unknown role", ten.Ctx, plain, []string{"rol_unknown"}, errs.Invalid},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := stored(t, env, ten.ID, tt.target.ID)
				_, err := svc.Update(tt.ctx, ten.ID, tt.target.ID, member.Edit{RoleIDs: &tt.roles})
				wantKind(t, "Update", err, tt.kind)
				if diff := cmp.Diff(before, stored(t, env, ten.ID, tt.target.ID)); diff != "" {
					t.Errorf("member after a refused grant (-before +after):\n%s", diff)
				}
			})
		}
		got, err := svc.Update(mgr, ten.ID, plain.ID, member.Edit{RoleIDs: &[]string{ten.Roles["member_manager"].ID}})
		must(t, "grant a covered role", err)
		if diff := cmp.Diff([]string{ten.Roles["member_manager"].ID}, stored(t, env, ten.ID, got.ID).RoleIDs); diff != "" {
			t.Errorf("roles after the grant (-want +got):\n%s", diff)
		}
		// A profile change that leaves roles alone needs no roles.manage.
		_, err = svc.Update(plainMgr, ten.ID, target.ID, member.Edit{Profile: member.Profile{DepartmentID: ptr(newDept(t, env, ten, "Ops"))}, RoleIDs: &[]string{ten.Roles["admin"].ID}})
		must(t, "update profile, same roles", err)
	})
}

func TestBuiltinRolesAreFixed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := env.MemberService()
		for name, r := range ten.Roles {
			t.Run(name, func(t *testing.T) {
				_, err := svc.UpdateRole(ten.Ctx, ten.ID, r.ID, member.RoleInput{Name: name, Permissions: []string{"audit.read"}})
				wantKind(t, "UpdateRole(built-in)", err, errs.FailedPrecondition)
				_, err = svc.DeleteRole(ten.Ctx, ten.ID, r.ID)
				wantKind(t, "DeleteRole(built-in)", err, errs.FailedPrecondition)
				got, err := env.DB.GetRole(context.Background(), ten.ID, r.ID)
				must(t, "get role", err)
				if diff := cmp.Diff(r, got); diff != "" {
					t.Errorf("built-in role after refusals (-before +after):\n%s", diff)
				}
			})
		}
	})
}

func TestUpdateRoleNeedsOldAndNewPermissions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		_, mgr := admin(t, env, ten, "mgr", auth.PermRolesManage, auth.PermMembersManage)
		svc := env.MemberService()
		mine, err := svc.CreateRole(mgr, ten.ID, member.RoleInput{Name: "mine", Permissions: []string{"members.manage"}})
		must(t, "create role", err)
		theirs, err := svc.CreateRole(ten.Ctx, ten.ID, member.RoleInput{Name: "theirs", Permissions: []string{"audit.read"}})
		must(t, "create role", err)

		_, err = svc.UpdateRole(mgr, ten.ID, mine.ID, member.RoleInput{Name: "mine", Permissions: []string{"members.manage", "audit.read"}})
		wantKind(t, "UpdateRole(adding a permission the actor lacks)", err, errs.PermissionDenied)
		_, err = svc.UpdateRole(mgr, ten.ID, theirs.ID, member.RoleInput{Name: "theirs", Permissions: []string{"members.manage"}})
		wantKind(t, "UpdateRole(a role with a permission the actor lacks)", err, errs.PermissionDenied)
		_, err = svc.DeleteRole(mgr, ten.ID, theirs.ID)
		wantKind(t, "DeleteRole(a role with a permission the actor lacks)", err, errs.PermissionDenied)
		_, err = svc.UpdateRole(mgr, ten.ID, mine.ID, member.RoleInput{Name: "theirs", Permissions: []string{"members.manage"}})
		wantField(t, "UpdateRole(name taken)", err, errs.Conflict, "name")

		got, err := svc.UpdateRole(mgr, ten.ID, mine.ID, member.RoleInput{Name: "renamed", Permissions: []string{"roles.manage"}})
		must(t, "update role", err)
		stored, err := env.DB.GetRole(context.Background(), ten.ID, mine.ID)
		must(t, "get role", err)
		if diff := cmp.Diff(got, stored); diff != "" {
			t.Errorf("stored role differs from the returned one (-returned +stored):\n%s", diff)
		}
		if stored.Name != "renamed" || !slices.Equal(stored.Permissions, []auth.Permission{auth.PermRolesManage}) {
			t.Errorf("updated role: got %s %v, want renamed [roles.manage]", stored.Name, stored.Permissions)
		}
		if n := len(events(t, env, ten.ID, "role.updated")); n != 1 {
			t.Errorf("role.updated events: got %d, want 1", n)
		}
	})
}

func TestDeleteRoleTakesItFromMembers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := env.MemberService()
		temp, err := svc.CreateRole(ten.Ctx, ten.ID, member.RoleInput{Name: "temp", Permissions: []string{"licenses.manage"}})
		must(t, "create role", err)
		auditor := ten.Roles["auditor"].ID
		var holders []*member.Member
		for _, local := range []string{"ann", "bob"} {
			m := storetest.NewMember(t, env, ten.Tenant, local, storetest.MemberOpts{RoleIDs: []string{auditor}})
			_, err := svc.Update(ten.Ctx, ten.ID, m.ID, member.Edit{RoleIDs: &[]string{auditor, temp.ID}})
			must(t, "grant temp", err)
			holders = append(holders, m)
		}
		storetest.NewMember(t, env, ten.Tenant, "carl", storetest.MemberOpts{RoleIDs: []string{auditor}})

		n, err := svc.DeleteRole(ten.Ctx, ten.ID, temp.ID)
		must(t, "delete role", err)
		if n != 2 {
			t.Errorf("DeleteRole: got %d members affected, want 2", n)
		}
		for _, m := range holders {
			if diff := cmp.Diff([]string{auditor}, stored(t, env, ten.ID, m.ID).RoleIDs); diff != "" {
				t.Errorf("%s's roles after DeleteRole (-want +got):\n%s", m.LoginID, diff)
			}
			ctx := storetest.Actor(t, env, m)
			if a := auth.FromContext(ctx); a.Can(auth.PermLicensesManage) {
				t.Errorf("%s: still holds licenses.manage after its role was deleted", m.LoginID)
			}
		}
		_, err = env.DB.GetRole(context.Background(), ten.ID, temp.ID)
		wantKind(t, "GetRole(deleted)", err, errs.NotFound)
		es := events(t, env, ten.ID, "role.deleted")
		if len(es) != 1 {
			t.Fatalf("role.deleted events: got %d, want 1", len(es))
		}
		var after map[string]int
		must(t, "decode after", json.Unmarshal(es[0].After, &after))
		if after["members_affected"] != 2 {
			t.Errorf("role.deleted event: got %v, want members_affected 2", after)
		}
	})
}

func TestTransferSuperAdmin(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := env.MemberService()
		adminRole := ten.Roles["admin"].ID
		ada := storetest.NewMember(t, env, ten.Tenant, "ada", storetest.MemberOpts{RoleIDs: []string{ten.Roles["auditor"].ID}})
		noRoles := storetest.NewMember(t, env, ten.Tenant, "plain", storetest.MemberOpts{})
		suspended := storetest.NewMember(t, env, ten.Tenant, "away", storetest.MemberOpts{Status: member.StatusSuspended, RoleIDs: []string{adminRole}})
		invited := storetest.NewMember(t, env, ten.Tenant, "new", storetest.MemberOpts{Status: member.StatusInvited, RoleIDs: []string{adminRole}})
		boss := storetest.NewMember(t, env, ten.Tenant, "boss", storetest.MemberOpts{RoleIDs: []string{adminRole}})
		bossCtx := storetest.Actor(t, env, boss)
		tests := []struct {
			name string
			ctx  context.Context
			to   string
			kind errs.Kind
		}{
			{"to a member with no admin role", ten.Ctx, noRoles.ID, errs.FailedPrecondition},
			{"to a suspended admin", ten.Ctx, suspended.ID, errs.FailedPrecondition},
			{"to an invited admin", ten.Ctx, invited.ID, errs.FailedPrecondition},
			{"to oneself", ten.Ctx, ten.Owner.ID, errs.Invalid},
			{"to an unknown member", ten.Ctx, "mem_unknown", errs.NotFound},
			{"by an admin with every permission", bossCtx, boss.ID, errs.PermissionDenied},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := svc.TransferSuperAdmin(tt.ctx, ten.ID, tt.to)
				wantKind(t, "TransferSuperAdmin", err, tt.kind)
				sa, err := env.DB.GetSuperAdmin(context.Background(), ten.ID)
				must(t, "get super admin", err)
				if sa.ID != ten.Owner.ID {
					t.Errorf("super admin after a refused transfer: got %s, want %s", sa.LoginID, ten.Owner.LoginID)
				}
			})
		}

		got, err := svc.TransferSuperAdmin(ten.Ctx, ten.ID, ada.ID)
		must(t, "transfer", err)
		if !got.SuperAdmin {
			t.Errorf("returned member: got not super admin, want super admin")
		}
		sa, err := env.DB.GetSuperAdmin(context.Background(), ten.ID)
		must(t, "get super admin", err)
		if sa.ID != ada.ID {
			t.Errorf("super admin after transfer: got %s, want %s", sa.LoginID, ada.LoginID)
		}
		owner := stored(t, env, ten.ID, ten.Owner.ID)
		if owner.SuperAdmin || owner.Status != member.StatusActive || !slices.Contains(owner.RoleIDs, adminRole) {
			t.Errorf("previous super admin: got super=%v status=%s roles=%v, want an active admin with the admin role", owner.SuperAdmin, owner.Status, owner.RoleIDs)
		}
		var actions []string
		for _, e := range events(t, env, ten.ID, "member.super_admin") {
			actions = append(actions, e.Action+" "+e.TargetID)
		}
		if diff := cmp.Diff([]string{"member.super_admin_granted " + ada.ID, "member.super_admin_resigned " + ten.Owner.ID}, actions, cmpSorted); diff != "" {
			t.Errorf("audit events (-want +got):\n%s", diff)
		}

		// The old owner's context was authenticated before the transfer: it
		// must not hand on the role it no longer holds.
		_, err = svc.TransferSuperAdmin(ten.Ctx, ten.ID, boss.ID)
		wantKind(t, "TransferSuperAdmin(by the previous super admin, stale)", err, errs.PermissionDenied)
		sa, err = env.DB.GetSuperAdmin(context.Background(), ten.ID)
		must(t, "get super admin", err)
		if sa.ID != ada.ID {
			t.Errorf("super admin after a stale transfer: got %s, want %s", sa.LoginID, ada.LoginID)
		}
		// Re-authenticated, the new super admin may hand it on.
		_, err = svc.TransferSuperAdmin(storetest.Actor(t, env, ada), ten.ID, ten.Owner.ID)
		must(t, "transfer back", err)
	})
}
