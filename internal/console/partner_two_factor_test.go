package console_test

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

var (
	shownSecret   = regexp.MustCompile(`<code id="two-factor-secret">([A-Z2-7]+)</code>`)
	shownRecovery = regexp.MustCompile(`<li><code>([0-9a-z]{5}-[0-9a-z]{5})</code></li>`)
	shownPending  = regexp.MustCompile(`name="pending_token" value="([^"]+)"`)
)

// TestPortalTwoFactor: a partner user turns on two-factor sign-in in the
// portal (セキュリティ screen of the portal), gets recovery codes that lead
// back to the portal, and the next sign-in asks for the second step, whose
// "back" link and destination are the portal's.
func TestPortalTwoFactor(t *testing.T) {
	t.Parallel()
	s, _ := start(t)
	_ = partnerFor(t, s, "ABC 株式会社", "sales@abc.example.jp")
	b := newBrowser(t, s)
	b.setLang("ja")
	signInPartner(t, b, "sales@abc.example.jp")
	wantIn(t, "portal menu", b.get("/partner").Body, `href="/partner/two-factor"`)
	p := b.follow(b.post("/partner/two-factor/start", nil))
	wantIn(t, "enrolment", p.Body, `action="/partner/two-factor/confirm"`)
	m := shownSecret.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no secret shown:\n%s", p.Body)
	}
	code, err := totp.GenerateCode(m[1], time.Now())
	if err != nil {
		t.Fatal(err)
	}
	p = b.post("/partner/two-factor/confirm", url.Values{"code": {code}})
	wantIn(t, "recovery codes", p.Body, `href="/partner" class="button primary" id="two-factor-done"`)
	recovery := shownRecovery.FindStringSubmatch(p.Body)
	if recovery == nil {
		t.Fatalf("no recovery codes shown:\n%s", p.Body)
	}

	again := newBrowser(t, s)
	again.setLang("ja")
	p = again.post("/partner/login", url.Values{"email": {"sales@abc.example.jp"}, "password": {portalPassword}})
	wantIn(t, "second step", p.Body, `name="next" value="/partner"`, `href="/partner/login"`)
	pending := shownPending.FindStringSubmatch(p.Body)
	if pending == nil {
		t.Fatalf("no second step:\n%s", p.Body)
	}
	p = again.post("/admin/login/two-factor", url.Values{"pending_token": {pending[1]}, "next": {"/partner"}, "recovery_code": {recovery[1]}})
	if p.Status != http.StatusSeeOther || p.Location != "/partner" {
		t.Fatalf("second step: got %d to %q, want the portal", p.Status, p.Location)
	}
	if p := again.get("/partner"); p.Status != http.StatusOK {
		t.Fatalf("the portal after two factors: %d", p.Status)
	}
}
