package console_test

import (
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/clock"
)

var (
	secretOnPage  = regexp.MustCompile(`id="two-factor-secret">([A-Z2-7]+)<`)
	pendingOnPage = regexp.MustCompile(`name="pending_token" value="([^"]+)"`)
	codeOnPage    = regexp.MustCompile(`<code>([0-9a-z]{5}-[0-9a-z]{5})</code>`)
)

// startWithClock runs a Kanri whose clock the test moves (TOTP time-steps).
func startWithClock(t *testing.T) (*apptest.Server, *apptest.Tenant) {
	t.Helper()
	s := apptest.Start(t, filepath.Join(t.TempDir(), "kanri.db"), func(c *app.Config) { c.TestClock = true })
	return s, s.Signup("acme")
}

// otpCode is the TOTP code of secret at the server's clock.
func otpCode(t *testing.T, s *apptest.Server, secret string) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, s.App.Clock.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enrolConsole turns two-factor sign-in on through セキュリティ > 2段階認証
// and returns the secret read off the page and the recovery codes shown.
func enrolConsole(t *testing.T, s *apptest.Server, b *browser) (string, []string) {
	t.Helper()
	if p := b.post("/admin/two-factor/start", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("start: %d\n%s", p.Status, p.Body)
	}
	p := b.get("/admin/two-factor")
	m := secretOnPage.FindStringSubmatch(p.Body)
	if m == nil || !strings.Contains(p.Body, `src="data:image/png;base64,`) {
		t.Fatalf("enrolment page without a secret or a QR image:\n%s", p.Body)
	}
	if p := b.post("/admin/two-factor/confirm", url.Values{"code": {"000000"}}); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("confirm with a wrong code: got %d, want 422", p.Status)
	}
	p = b.post("/admin/two-factor/confirm", url.Values{"code": {otpCode(t, s, m[1])}})
	var codes []string
	for _, c := range codeOnPage.FindAllStringSubmatch(p.Body, -1) {
		codes = append(codes, c[1])
	}
	if p.Status != http.StatusOK || len(codes) != 10 {
		t.Fatalf("confirm: got %d with %d recovery codes, want 200 and 10\n%s", p.Status, len(codes), p.Body)
	}
	s.App.Clock.(*clock.Adjustable).Set(s.App.Clock.Now().Add(30 * time.Second))
	return m[1], codes
}

// TestTwoFactorConsole: enrol, sign in with a second step, a requirement
// that leads to enrolment, and the super admin's reset, all in the console.
func TestTwoFactorConsole(t *testing.T) {
	t.Parallel()
	s, ten := startWithClock(t)
	admin := newBrowser(t, s)
	admin.signIn("admin@"+ten.Domain, apptest.Password)
	secret, _ := enrolConsole(t, s, admin)

	b := newBrowser(t, s)
	p := b.post("/admin/login", url.Values{"login_id": {"admin@" + ten.Domain}, "password": {apptest.Password}, "next": {"/admin/members"}})
	pending := pendingOnPage.FindStringSubmatch(p.Body)
	if p.Status != http.StatusOK || pending == nil || len(b.cookies) != 0 {
		t.Fatalf("password step: got %d with cookies %v, want the code's page and no session\n%s", p.Status, b.cookies, p.Body)
	}
	step := url.Values{"pending_token": {pending[1]}, "next": {"/admin/members"}, "code": {"000000"}}
	if p := b.post("/admin/login/two-factor", step); p.Status != http.StatusUnauthorized || !pendingOnPage.MatchString(p.Body) {
		t.Errorf("wrong code: got %d, want 401 and the step again", p.Status)
	}
	step.Set("code", otpCode(t, s, secret))
	if p := b.post("/admin/login/two-factor", step); p.Status != http.StatusSeeOther || p.Location != "/admin/members" {
		t.Fatalf("second step: got %d to %q, want 303 to /admin/members", p.Status, p.Location)
	}
	if p := b.get("/admin/members"); p.Status != http.StatusOK {
		t.Errorf("signed in with two factors: /admin/members answered %d", p.Status)
	}

	// Everyone must: hanako is led to enrol, then the console opens.
	res := s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/members", Token: ten.AdminToken,
		Body: map[string]any{"login_id": "hanako", "display_name": "山田 花子", "password": "hanako-password-1"}})
	var m struct{ ID string }
	res.Decode(t, &m)
	if p := admin.post("/admin/two-factor/policy", url.Values{"two_factor_required": {"everyone"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("require of everyone: %d\n%s", p.Status, p.Body)
	}
	hanako := newBrowser(t, s)
	if p := hanako.post("/admin/login", url.Values{"login_id": {"hanako@" + ten.Domain}, "password": {"hanako-password-1"}}); p.Location != "/admin/two-factor" {
		t.Errorf("sign-in of a member yet to enrol: got %d to %q, want /admin/two-factor", p.Status, p.Location)
	}
	if p := hanako.get("/admin/security"); p.Status != http.StatusSeeOther || p.Location != "/admin/two-factor" {
		t.Errorf("another page before enrolling: got %d to %q, want the enrolment page", p.Status, p.Location)
	}
	if p := hanako.get("/admin/two-factor"); !strings.Contains(p.Body, `id="two-factor-required"`) {
		t.Errorf("enrolment page without the requirement's notice:\n%.600s", p.Body)
	}
	enrolConsole(t, s, hanako)
	if p := hanako.get("/admin/security"); p.Status != http.StatusOK {
		t.Errorf("after enrolling: /admin/security answered %d", p.Status)
	}

	// The super admin resets hanako's.
	path := "/admin/members/" + m.ID + "/two-factor"
	if p := admin.get(path); !strings.Contains(p.Body, `id="two-factor-reset"`) {
		t.Fatalf("member's two-factor page without the reset:\n%.600s", p.Body)
	}
	if p := admin.post(path+"/reset", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("reset: %d\n%s", p.Status, p.Body)
	}
	if p := admin.get(path); !strings.Contains(p.Body, `id="member-two-factor-off"`) {
		t.Errorf("after the reset: the page does not say it is off")
	}
}

// TestConsoleLoginLimit: the console's sign-in form shares the API's
// limit: of 64 wrong passwords at once at most 10 are checked, the rest
// get 429 with Retry-After, and so does the right password afterwards.
func TestConsoleLoginLimit(t *testing.T) {
	t.Parallel()
	s, ten := start(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(password string) *http.Response {
		form := url.Values{"login_id": {"admin@" + ten.Domain}, "password": {password}}
		req, _ := http.NewRequest("POST", s.URL+"/admin/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		res, err := client.Do(req)
		if err != nil {
			t.Error(err)
			return &http.Response{}
		}
		res.Body.Close()
		return res
	}
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			res := post("wrong-password")
			retry, _ := strconv.Atoi(res.Header.Get("Retry-After"))
			mu.Lock()
			defer mu.Unlock()
			statuses[res.StatusCode]++
			if res.StatusCode == http.StatusTooManyRequests && (retry < 1 || retry > 900) {
				t.Errorf("429 with Retry-After %q, want 1–900 seconds", res.Header.Get("Retry-After"))
			}
		})
	}
	wg.Wait()
	if statuses[http.StatusUnauthorized] > 10 || statuses[http.StatusUnauthorized]+statuses[http.StatusTooManyRequests] != 64 {
		t.Errorf("64 wrong passwords at once: got statuses %v, want at most 10 × 401 and the rest 429", statuses)
	}
	if res := post(apptest.Password); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("right password while locked: got %d, want 429", res.StatusCode)
	}
}
