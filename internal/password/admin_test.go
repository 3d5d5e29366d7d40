package password_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/store/storetest"
)

// TestAdminReset: who may mail whom a reset link. members.manage is
// needed, and every permission the member holds; only the super admin may
// ask for the super admin. The link is valid 24 hours, names the admin,
// and the member's password keeps working until it is used.
func TestAdminReset(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := service(env)
		hr := storetest.NewRole(t, env, ten.ID, "人事", false, auth.PermMembersManage)
		auditor := storetest.NewRole(t, env, ten.ID, "監査", false, auth.PermAuditRead)
		admin := withEmail(t, env, storetest.NewMember(t, env, ten.Tenant, "hr", storetest.MemberOpts{RoleIDs: []string{hr.ID}}), "hr@example.com")
		plain := withEmail(t, env, storetest.NewMember(t, env, ten.Tenant, "plain", storetest.MemberOpts{Password: storetest.Password}), "plain@example.com")
		audit := withEmail(t, env, storetest.NewMember(t, env, ten.Tenant, "audit", storetest.MemberOpts{RoleIDs: []string{auditor.ID}}), "audit@example.com")
		nomail := storetest.NewMember(t, env, ten.Tenant, "nomail", storetest.MemberOpts{})
		invited := withEmail(t, env, storetest.NewMember(t, env, ten.Tenant, "inv", storetest.MemberOpts{Status: member.StatusInvited}), "inv@example.com")
		plainCtx, adminCtx := storetest.Actor(t, env, plain), storetest.Actor(t, env, admin)

		tests := []struct {
			name   string
			ctx    context.Context
			target string
			want   errs.Kind // 0: mailed
		}{
			{"a member without members.manage", plainCtx, admin.ID, errs.PermissionDenied},
			{"members.manage for the super admin", adminCtx, ten.Owner.ID, errs.PermissionDenied},
			{"members.manage for a holder of audit.read", adminCtx, audit.ID, errs.PermissionDenied},
			{"a member without an e-mail address", adminCtx, nomail.ID, errs.FailedPrecondition},
			{"an invited member", adminCtx, invited.ID, errs.FailedPrecondition},
			{"another tenant's admin", storetest.SignUp(t, env, "other").Ctx, plain.ID, errs.NotFound},
			{"members.manage for a plain member", adminCtx, plain.ID, 0},
			{"members.manage for themself", adminCtx, admin.ID, 0},
			{"the super admin for a holder of audit.read", ten.Ctx, audit.ID, 0},
			{"the super admin for themself", ten.Ctx, ten.Owner.ID, 0},
		}
		for _, tt := range tests {
			r, err := svc.AdminReset(tt.ctx, ten.ID, tt.target)
			if tt.want != 0 {
				wantKind(t, tt.name, err, tt.want)
				continue
			}
			if err != nil || !r.ExpiresAt.Equal(env.Clock.Now().Add(24*time.Hour)) {
				t.Errorf("%s: %+v, %v; want a link for 24 hours", tt.name, r, err)
			}
		}
		ms := resetMails(t, env, "plain@example.com")
		if len(ms) != 1 || !strings.Contains(ms[0].Text, "hr@acme.works.example") {
			t.Fatalf("mails to plain: %d, want 1 naming the admin", len(ms))
		}
		signIn(t, env, plain.LoginID, storetest.Password) // still works before the link is used
		env.Clock.Advance(23 * time.Hour)
		must(t, "use the admin's link", func() error {
			_, err := svc.Confirm(context.Background(), mailedToken(t, env, "plain@example.com"), newPassword)
			return err
		}())
		signIn(t, env, plain.LoginID, newPassword)
		if es := events(t, env, ten.ID, "member.password_reset_requested"); len(es) != 4 || es[0].ActorKind != "member" {
			t.Errorf("%d member.password_reset_requested events, want 4 by members", len(es))
		}
	})
}
