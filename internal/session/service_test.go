package session_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/session"
	"github.com/kanri/kanri/internal/store/storetest"
)

var client = session.Client{IP: "198.51.100.7", UserAgent: "Mozilla/5.0 test"}

func wantKind(t *testing.T, what string, err error, kind errs.Kind) {
	t.Helper()
	if got := errs.KindOf(err); err == nil || got != kind {
		t.Errorf("%s: got error %v (kind %v), want kind %v", what, err, got, kind)
	}
}

// wantMessage checks err's message in lang, the text a person reads.
func wantMessage(t *testing.T, what string, err error, lang, want string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok {
		t.Errorf("%s: got error %v, want one that reads %q", what, err, want)
		return
	}
	if got := e.Message(lang); got != want {
		t.Errorf("%s: %s message\n got %q\nwant %q", what, lang, got, want)
	}
}

func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func events(t *testing.T, env *storetest.Env, tenantID, action string) []*audit.Event {
	t.Helper()
	es, err := env.DB.ListAuditEvents(context.Background(), audit.Filter{TenantID: tenantID, Action: action, Limit: 1000})
	must(t, "list audit events", err)
	return es
}

func TestLogin(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := context.Background()
		ten := storetest.SignUp(t, env, "acme")
		svc := env.SessionService()
		env.Clock.Advance(time.Minute)

		token, s, err := svc.Login(ctx, "  Owner@ACME.works.example ", storetest.Password, client)
		must(t, "login", err)
		now := env.Clock.Now()
		want := &session.Session{ID: s.ID, TokenHash: s.TokenHash, Kind: session.KindSession, TenantID: ten.ID, MemberID: ten.Owner.ID,
			IP: client.IP, UserAgent: client.UserAgent, CreatedAt: now, ExpiresAt: now.Add(storetest.SessionTTL)}
		if diff := cmp.Diff(want, s); diff != "" {
			t.Errorf("session (-want +got):\n%s", diff)
		}
		a, err := svc.Authenticate(ctx, token, client)
		must(t, "authenticate", err)
		wantActor := &auth.Actor{Kind: auth.KindMember, ID: ten.Owner.ID, TenantID: ten.ID, Name: ten.Owner.LoginID, SessionID: s.ID,
			SuperAdmin: true, IP: client.IP, UserAgent: client.UserAgent}
		if diff := cmp.Diff(wantActor, a); diff != "" {
			t.Errorf("actor (-want +got):\n%s", diff)
		}
		if es := events(t, env, ten.ID, "session.signed_in"); len(es) != 1 || es[0].ActorID != ten.Owner.ID || es[0].IP != client.IP {
			t.Errorf("session.signed_in events: got %d, want 1 by %s from %s", len(es), ten.Owner.ID, client.IP)
		}
	})
}

func TestLoginRefusals(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := context.Background()
		ten := storetest.SignUp(t, env, "acme")
		storetest.NewMember(t, env, ten.Tenant, "invited", storetest.MemberOpts{Status: member.StatusInvited})
		storetest.NewMember(t, env, ten.Tenant, "away", storetest.MemberOpts{Status: member.StatusSuspended, Password: storetest.Password})
		svc := env.SessionService()

		_, _, wrong := svc.Login(ctx, ten.Owner.LoginID, "not the password", client)
		wantKind(t, "Login(wrong password)", wrong, errs.Unauthenticated)
		wantMessage(t, "Login(wrong password)", wrong, "ja", "ログインIDまたはパスワードが正しくありません。入力内容を確かめてください。")
		wantMessage(t, "Login(wrong password)", wrong, "en", "the login id or the password is wrong")
		_, _, unknown := svc.Login(ctx, "nobody@acme.works.example", storetest.Password, client)
		wantKind(t, "Login(unknown login id)", unknown, errs.Unauthenticated)
		if wrong != nil && unknown != nil && wrong.Error() != unknown.Error() {
			t.Errorf("wrong password and unknown login id tell apart: %q vs %q", wrong, unknown)
		}
		_, _, invited := svc.Login(ctx, "invited@acme.works.example", "", client)
		if wrong != nil && (invited == nil || invited.Error() != wrong.Error()) {
			t.Errorf("Login(invited member without a password): got %v, want %v", invited, wrong)
		}
		_, _, err := svc.Login(ctx, "away@acme.works.example", storetest.Password, client)
		wantKind(t, "Login(suspended member, right password)", err, errs.Unauthenticated)
		wantMessage(t, "Login(suspended member, right password)", err, "ja", "このアカウントは「一時停止」のため、ログインできません。管理者にお問い合わせください。")
		wantMessage(t, "Login(suspended member, right password)", err, "en", `this account is "Suspended" and cannot sign in: ask your admin`)

		live, err := env.DB.ListSessions(ctx, ten.Owner.ID, env.Clock.Now())
		must(t, "list sessions", err)
		if len(live) != 1 { // the one SignUp opened
			t.Errorf("owner's sessions after refused logins: got %d, want 1", len(live))
		}
		if es := events(t, env, ten.ID, "session.signed_in"); len(es) != 0 {
			t.Errorf("session.signed_in events after refused logins: got %d, want none", len(es))
		}
	})
}

func TestLoginRateLimits(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := context.Background()
		ten := storetest.SignUp(t, env, "acme")
		svc := env.SessionService()
		svc.Limits = session.Limits{PerAccount: 3, PerIP: 4, Window: 15 * time.Minute} // few, as every try costs a hash
		login := ten.Owner.LoginID

		for range svc.Limits.PerAccount {
			_, _, err := svc.Login(ctx, login, "wrong password", client)
			wantKind(t, "Login(wrong password)", err, errs.Unauthenticated)
			env.Clock.Advance(time.Minute)
		}
		_, _, err := svc.Login(ctx, login, storetest.Password, client)
		wantKind(t, "Login(right password after PerAccount failures)", err, errs.TooManyRequests)
		// The window opened with the first failure, 3 minutes ago: 12 minutes to wait.
		wantMessage(t, "Login(right password after PerAccount failures)", err, "ja",
			"ログインの失敗が続いたため、一時的にログインできません。12分ほど待ってからもう一度お試しいただくか、ログイン画面の「パスワードを忘れた方」から新しいパスワードを設定してください。")
		wantMessage(t, "Login(right password after PerAccount failures)", err, "en",
			`too many failed sign-ins: wait 12 min and try again, or choose a new password with "forgot password" on the sign-in page`)
		_, _, err = svc.Login(ctx, "OWNER@acme.works.example", storetest.Password, session.Client{IP: "203.0.113.9"})
		wantKind(t, "Login(same account, other case, other IP)", err, errs.TooManyRequests)

		env.Clock.Advance(svc.Limits.Window)
		_, _, err = svc.Login(ctx, login, storetest.Password, client)
		must(t, "login after the window", err)

		// The IP's earlier failures are out of the window too; PerIP fresh
		// failures, each on another account, lock out every account from it.
		for _, other := range []string{"a@acme.works.example", "b@acme.works.example", "c@acme.works.example", "d@acme.works.example"} {
			_, _, err := svc.Login(ctx, other, "wrong password", client)
			wantKind(t, "Login(unknown account)", err, errs.Unauthenticated)
		}
		_, _, err = svc.Login(ctx, login, storetest.Password, client)
		wantKind(t, "Login(right password from an IP past PerIP)", err, errs.TooManyRequests)
		_, _, err = svc.Login(ctx, login, storetest.Password, session.Client{IP: "203.0.113.9"})
		must(t, "login from another IP", err)
	})
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := context.Background()
		ten := storetest.SignUp(t, env, "acme")
		role := storetest.NewRole(t, env, ten.ID, "helpers", false, auth.PermMembersManage, auth.PermAuditRead)
		ann := storetest.NewMember(t, env, ten.Tenant, "ann", storetest.MemberOpts{RoleIDs: []string{role.ID}})
		svc := env.SessionService()

		live := storetest.NewSession(t, env, ann)
		a, err := svc.Authenticate(ctx, live, client)
		must(t, "authenticate", err)
		if a.SuperAdmin || !a.Can(auth.PermMembersManage) || !a.Can(auth.PermAuditRead) || a.Can(auth.PermRolesManage) {
			t.Errorf("actor: got super admin %v with %v, want the role's permissions", a.SuperAdmin, a.Permissions)
		}

		revoked := storetest.NewSession(t, env, ann)
		ss, _, err := env.DB.GetSessionByHash(ctx, id.Hash(revoked))
		must(t, "get session", err)
		must(t, "revoke", env.DB.RevokeSession(ctx, ss.ID, env.Clock.Now()))
		_, err = svc.Authenticate(ctx, revoked, client)
		wantKind(t, "Authenticate(revoked)", err, errs.Unauthenticated)
		_, err = svc.Authenticate(ctx, "kanri_unknown", client)
		wantKind(t, "Authenticate(unknown)", err, errs.Unauthenticated)

		env.Clock.Advance(storetest.SessionTTL - time.Second)
		_, err = svc.Authenticate(ctx, live, client)
		must(t, "authenticate just before expiry", err)
		env.Clock.Advance(time.Second)
		_, err = svc.Authenticate(ctx, live, client)
		wantKind(t, "Authenticate(expired)", err, errs.Unauthenticated)

		fresh := storetest.NewSession(t, env, ann)
		_, err = env.MemberService().SetStatus(storetest.Actor(t, env, ten.Owner), ten.ID, ann.ID, member.ActionSuspend)
		must(t, "suspend", err)
		_, err = svc.Authenticate(ctx, fresh, client)
		wantKind(t, "Authenticate(suspended member)", err, errs.Unauthenticated)
	})
}

func TestLogoutAndRevoke(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := context.Background()
		ten := storetest.SignUp(t, env, "acme")
		other := storetest.SignUp(t, env, "other")
		ann := storetest.NewMember(t, env, ten.Tenant, "ann", storetest.MemberOpts{})
		bob := storetest.NewMember(t, env, ten.Tenant, "bob", storetest.MemberOpts{})
		svc := env.SessionService()
		authed := func(token string) error {
			_, err := svc.Authenticate(ctx, token, client)
			return err
		}

		// Logout ends only the caller's session.
		annTok := storetest.NewSession(t, env, ann)
		annOther := storetest.NewSession(t, env, ann)
		annCtx := storetest.Actor(t, env, ann)
		must(t, "logout", svc.Logout(annCtx))
		if err := authed(annOther); err != nil {
			t.Errorf("another session of the member after Logout: got %v, want it kept", err)
		}
		if n := len(events(t, env, ten.ID, "session.signed_out")); n != 1 {
			t.Errorf("session.signed_out events: got %d, want 1", n)
		}
		wantKind(t, "Logout(signed out)", svc.Logout(context.Background()), errs.Unauthenticated)

		// A member may sign themself out everywhere, not others.
		_, err := svc.RevokeMember(annCtx, ten.ID, bob.ID)
		wantKind(t, "RevokeMember(another member, without sessions.manage)", err, errs.PermissionDenied)
		wantMessage(t, "RevokeMember(another member, without sessions.manage)", err, "ja",
			"ほかのメンバーをログアウトさせるには「メンバーのセッション管理(強制ログアウト)」の権限が必要です。最高管理者に依頼してください。")
		annCtx = storetest.Actor(t, env, ann)
		n, err := svc.RevokeMember(annCtx, ten.ID, ann.ID)
		must(t, "revoke own sessions", err)
		if n != 3 { // annTok, annOther and annCtx's
			t.Errorf("RevokeMember(self): got %d sessions, want 3", n)
		}
		for _, tok := range []string{annTok, annOther} {
			wantKind(t, "Authenticate(after RevokeMember)", authed(tok), errs.Unauthenticated)
		}

		// RevokeTenant ends every session of the tenant, the caller's too.
		bobTok := storetest.NewSession(t, env, bob)
		annTok = storetest.NewSession(t, env, ann)
		otherTok := storetest.NewSession(t, env, other.Owner)
		_, err = svc.RevokeTenant(storetest.Actor(t, env, bob), ten.ID)
		wantKind(t, "RevokeTenant(without sessions.manage)", err, errs.PermissionDenied)
		wantMessage(t, "RevokeTenant(without sessions.manage)", err, "ja",
			"この操作には「メンバーのセッション管理(強制ログアウト)」の権限が必要です。最高管理者に、この権限を含む管理者権限の付与を依頼してください。")
		wantMessage(t, "RevokeTenant(without sessions.manage)", err, "en",
			`this needs the "Manage members' sessions (sign them out)" permission: ask your super admin for a role that has it`)
		_, err = svc.RevokeTenant(other.Ctx, ten.ID)
		wantKind(t, "RevokeTenant(another tenant)", err, errs.NotFound)
		ownerCtx := storetest.Actor(t, env, ten.Owner)
		n, err = svc.RevokeTenant(ownerCtx, ten.ID)
		must(t, "revoke tenant", err)
		// ten.Ctx's, bob's two (one from the refused call), ann's and ownerCtx's.
		if n != 5 {
			t.Errorf("RevokeTenant: got %d sessions, want 5", n)
		}
		for _, tok := range []string{bobTok, annTok} {
			wantKind(t, "Authenticate(after RevokeTenant)", authed(tok), errs.Unauthenticated)
		}
		wantKind(t, "Logout(own session ended by RevokeTenant)", svc.Logout(ownerCtx), errs.NotFound)
		if err := authed(otherTok); err != nil {
			t.Errorf("another tenant's session after RevokeTenant: got %v, want it kept", err)
		}
		es := events(t, env, ten.ID, "tenant.sessions_revoked")
		if len(es) != 1 || string(es[0].After) == "" {
			t.Fatalf("tenant.sessions_revoked events: got %d, want 1", len(es))
		}
	})
}

func TestOperatorLogin(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := context.Background()
		svc := env.SessionService()
		o, err := svc.CreateOperator(ctx, "Ops@Vendor.example", "Ops", storetest.Password)
		must(t, "create operator", err)
		_, err = svc.CreateOperator(ctx, "ops@vendor.example", "Ops again", "another long password")
		wantKind(t, "CreateOperator(e-mail taken)", err, errs.Conflict)

		token, _, err := svc.LoginOperator(ctx, " OPS@vendor.example", storetest.Password, client)
		must(t, "login operator", err)
		a, err := svc.Authenticate(ctx, token, client)
		must(t, "authenticate", err)
		if a.Kind != auth.KindOperator || a.ID != o.ID || a.TenantID != "" {
			t.Errorf("operator actor: got %s %s tenant %q, want operator %s and no tenant", a.Kind, a.ID, a.TenantID, o.ID)
		}
		apiToken, err := svc.CreateAPIToken(ctx, "ops@vendor.example", "ci")
		must(t, "create api token", err)
		env.Clock.Advance(365 * 24 * time.Hour)
		a, err = svc.Authenticate(ctx, apiToken, client)
		if err != nil || a.Kind != auth.KindOperator || a.ID != o.ID {
			t.Errorf("API token a year later: got %v, want it still valid for operator %s", err, o.ID)
		}
	})
}
