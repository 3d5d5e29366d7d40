package member_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/store/storetest"
	"github.com/kanri/kanri/internal/tenant"
)

func validSignup() member.SignupInput {
	return member.SignupInput{WorksGroup: "acme", CompanyName: "Acme KK", Phone: "03-1234-5678", Language: "en", Region: "Tokyo",
		AdminLoginID: "owner", AdminName: "Owner", AdminEmail: "owner@example.com", AdminPassword: storetest.Password}
}

func TestSignupValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(*member.SignupInput)
		field string
	}{
		{"works group too short", func(in *member.SignupInput) { in.WorksGroup = "ab" }, "works_group"},
		{"works group with a space", func(in *member.SignupInput) { in.WorksGroup = "acme corp" }, "works_group"},
		{"works group ending in a hyphen", func(in *member.SignupInput) { in.WorksGroup = "acme-" }, "works_group"},
		{"works group with -- as 3rd and 4th", func(in *member.SignupInput) { in.WorksGroup = "xn--acme" }, "works_group"},
		{"company name missing", func(in *member.SignupInput) { in.CompanyName = "  " }, "company_name"},
		{"phone with letters", func(in *member.SignupInput) { in.Phone = "call me" }, "phone"},
		{"unknown language", func(in *member.SignupInput) { in.Language = "fr" }, "language"},
		{"region too long", func(in *member.SignupInput) { in.Region = strings.Repeat("x", 61) }, "region"},
		{"admin login id with a space", func(in *member.SignupInput) { in.AdminLoginID = "the owner" }, "admin_login_id"},
		{"admin login id on another domain", func(in *member.SignupInput) { in.AdminLoginID = "owner@example.com" }, "admin_login_id"},
		{"admin name missing", func(in *member.SignupInput) { in.AdminName = "" }, "admin_name"},
		{"admin e-mail missing", func(in *member.SignupInput) { in.AdminEmail = "" }, "admin_email"},
		{"admin e-mail invalid", func(in *member.SignupInput) { in.AdminEmail = "Owner <owner@example.com>" }, "admin_email"},
		{"password too short", func(in *member.SignupInput) { in.AdminPassword = "short" }, "admin_password"},
		{"password too common", func(in *member.SignupInput) { in.AdminPassword = "Password1" }, "admin_password"},
	}
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		svc := env.MemberService()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := validSignup()
				tt.edit(&in)
				_, _, err := svc.Signup(context.Background(), in)
				wantField(t, "Signup", err, errs.Invalid, tt.field)
			})
		}
		closed := env.MemberService()
		closed.SignupOpen = false
		_, _, err := closed.Signup(context.Background(), validSignup())
		wantKind(t, "Signup while sign-up is closed", err, errs.PermissionDenied)

		ts, err := env.DB.ListTenants(context.Background(), tenant.Filter{Limit: 100})
		must(t, "list tenants", err)
		if len(ts) != 0 {
			t.Errorf("tenants after refused sign-ups: got %d, want none", len(ts))
		}
		taken, err := env.DB.TakenLoginIDs(context.Background(), []string{"owner@acme.works.example"})
		must(t, "taken login ids", err)
		if len(taken) != 0 {
			t.Errorf("login ids after refused sign-ups: got %v, want none", taken)
		}
	})
}

func TestSignupCreatesTenantRolesAndSuperAdmin(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := context.Background()
		closed := env.MemberService()
		closed.SignupOpen = false
		in := validSignup()
		in.WorksGroup = "  Acme-Corp "
		ten, owner, err := closed.Signup(storetest.Operator(), in) // operators may sign up tenants while sign-up is closed
		must(t, "sign up", err)

		want := &tenant.Tenant{ID: ten.ID, WorksGroup: "acme-corp", CompanyName: "Acme KK", Phone: "03-1234-5678", Language: "en",
			Region: "Tokyo", NoticesEnabled: true, NoticeRecipients: tenant.RecipientsAdmins, Channel: tenant.ChannelDirect,
			Status: tenant.StatusActive, PrimaryDomain: "acme-corp.works.example", TimeZone: tenant.DefaultTimeZone, CreatedAt: storetest.Epoch, UpdatedAt: storetest.Epoch}
		got, err := env.DB.GetTenant(ctx, ten.ID)
		must(t, "get tenant", err)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("stored tenant (-want +got):\n%s", diff)
		}
		m := stored(t, env, ten.ID, owner.ID)
		if m.LoginID != "owner@acme-corp.works.example" || !m.SuperAdmin || m.Status != member.StatusActive || m.PasswordHash == "" {
			t.Errorf("super admin: got %s super=%v status=%s hash set=%v, want owner@acme-corp.works.example, super admin, active, a password",
				m.LoginID, m.SuperAdmin, m.Status, m.PasswordHash != "")
		}
		roles, err := env.DB.ListRoles(ctx, ten.ID)
		must(t, "list roles", err)
		var names []string
		for _, r := range roles {
			if !r.Builtin {
				t.Errorf("role %s: got a custom role, want only built-in ones", r.Name)
			}
			names = append(names, r.Name)
		}
		if diff := cmp.Diff([]string{"admin", "auditor", "member_manager"}, names); diff != "" {
			t.Errorf("built-in roles (-want +got):\n%s", diff)
		}
		var actions []string
		for _, e := range events(t, env, ten.ID, "") {
			actions = append(actions, e.Action+" "+e.TargetID+" by "+e.ActorKind)
		}
		wantActions := []string{"member.added " + owner.ID + " by operator", "tenant.created " + ten.ID + " by operator"}
		if diff := cmp.Diff(wantActions, actions, cmpSorted); diff != "" {
			t.Errorf("audit events (-want +got):\n%s", diff)
		}
	})
}

func TestSignupWorksGroupTaken(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		first := storetest.SignUp(t, env, "acme")
		in := validSignup()
		in.WorksGroup, in.AdminLoginID = " ACME ", "other"
		_, _, err := env.MemberService().Signup(context.Background(), in)
		wantField(t, "Signup(works group taken)", err, errs.Conflict, "works_group")
		ts, err := env.DB.ListTenants(context.Background(), tenant.Filter{Limit: 100})
		must(t, "list tenants", err)
		if len(ts) != 1 || ts[0].ID != first.ID {
			t.Errorf("tenants after the refused sign-up: got %d, want only %s", len(ts), first.ID)
		}
		taken, err := env.DB.TakenLoginIDs(context.Background(), []string{"other@acme.works.example"})
		must(t, "taken login ids", err)
		if len(taken) != 0 {
			t.Errorf("the refused sign-up's admin: got stored, want nothing stored")
		}
	})
}
