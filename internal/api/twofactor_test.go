package api_test

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/clock"
	"github.com/kanri/kanri/internal/store/storetest"
)

// totpAt is the code of secret at the server's (test) clock.
func totpAt(t *testing.T, s *apptest.Server, secret string) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, s.App.Clock.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// nextStep moves the server's clock to the next TOTP time-step.
func nextStep(s *apptest.Server) {
	s.App.Clock.(*clock.Adjustable).Set(s.App.Clock.Now().Add(30 * time.Second))
}

// enrolAPI turns two-factor sign-in on for the caller of token and returns
// the secret and the recovery codes.
func enrolAPI(t *testing.T, s *apptest.Server, token string) (string, []string) {
	t.Helper()
	e := decode[api.Enrolment](t, expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: "/api/v1/auth/two-factor/enrol", Token: token}))
	if !strings.HasPrefix(string(e.QRCode), "data:image/png;base64,") || !strings.HasPrefix(string(e.OTPAuthURL), "otpauth://totp/") || e.Secret == "" {
		t.Fatalf("enrolment: got %+v, want a secret, an otpauth URL and a PNG data URL", e)
	}
	confirm := func(code string) *apptest.Response {
		return s.Do(apptest.Request{Method: "POST", Path: "/api/v1/auth/two-factor/confirm", Token: token, Body: map[string]string{"code": code}})
	}
	checkProblem(t, confirm("000000"), http.StatusUnprocessableEntity)
	res := confirm(totpAt(t, s, string(e.Secret)))
	if res.Status != http.StatusOK {
		t.Fatalf("confirm: %d %s", res.Status, res.Body)
	}
	var out struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}
	res.Decode(t, &out)
	nextStep(s)
	return string(e.Secret), out.RecoveryCodes
}

type loginAnswer struct {
	Token         string `json:"token"`
	TwoFactor     bool   `json:"two_factor_required"`
	Pending       string `json:"pending_token"`
	EnrolRequired bool   `json:"two_factor_enrolment_required"`
}

func loginAPI(t *testing.T, s *apptest.Server, loginID, password string) (loginAnswer, *apptest.Response) {
	t.Helper()
	res := expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"login_id": loginID, "password": password}})
	return decode[loginAnswer](t, res), res
}

func secondStep(s *apptest.Server, pending, field, code string) *apptest.Response {
	return s.Do(apptest.Request{Method: "POST", Path: "/api/v1/auth/login/two-factor", Body: map[string]string{"pending_token": pending, field: code}})
}

// TestTwoFactorScenario: enrol, sign in with a code and with a recovery
// code, each once; a tenant requirement leads to enrolment; the super admin
// resets a member's two-factor sign-in.
func TestTwoFactorScenario(t *testing.T) {
	t.Parallel()
	onEachEngine(t, withTestClock, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		admin := "admin@" + a.Domain
		secret, recovery := enrolAPI(t, s, a.AdminToken)
		st := decode[api.TwoFactorStatus](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/auth/two-factor", Token: a.AdminToken}))
		if !st.Enabled || st.RecoveryCodesLeft != 10 || st.Enrolment != nil {
			t.Errorf("status after enrolling: got %+v, want enabled with 10 recovery codes", st)
		}

		ans, res := loginAPI(t, s, admin, apptest.Password)
		if !ans.TwoFactor || ans.Pending == "" || ans.Token != "" || res.Header.Get("Set-Cookie") != "" {
			t.Fatalf("password step: got %s (Set-Cookie %q), want only a pending token", res.Body, res.Header.Get("Set-Cookie"))
		}
		checkProblem(t, secondStep(s, ans.Pending, "code", "000000"), http.StatusUnauthorized)
		code := totpAt(t, s, secret)
		res = secondStep(s, ans.Pending, "code", code)
		if res.Status != http.StatusOK || res.Header.Get("Set-Cookie") == "" {
			t.Fatalf("second step: got %d %s, want a session and its cookie", res.Status, res.Body)
		}
		token := decode[loginAnswer](t, res).Token
		expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID), Token: token})
		checkProblem(t, secondStep(s, ans.Pending, "code", code), http.StatusUnauthorized)
		again, _ := loginAPI(t, s, admin, apptest.Password)
		checkProblem(t, secondStep(s, again.Pending, "code", code), http.StatusUnauthorized)
		expect(t, s, http.StatusOK, secondStepReq(again.Pending, "recovery_code", recovery[0]))
		again, _ = loginAPI(t, s, admin, apptest.Password)
		checkProblem(t, secondStep(s, again.Pending, "recovery_code", recovery[0]), http.StatusUnauthorized)

		// Everyone must: a member without it may only enrol, then works.
		m := addMember(t, s, a.ID, a.AdminToken, "hanako", "Hanako Yamada", memberPassword)
		expect(t, s, http.StatusOK, apptest.Request{Method: "PUT", Path: tpath(a.ID, "/two-factor-policy"), Token: a.AdminToken,
			Body: map[string]string{"two_factor_required": "everyone"}})
		hanako, _ := loginAPI(t, s, "hanako@"+a.Domain, memberPassword)
		if !hanako.EnrolRequired || hanako.Token == "" {
			t.Fatalf("sign-in of a member yet to enrol: got %+v, want a session that must enrol", hanako)
		}
		mine := apptest.Request{Method: "GET", Path: tpath(a.ID, "/sessions"), Token: hanako.Token}
		expectProblem(t, s, http.StatusForbidden, mine)
		enrolAPI(t, s, hanako.Token)
		expect(t, s, http.StatusOK, mine)

		// It cannot be turned off while required; the super admin resets it
		// (a lost device), and the next sign-in leads to enrolment again.
		expectProblem(t, s, http.StatusConflict, apptest.Request{Method: "POST", Path: "/api/v1/auth/two-factor/disable", Token: hanako.Token,
			Body: map[string]string{"password": memberPassword}})
		reset := apptest.Request{Method: "DELETE", Path: tpath(a.ID, "/members/", m.ID, "/two-factor")}
		reset.Token = hanako.Token
		expectProblem(t, s, http.StatusForbidden, reset)
		reset.Token = a.AdminToken
		expect(t, s, http.StatusNoContent, reset)
		if again, _ := loginAPI(t, s, "hanako@"+a.Domain, memberPassword); !again.EnrolRequired || again.TwoFactor {
			t.Errorf("sign-in after the reset: got %+v, want a session that must enrol", again)
		}
	})
}

func secondStepReq(pending, field, code string) apptest.Request {
	return apptest.Request{Method: "POST", Path: "/api/v1/auth/login/two-factor", Body: map[string]string{"pending_token": pending, field: code}}
}

// TestConcurrentLoginsAPI: 64 wrong passwords for one account at once, half
// of them through a second Kanri on the same database, check at most 10;
// the rest answer 429 with Retry-After, and so does the right password.
func TestConcurrentLoginsAPI(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		one, two := apptest.Start(t, env.URL, nil), apptest.Start(t, env.URL, nil)
		a := one.Signup("acme")
		login := apptest.Request{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"login_id": "admin@" + a.Domain, "password": "wrong-password"}}
		var mu sync.Mutex
		statuses := map[int]int{}
		var wg sync.WaitGroup
		for i := range 64 {
			wg.Go(func() {
				res := []*apptest.Server{one, two}[i%2].Do(login)
				retry, _ := strconv.Atoi(res.Header.Get("Retry-After"))
				mu.Lock()
				defer mu.Unlock()
				statuses[res.Status]++
				if res.Status == http.StatusTooManyRequests && (retry < 1 || retry > 900) {
					t.Errorf("429 with Retry-After %q, want 1–900 seconds", res.Header.Get("Retry-After"))
				}
			})
		}
		wg.Wait()
		if statuses[http.StatusUnauthorized] > 10 || statuses[http.StatusUnauthorized]+statuses[http.StatusTooManyRequests] != 64 {
			t.Errorf("64 wrong passwords at once: got statuses %v, want at most 10 × 401 and the rest 429", statuses)
		}
		res := two.Do(apptest.Request{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"login_id": "admin@" + a.Domain, "password": apptest.Password}})
		checkProblem(t, res, http.StatusTooManyRequests)
	})
}
