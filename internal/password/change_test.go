package password_test

import (
	"context"
	"testing"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/session"
	"github.com/kanri/kanri/internal/store/storetest"
)

// apiToken opens a non-expiring API token for the member memberID of
// tenantID straight in the store.
func apiToken(t *testing.T, env *storetest.Env, tenantID, memberID string) string {
	t.Helper()
	token := id.Secret("kanri")
	s := &session.Session{ID: env.IDs.New("ses"), TokenHash: id.Hash(token), Kind: session.KindAPIToken, TenantID: tenantID,
		MemberID: memberID, Name: "ci", CreatedAt: env.Clock.Now()}
	must(t, "create API token", env.DB.CreateSession(context.Background(), s))
	return token
}

// TestChange: a wrong current password and a new one that breaks the
// policy are refused; a good change ends the other sessions and API
// tokens, keeps this one, and the new password signs in.
func TestChange(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := service(env)
		login := ten.Owner.LoginID
		here, other := signIn(t, env, login, storetest.Password), signIn(t, env, login, storetest.Password)
		token := apiToken(t, env, ten.ID, ten.Owner.ID)
		a, err := env.SessionService().Authenticate(context.Background(), here, session.Client{IP: "192.0.2.9"})
		must(t, "authenticate", err)
		ctx := auth.WithActor(context.Background(), a)

		tests := []struct {
			name, current, next, field string
		}{
			{"wrong current password", "not my password", newPassword, "current_password"},
			{"the login id", storetest.Password, login, "new_password"},
			{"eight spaces", storetest.Password, "        ", "new_password"},
			{"a common password", storetest.Password, "password1", "new_password"},
		}
		for _, tt := range tests {
			_, err := svc.Change(ctx, tt.current, tt.next)
			if e, ok := errs.As(err); !ok || e.Kind != errs.Invalid || e.Field != tt.field {
				t.Errorf("%s: %v, want Invalid at %s", tt.name, err, tt.field)
			}
		}
		now := env.Clock.Now()
		n, _, err := env.DB.ReserveLoginAttempt(context.Background(), session.AccountKey(login), now, now.Add(-storetest.Limits.Window))
		if err != nil || n != 2 {
			t.Errorf("sign-in attempts of the account after one more: %d (%v), want 2 (the wrong current password and this one)", n, err)
		}

		revoked, err := svc.Change(ctx, storetest.Password, newPassword)
		must(t, "change", err)
		// other, token and the session of ten.Ctx end
		if revoked != 3 || !live(env, here) || live(env, other) || live(env, token) {
			t.Errorf("after the change: %d revoked, this session live %v, other %v, API token %v; want 3, true, false, false",
				revoked, live(env, here), live(env, other), live(env, token))
		}
		signIn(t, env, login, newPassword)
		if _, _, err := env.SessionService().Login(context.Background(), login, storetest.Password, session.Client{}); err == nil {
			t.Error("the old password still signs in")
		}
		if es := events(t, env, ten.ID, "member.password_changed"); len(es) != 1 || es[0].ActorID != ten.Owner.ID || compact(es[0].After) != `{"sessions_revoked":3}` {
			t.Errorf("member.password_changed: %d events, want 1 by the member saying 3 sessions ended", len(es))
		}
	})
}

// TestChangeCountsTowardSignInLimit: wrong current passwords lock the
// account's sign-in as wrong sign-ins do, and the change is refused too.
func TestChangeCountsTowardSignInLimit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := service(env)
		for range storetest.Limits.PerAccount {
			_, err := svc.Change(ten.Ctx, "wrong password", newPassword)
			wantKind(t, "wrong current password", err, errs.Invalid)
		}
		_, err := svc.Change(ten.Ctx, storetest.Password, newPassword)
		wantKind(t, "change after too many wrong passwords", err, errs.TooManyRequests)
		_, _, err = env.SessionService().Login(context.Background(), ten.Owner.LoginID, storetest.Password, session.Client{IP: "192.0.2.10"})
		wantKind(t, "sign in after too many wrong passwords", err, errs.TooManyRequests)
	})
}

// TestChangeOperator: an operator changes their own password; their other
// sessions and API tokens end.
func TestChangeOperator(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		sessions := env.SessionService()
		_, err := sessions.CreateOperator(auth.System(context.Background(), "test"), "op@kanri.example", "Op", storetest.Password)
		must(t, "create operator", err)
		here, _, err := sessions.LoginOperator(context.Background(), "op@kanri.example", storetest.Password, session.Client{})
		must(t, "sign in", err)
		token, err := sessions.CreateAPIToken(context.Background(), "op@kanri.example", "cli")
		must(t, "API token", err)
		a, err := sessions.Authenticate(context.Background(), here, session.Client{})
		must(t, "authenticate", err)
		ctx := auth.WithActor(context.Background(), a)

		_, err = service(env).Change(ctx, storetest.Password, "op@kanri.example")
		wantKind(t, "the e-mail address as the password", err, errs.Invalid)
		n, err := service(env).Change(ctx, storetest.Password, newPassword)
		must(t, "change", err)
		if n != 1 || !live(env, here) || live(env, token) {
			t.Errorf("%d revoked; this session live %v, API token live %v; want 1, true, false", n, live(env, here), live(env, token))
		}
		if _, _, err := sessions.LoginOperator(context.Background(), "op@kanri.example", newPassword, session.Client{}); err != nil {
			t.Errorf("sign in with the new password: %v", err)
		}
	})
}

// TestChangeBeforeTwoFactorEnrolment: a session that must turn on
// two-factor sign-in first may not change the password (it may only enrol
// or sign out, as on the console): the password and the other sessions
// stay as they were.
func TestChangeBeforeTwoFactorEnrolment(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		sessions := env.SessionService()
		must(t, "require two-factor of admins", sessions.SetTwoFactorPolicy(ten.Ctx, ten.ID, session.PolicyAdmins))
		login := ten.Owner.LoginID
		here, other := signIn(t, env, login, storetest.Password), signIn(t, env, login, storetest.Password)
		a, err := sessions.Authenticate(context.Background(), here, session.Client{IP: "192.0.2.9"})
		must(t, "authenticate", err)
		if !a.TwoFactorMissing {
			t.Fatal("the session is not held to enrolling in two-factor sign-in first")
		}
		_, err = service(env).Change(auth.WithActor(context.Background(), a), storetest.Password, newPassword)
		wantKind(t, "Change before enrolling", err, errs.PermissionDenied)
		if !live(env, other) {
			t.Error("the refused change ended another session")
		}
		signIn(t, env, login, storetest.Password)
	})
}
