package member_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/session"
	"github.com/kanri/kanri/internal/store/storetest"
)

const plainPassword = "plain member password"

// TestWhoMayChangeWhat: members.manage changes profiles; another member's
// e-mail, roles, status and invitation need every permission that member
// holds (the super admin's: the super admin alone); a member changes their
// own name, phone and e-mail, the e-mail only with their current password.
func TestWhoMayChangeWhat(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		_, mgr := admin(t, env, ten, "mgr", auth.PermMembersManage)
		_, hr := admin(t, env, ten, "hr", auth.PermMembersManage, auth.PermRolesManage)
		full := storetest.NewMember(t, env, ten.Tenant, "full", storetest.MemberOpts{RoleIDs: []string{ten.Roles["admin"].ID}})
		fullCtx := storetest.Actor(t, env, full)
		auditor := storetest.NewMember(t, env, ten.Tenant, "auditor", storetest.MemberOpts{RoleIDs: []string{ten.Roles["auditor"].ID}})
		invitedAuditor := storetest.NewMember(t, env, ten.Tenant, "newauditor", storetest.MemberOpts{Status: member.StatusInvited,
			RoleIDs: []string{ten.Roles["auditor"].ID}})
		plain := storetest.NewMember(t, env, ten.Tenant, "plain", storetest.MemberOpts{Password: plainPassword})
		plainCtx := storetest.Actor(t, env, plain)
		other := storetest.NewMember(t, env, ten.Tenant, "other", storetest.MemberOpts{})
		svc := env.MemberService()
		auditDept, board, lead := newDept(t, env, ten, "Audit"), newDept(t, env, ten, "Board"), newPos(t, env, ten, "Lead")
		email := func(s string) member.Edit { return member.Edit{Profile: member.Profile{Email: ptr(s)}} }
		update := func(target *member.Member, e member.Edit) func(context.Context) error {
			return func(ctx context.Context) error { _, err := svc.Update(ctx, ten.ID, target.ID, e); return err }
		}
		tests := []struct {
			name   string
			ctx    context.Context
			target *member.Member
			do     func(context.Context) error
			kind   errs.Kind // 0 (Internal): allowed
			field  string
		}{
			{"members.manage only: the super admin's e-mail", mgr, ten.Owner, update(ten.Owner, email("evil@example.com")), errs.PermissionDenied, ""},
			{"every permission but not super admin: the super admin's e-mail", fullCtx, ten.Owner, update(ten.Owner, email("evil@example.com")), errs.PermissionDenied, ""},
			{"members.manage only: the super admin's name", mgr, ten.Owner, update(ten.Owner, member.Edit{Profile: member.Profile{DisplayName: ptr("Boss")}}), 0, ""},
			{"every permission: an admin's e-mail", fullCtx, auditor, update(auditor, email("auditor@example.com")), 0, ""},
			{"members.manage only: an auditor's e-mail", mgr, auditor, update(auditor, email("evil@example.com")), errs.PermissionDenied, ""},
			{"members.manage only: an auditor's e-mail removed", mgr, auditor, update(auditor, email("")), errs.PermissionDenied, ""},
			{"members.manage only: an auditor's department", mgr, auditor, update(auditor, member.Edit{Profile: member.Profile{DepartmentID: ptr(auditDept)}}), 0, ""},
			{"members.manage only: a plain member's e-mail", mgr, other, update(other, email("other@example.com")), 0, ""},
			{"roles.manage without audit.read: an auditor's roles", hr, auditor, update(auditor, member.Edit{RoleIDs: &[]string{ten.Roles["auditor"].ID, ten.Roles["member_manager"].ID}}), errs.PermissionDenied, ""},
			{"members.manage only: suspend an admin", mgr, full, func(ctx context.Context) error {
				_, err := svc.SetStatus(ctx, ten.ID, full.ID, member.ActionSuspend)
				return err
			}, errs.PermissionDenied, ""},
			{"members.manage only: a new invitation for an invited auditor", mgr, invitedAuditor, func(ctx context.Context) error {
				_, _, err := svc.Invite(ctx, ten.ID, invitedAuditor.ID)
				return err
			}, errs.PermissionDenied, ""},
			{"super admin: an admin's e-mail", ten.Ctx, full, update(full, email("full@example.com")), 0, ""},
			{"super admin: own e-mail without the password", ten.Ctx, ten.Owner, update(ten.Owner, email("boss@example.com")), errs.Invalid, "current_password"},
			{"super admin: own e-mail with the password", ten.Ctx, ten.Owner, update(ten.Owner, member.Edit{Profile: member.Profile{Email: ptr("boss@example.com")}, CurrentPassword: storetest.Password}), 0, ""},
			{"self: name and phone", plainCtx, plain, update(plain, member.Edit{Profile: member.Profile{DisplayName: ptr("Plain Lee"), Phone: ptr("090-1234-5678")}}), 0, ""},
			{"self: department", plainCtx, plain, update(plain, member.Edit{Profile: member.Profile{DepartmentID: ptr(board)}}), errs.PermissionDenied, ""},
			{"self: a role", plainCtx, plain, update(plain, member.Edit{RoleIDs: &[]string{ten.Roles["auditor"].ID}}), errs.PermissionDenied, ""},
			{"self: another member's name", plainCtx, other, update(other, member.Edit{Profile: member.Profile{DisplayName: ptr("X")}}), errs.PermissionDenied, ""},
			{"self: e-mail without the password", plainCtx, plain, update(plain, email("plain@example.com")), errs.Invalid, "current_password"},
			{"self: e-mail with a wrong password", plainCtx, plain, update(plain, member.Edit{Profile: member.Profile{Email: ptr("plain@example.com")}, CurrentPassword: "not my password"}), errs.Invalid, "current_password"},
			{"self: an invalid e-mail with the password", plainCtx, plain, update(plain, member.Edit{Profile: member.Profile{Email: ptr("plain@")}, CurrentPassword: plainPassword}), errs.Invalid, "email"},
			{"self: e-mail with the password", plainCtx, plain, update(plain, member.Edit{Profile: member.Profile{Email: ptr("plain@example.com")}, CurrentPassword: plainPassword}), 0, ""},
			{"self: the same e-mail again without the password", plainCtx, plain, update(plain, member.Edit{Profile: member.Profile{Email: ptr(" plain@EXAMPLE.com "), DisplayName: ptr("Plain")}}), 0, ""},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := stored(t, env, ten.ID, tt.target.ID)
				err := tt.do(tt.ctx)
				if tt.kind == 0 {
					must(t, tt.name, err)
					return
				}
				wantField(t, tt.name, err, tt.kind, tt.field)
				if diff := cmp.Diff(before, stored(t, env, ten.ID, tt.target.ID)); diff != "" {
					t.Errorf("member after a refused change (-before +after):\n%s", diff)
				}
			})
		}
		// One's own department and position are for admins to set, and
		// the refusal says so.
		for _, p := range []member.Profile{{DepartmentID: ptr(board)}, {PositionID: ptr(lead)}} {
			_, err := svc.Update(plainCtx, ten.ID, plain.ID, member.Edit{Profile: p})
			if e, ok := errs.As(err); !ok || e.Code != "member.department_by_admins" {
				t.Errorf("self: %+v: got %v, want member.department_by_admins", p, err)
			}
		}
		if got := stored(t, env, ten.ID, auditor.ID); got.DepartmentID != auditDept || got.Department != "Audit" {
			t.Errorf("auditor's department: got %s %q, want %s \"Audit\"", got.DepartmentID, got.Department, auditDept)
		}
		if got := stored(t, env, ten.ID, ten.Owner.ID).Email; got != "boss@example.com" {
			t.Errorf("super admin's e-mail: got %q, want the one the super admin set", got)
		}
		if n := len(events(t, env, ten.ID, "member.password_confirmation_failed")); n != 1 {
			t.Errorf("member.password_confirmation_failed events: got %d, want 1 (the wrong password)", n)
		}
	})
}

// TestOwnEmailPasswordGuessesAreLimited: wrong current passwords count as
// failed sign-ins of the account, so the sign-in limit stops guessing.
func TestOwnEmailPasswordGuessesAreLimited(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		plain := storetest.NewMember(t, env, ten.Tenant, "plain", storetest.MemberOpts{Password: plainPassword})
		ctx := storetest.Actor(t, env, plain)
		svc := env.MemberService()
		change := func(pw string) error {
			_, err := svc.Update(ctx, ten.ID, plain.ID, member.Edit{Profile: member.Profile{Email: ptr("thief@example.com")}, CurrentPassword: pw})
			return err
		}
		for i := range storetest.Limits.PerAccount {
			if err := change("guess"); !errs.Is(err, errs.Invalid) {
				t.Fatalf("guess %d: got %v, want Invalid", i+1, err)
			}
		}
		wantKind(t, "the right password after too many guesses", change(plainPassword), errs.TooManyRequests)
		_, _, err := env.SessionService().Login(context.Background(), plain.LoginID, plainPassword, session.Client{IP: "198.51.100.7"})
		wantKind(t, "sign-in after too many guesses", err, errs.TooManyRequests)
		if got := stored(t, env, ten.ID, plain.ID).Email; got != "" {
			t.Errorf("e-mail after refused changes: got %q, want none", got)
		}
	})
}
