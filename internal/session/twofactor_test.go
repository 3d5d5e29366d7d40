package session_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/session"
	"github.com/kanri/kanri/internal/store/storetest"
)

// code is the TOTP code of secret at the test clock's time.
func code(t *testing.T, env *storetest.Env, secret string) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, env.Clock.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	must(t, "generate code", err)
	return c
}

// enrol turns two-factor sign-in on for m and returns its secret and
// recovery codes; the clock then moves to the next time-step.
func enrol(t *testing.T, env *storetest.Env, svc *session.Service, m *member.Member) (string, []string) {
	t.Helper()
	ctx := storetest.Actor(t, env, m)
	e, err := svc.StartTwoFactor(ctx)
	must(t, "start two-factor", err)
	if !strings.HasPrefix(e.URL, "otpauth://totp/Kanri:") || !strings.Contains(e.URL, "secret="+e.Secret) || len(e.QRCode) < 100 {
		t.Fatalf("enrolment: got URL %q and a %d-byte QR code, want an otpauth URL with the secret and a PNG", e.URL, len(e.QRCode))
	}
	_, err = svc.ConfirmTwoFactor(ctx, "000000")
	wantKind(t, "ConfirmTwoFactor(wrong code)", err, errs.Invalid)
	codes, err := svc.ConfirmTwoFactor(ctx, code(t, env, e.Secret))
	must(t, "confirm two-factor", err)
	if len(codes) != 10 {
		t.Fatalf("recovery codes: got %d, want 10", len(codes))
	}
	env.Clock.Advance(30 * time.Second)
	return e.Secret, codes
}

// pending signs m in with the password and returns the second step's token.
func pending(t *testing.T, svc *session.Service, m *member.Member) string {
	t.Helper()
	r, err := svc.SignIn(context.Background(), m.LoginID, storetest.Password, client)
	must(t, "sign in with the password", err)
	if r.Session != nil || r.Token != "" || r.PendingToken == "" {
		t.Fatalf("password step of a two-factor member: got session %v, want only a pending token", r.Session)
	}
	return r.PendingToken
}

func TestTwoFactorSignIn(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := context.Background()
		ten := storetest.SignUp(t, env, "acme")
		svc := env.SessionService()
		secret, recovery := enrol(t, env, svc, ten.Owner)

		_, _, err := svc.Login(ctx, ten.Owner.LoginID, storetest.Password, client)
		wantKind(t, "Login(two-factor member, no second step)", err, errs.FailedPrecondition)
		p := pending(t, svc, ten.Owner)
		_, err = svc.LoginTwoFactor(ctx, p, "123456", "", client)
		wantKind(t, "LoginTwoFactor(wrong code)", err, errs.Unauthenticated)
		wantMessage(t, "LoginTwoFactor(wrong code)", err, "ja", "コードが正しくありません。認証アプリに今表示されている6桁のコードか、リカバリーコードの1つを入力してください。")
		c := code(t, env, secret)
		r, err := svc.LoginTwoFactor(ctx, p, c, "", client)
		must(t, "second step", err)
		if _, err := svc.Authenticate(ctx, r.Token, client); err != nil {
			t.Errorf("session of the second step: %v", err)
		}
		steps := []struct {
			name    string
			pending string
			code    string
			rescue  string
			want    errs.Kind // 0: signs in
		}{
			{"pending token again", p, c, "", errs.Unauthenticated},
			{"same code, new sign-in", pending(t, svc, ten.Owner), c, "", errs.Unauthenticated},
			{"recovery code", pending(t, svc, ten.Owner), "", strings.ToUpper(recovery[0]), 0},
			{"recovery code again", pending(t, svc, ten.Owner), "", recovery[0], errs.Unauthenticated},
			{"another recovery code, no dash", pending(t, svc, ten.Owner), "", strings.ReplaceAll(recovery[1], "-", ""), 0},
			{"unknown pending token", "kanri2fa_unknown", c, "", errs.Unauthenticated},
		}
		for _, s := range steps {
			_, err := svc.LoginTwoFactor(ctx, s.pending, s.code, s.rescue, client)
			if s.want == 0 {
				must(t, s.name, err)
			} else {
				wantKind(t, s.name, err, s.want)
			}
		}
		late := pending(t, svc, ten.Owner)
		env.Clock.Advance(5 * time.Minute)
		_, err = svc.LoginTwoFactor(ctx, late, code(t, env, secret), "", client)
		wantKind(t, "LoginTwoFactor(after 5 minutes)", err, errs.Unauthenticated)
		if es := events(t, env, ten.ID, "session.signed_in"); len(es) != 3 {
			t.Errorf("session.signed_in events: got %d, want 3", len(es))
		}
	})
}

// TestTwoFactorCodeOnce: 64 second steps at once with one valid code, over
// eight pending sign-ins, open exactly one session.
func TestTwoFactorCodeOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := context.Background()
		ten := storetest.SignUp(t, env, "acme")
		svc := env.SessionService()
		svc.Limits.PerAccount, svc.Limits.PerIP = 1000, 1000 // the race, not the limits
		secret, _ := enrol(t, env, svc, ten.Owner)
		var tokens []string
		for range 8 {
			tokens = append(tokens, pending(t, svc, ten.Owner))
		}
		c := code(t, env, secret)
		o := all(64, svc.Limits.Window, func(i int) error {
			_, err := svc.LoginTwoFactor(ctx, tokens[i%8], c, "", client)
			return err
		})
		if o.ok != 1 || o.kinds[errs.Unauthenticated] != 63 {
			t.Errorf("64 second steps with one code: got %d sessions and refusals %v, want 1 session and 63 refused", o.ok, o.kinds)
		}
	})
}

// TestTwoFactorLimits: wrong codes count against the account's limit like
// wrong passwords, and a right password does not reset them.
func TestTwoFactorLimits(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := context.Background()
		ten := storetest.SignUp(t, env, "acme")
		svc := env.SessionService()
		svc.Limits.PerAccount = 4
		secret, _ := enrol(t, env, svc, ten.Owner)
		for i := range 4 {
			_, err := svc.LoginTwoFactor(ctx, pending(t, svc, ten.Owner), "000000", "", client)
			wantKind(t, "wrong code "+string(rune('1'+i)), err, errs.Unauthenticated)
		}
		_, err := svc.SignIn(ctx, ten.Owner.LoginID, storetest.Password, client)
		wantKind(t, "password after four wrong codes", err, errs.TooManyRequests)
		env.Clock.Advance(svc.Limits.Window)
		p := pending(t, svc, ten.Owner)
		o := all(16, svc.Limits.Window, func(int) error {
			_, err := svc.LoginTwoFactor(ctx, p, "000000", "", client)
			return err
		})
		if o.kinds[errs.Unauthenticated] != 4 || o.kinds[errs.TooManyRequests] != 12 {
			t.Errorf("16 wrong codes at once: got %v, want 4 checked and 12 refused", o.kinds)
		}
		_, err = svc.LoginTwoFactor(ctx, p, code(t, env, secret), "", client)
		wantKind(t, "right code while locked", err, errs.TooManyRequests)
	})
}

// TestTwoFactorPolicy: a tenant that requires two-factor sign-in leads the
// members it requires, and only them, to enrol before anything else.
func TestTwoFactorPolicy(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := context.Background()
		ten := storetest.SignUp(t, env, "acme")
		ann := storetest.NewMember(t, env, ten.Tenant, "ann", storetest.MemberOpts{Password: storetest.Password})
		svc := env.SessionService()
		annCtx := storetest.Actor(t, env, ann)
		wantKind(t, "SetTwoFactorPolicy(a plain member)", svc.SetTwoFactorPolicy(annCtx, ten.ID, session.PolicyAdmins), errs.PermissionDenied)
		wantKind(t, "SetTwoFactorPolicy(nonsense)", svc.SetTwoFactorPolicy(ten.Ctx, ten.ID, "sometimes"), errs.Invalid)
		must(t, "require of admins", svc.SetTwoFactorPolicy(ten.Ctx, ten.ID, session.PolicyAdmins))
		if got, err := svc.TwoFactorPolicy(annCtx, ten.ID); err != nil || got != session.PolicyAdmins {
			t.Errorf("TwoFactorPolicy: got %q, %v; want admins", got, err)
		}

		cases := []struct {
			name  string
			m     *member.Member
			enrol bool
		}{{"super admin", ten.Owner, true}, {"plain member", ann, false}}
		for _, c := range cases {
			r, err := svc.SignIn(ctx, c.m.LoginID, storetest.Password, client)
			must(t, c.name+": sign in", err)
			a, err := svc.Authenticate(ctx, r.Token, client)
			must(t, c.name+": authenticate", err)
			if r.EnrolTwoFactor != c.enrol || a.TwoFactorMissing != c.enrol {
				t.Errorf("%s: got enrol %v (actor %v), want %v", c.name, r.EnrolTwoFactor, a.TwoFactorMissing, c.enrol)
			}
		}
		ownerCtx := storetest.Actor(t, env, ten.Owner)
		_, err := svc.Mine(ownerCtx, ten.ID)
		wantKind(t, "Mine(super admin yet to enrol)", err, errs.PermissionDenied)
		wantMessage(t, "Mine(super admin yet to enrol)", err, "ja",
			"あなたの会社では2段階認証が必須です。先に2段階認証を設定してください(セキュリティ > 2段階認証、または POST /api/v1/auth/two-factor/enrol)。")
		st, err := svc.TwoFactorStatus(ownerCtx)
		must(t, "status", err)
		if st.On || !st.Required {
			t.Errorf("status before enrolling: got on %v required %v, want off and required", st.On, st.Required)
		}
		secret, _ := enrol(t, env, svc, ten.Owner)
		ownerCtx = storetest.Actor(t, env, ten.Owner)
		if _, err := svc.Mine(ownerCtx, ten.ID); err != nil {
			t.Errorf("Mine(after enrolling): %v", err)
		}
		err = svc.DisableTwoFactor(ownerCtx, storetest.Password, "")
		wantKind(t, "DisableTwoFactor(required)", err, errs.FailedPrecondition)
		must(t, "require of nobody", svc.SetTwoFactorPolicy(ownerCtx, ten.ID, session.PolicyOff))
		wantKind(t, "DisableTwoFactor(wrong password)", svc.DisableTwoFactor(ownerCtx, "not it", ""), errs.Invalid)
		err = svc.DisableTwoFactor(ownerCtx, "", "000000")
		wantKind(t, "DisableTwoFactor(wrong code)", err, errs.Invalid)
		// The refused code is the code field's fault, with the same words as at sign-in.
		if e, ok := errs.As(err); !ok || e.Field != "code" || e.Code != "session.two_factor_code_wrong" {
			t.Errorf("DisableTwoFactor(wrong code): got %v, want session.two_factor_code_wrong at the field code", err)
		}
		must(t, "disable with a code", svc.DisableTwoFactor(ownerCtx, "", code(t, env, secret)))
		if _, _, err := svc.Login(ctx, ten.Owner.LoginID, storetest.Password, client); err != nil {
			t.Errorf("password alone after disabling: %v", err)
		}
		for _, a := range []string{"tenant.two_factor_policy_changed", "member.two_factor_enabled", "member.two_factor_disabled"} {
			if n := len(events(t, env, ten.ID, a)); n == 0 {
				t.Errorf("%s events: got none", a)
			}
		}
	})
}

// TestTwoFactorReset: only the super admin resets a member's two-factor
// sign-in; the member then signs in with the password alone.
func TestTwoFactorReset(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := context.Background()
		ten := storetest.SignUp(t, env, "acme")
		other := storetest.SignUp(t, env, "other")
		admin := storetest.NewMember(t, env, ten.Tenant, "admin", storetest.MemberOpts{RoleIDs: []string{ten.Roles[member.RoleAdmin].ID}})
		ann := storetest.NewMember(t, env, ten.Tenant, "ann", storetest.MemberOpts{Password: storetest.Password})
		svc := env.SessionService()
		_, recovery := enrol(t, env, svc, ann)
		annCtx := storetest.Actor(t, env, ann)
		codes, err := svc.RegenerateRecoveryCodes(annCtx, storetest.Password, "")
		must(t, "regenerate recovery codes", err)
		if len(codes) != 10 || codes[0] == recovery[0] {
			t.Errorf("regenerated codes: got %d (first %q), want 10 new ones", len(codes), codes[0])
		}

		refusals := []struct {
			name string
			ctx  context.Context
			want errs.Kind
		}{
			{"an admin, not the super admin", storetest.Actor(t, env, admin), errs.PermissionDenied},
			{"another tenant's super admin", other.Ctx, errs.NotFound},
		}
		for _, r := range refusals {
			wantKind(t, "ResetTwoFactor("+r.name+")", svc.ResetTwoFactor(r.ctx, ten.ID, ann.ID), r.want)
		}
		must(t, "reset", svc.ResetTwoFactor(ten.Ctx, ten.ID, ann.ID))
		wantKind(t, "ResetTwoFactor(again)", svc.ResetTwoFactor(ten.Ctx, ten.ID, ann.ID), errs.FailedPrecondition)
		if _, _, err := svc.Login(ctx, ann.LoginID, storetest.Password, client); err != nil {
			t.Errorf("password alone after the reset: %v", err)
		}
		if es := events(t, env, ten.ID, "member.two_factor_reset"); len(es) != 1 || es[0].ActorID != ten.Owner.ID || es[0].TargetID != ann.ID {
			t.Errorf("member.two_factor_reset events: got %d, want 1 by the super admin on ann", len(es))
		}
	})
}
