package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
)

// signInPartner signs a partner user in through /partner/login.
func signInPartner(t *testing.T, b *browser, email string) {
	t.Helper()
	p := b.post("/partner/login", url.Values{"email": {email}, "password": {portalPassword}})
	if p.Status != http.StatusSeeOther || p.Location != "/partner" {
		t.Fatalf("partner sign in %s: %d %s\n%.2000s", email, p.Status, p.Location, p.Body)
	}
}

// issuePartnerCode issues a partner code for ten as its super admin does.
func issuePartnerCode(t *testing.T, s *apptest.Server, ten *apptest.Tenant) string {
	t.Helper()
	var code struct{ Code string }
	res := s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/partner-codes", Token: ten.AdminToken})
	if res.Status != http.StatusCreated {
		t.Fatalf("issue a partner code: %d %s", res.Status, res.Body)
	}
	res.Decode(t, &code)
	return code.Code
}

// startPortal runs a Kanri with tenant "acme", an operator (signed in on
// the returned ops browser) and partner "ABC 株式会社" with a user whose
// language is lang, signed in on the returned portal browser.
func startPortal(t *testing.T, lang string) (*apptest.Server, *apptest.Tenant, *browser, *browser) {
	t.Helper()
	s, ten, ops := startOps(t)
	partnerByForms(t, ops, "ABC 株式会社", "sales@abc.example.jp", lang)
	b := newBrowser(t, s)
	signInPartner(t, b, "sales@abc.example.jp")
	return s, ten, ops, b
}

// TestPartnerPortalSignIn: the sign-in form refuses a wrong password in
// the reader's language, signs a partner user in to /partner, and signs
// out back to the form.
func TestPartnerPortalSignIn(t *testing.T) {
	s, _, _, _ := startPortal(t, "ja")
	b := newBrowser(t, s)
	for _, c := range []struct{ lang, want string }{
		{"ja", "ログインIDまたはパスワードが正しくありません。"},
		{"en", "the login id or the password is wrong"},
	} {
		b.setLang(c.lang)
		wantOneLanguage(t, "/partner/login", c.lang, b.get("/partner/login").Body, "sales@abc.example.jp")
		p := b.post("/partner/login", url.Values{"email": {"sales@abc.example.jp"}, "password": {"wrong-password-1"}})
		if p.Status != http.StatusUnauthorized {
			t.Errorf("wrong password (%s): %d, want 401", c.lang, p.Status)
		}
		wantIn(t, "refused sign-in ("+c.lang+")", p.Body, c.want, `value="sales@abc.example.jp"`)
	}
	b.setLang("ja")
	p := b.post("/partner/login", url.Values{"email": {"SALES@abc.example.jp"}, "password": {portalPassword}, "next": {"/partner?x=1"}})
	if p.Status != http.StatusSeeOther || p.Location != "/partner?x=1" {
		t.Fatalf("sign in: %d %s, want 303 to the next page", p.Status, p.Location)
	}
	wantIn(t, "portal", b.get("/partner").Body, `<span>パートナーポータル</span>`, `<span class="who">sales@abc.example.jp</span>`,
		`action="/partner/logout"`, `href="/partner"`)
	if p := b.post("/partner/logout", url.Values{}); p.Status != http.StatusSeeOther || p.Location != "/partner/login?flash=signed_out" {
		t.Fatalf("sign out: %d %s", p.Status, p.Location)
	}
	if p := b.get("/partner"); p.Status != http.StatusSeeOther || p.Location != "/partner/login?next=%2Fpartner" {
		t.Errorf("the portal after signing out: %d %s, want the sign-in page", p.Status, p.Location)
	}
}

// TestPartnerPortalAreas: each kind of user stays in its own area: a
// partner user is sent to the sign-in page of the admin and operator
// consoles, and a member, an operator and a visitor to the portal's.
func TestPartnerPortalAreas(t *testing.T) {
	s, ten, ops, partnerUser := startPortal(t, "ja")
	member := newBrowser(t, s)
	member.signIn("admin@"+ten.Domain, apptest.Password)
	for _, c := range []struct {
		who  string
		b    *browser
		path string
		to   string
	}{
		{"partner user", partnerUser, "/admin", "/admin/login"},
		{"partner user", partnerUser, "/admin/members", "/admin/login"},
		{"partner user", partnerUser, "/ops", "/ops/login"},
		{"partner user", partnerUser, "/ops/partners", "/ops/login"},
		{"member", member, "/partner", "/partner/login"},
		{"operator", ops, "/partner", "/partner/login"},
		{"visitor", newBrowser(t, s), "/partner", "/partner/login"},
	} {
		p := c.b.get(c.path)
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, c.to+"?next=") {
			t.Errorf("%s GET %s: %d %s, want the way to %s", c.who, c.path, p.Status, p.Location, c.to)
		}
	}
	if p := member.post("/partner/codes", url.Values{"code": {"ERV0000000000000000"}}); p.Status != http.StatusSeeOther || p.Location != "/partner/login" {
		t.Errorf("a member authenticating a code: %d %s, want the portal's sign-in page", p.Status, p.Location)
	}
	if p := partnerUser.post("/ops/partners", url.Values{"name": {"X"}}); p.Status != http.StatusSeeOther || p.Location != "/ops/login" {
		t.Errorf("a partner user adding a partner: %d %s, want the operators' sign-in page", p.Status, p.Location)
	}
}

// TestPartnerPortalAuthenticate: a partner user authenticates a customer's
// code through the form, as typed (lower case, spaces): the notice names
// the company and says the customer must approve, and the request waits
// for approval; a malformed or used code is refused next to the field.
// Once the customer approves, the request is switched and the customer is
// listed with its plan (the free one) and status.
func TestPartnerPortalAuthenticate(t *testing.T) {
	s, ten, _, b := startPortal(t, "ja")
	code := issuePartnerCode(t, s, ten)
	wantIn(t, "empty portal", b.get("/partner").Body, "認証したパートナーコードはまだありません。", "パートナー経由で契約している顧客はまだありません。",
		`placeholder="ERVXXXXXXXXXXXXPQLZ"`)

	p := b.post("/partner/codes", url.Values{"code": {"ERV123"}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("malformed code: %d, want 422", p.Status)
	}
	wantIn(t, "malformed code", p.Body, `id="f-code-error"`, "パートナーコードは ERV で始まる19文字の英数字です", `value="ERV123"`)

	typed := strings.ToLower(code[:10]) + " " + code[10:]
	p = b.post("/partner/codes", url.Values{"code": {typed}})
	if p.Status != http.StatusSeeOther || p.Location != "/partner?authenticated="+ten.ID {
		t.Fatalf("authenticate: %d %s\n%.2000s", p.Status, p.Location, p.Body)
	}
	p = b.follow(p)
	wantIn(t, "authenticated", p.Body, `id="authenticated"`, "acme Inc.(acme)のパートナーコードを認証しました。", "承認を依頼してください",
		`<td>acme Inc.</td>`, "承認待ち", " JST</time>")
	if strings.Contains(b.get("/partner?authenticated=ten_other").Body, `id="authenticated"`) {
		t.Errorf("a crafted link shows the notice")
	}

	p = b.post("/partner/codes", url.Values{"code": {code}})
	wantIn(t, "used code", p.Body, `id="f-code-error"`, "このパートナーコードはすでに認証済みのため、再利用できません。")

	res := s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/partner-codes/" + code + "/approve", Token: ten.AdminToken,
		Body: map[string]any{"phone": "03-1234-5678", "admin_email": "it@acme.example.com"}})
	if res.Status != http.StatusOK {
		t.Fatalf("approve: %d %s", res.Status, res.Body)
	}
	p = b.get("/partner")
	wantIn(t, "switched", p.Body, "切り替え完了", `id="customers"`, "<td>フリー</td>", ten.Domain, `<span class="badge active">利用中</span>`)
	// A customer on the free plan shows its plan and status like others.
	p = b.get("/partner/customers/" + ten.ID)
	wantIn(t, "free customer", p.Body, `<dd id="customer-plan">フリー</dd>`, `<dd id="customer-contract-kind">—</dd>`,
		`<dd><span class="badge active">利用中</span></dd>`)
	b.setLang("en")
	wantIn(t, "switched (en)", b.get("/partner").Body, "Switched", "<td>Free</td>")
}

// TestPartnerPortalBothLanguages renders the portal in Japanese and
// English, with a request and a customer on it: headings, labels and
// column names are in the page's language only; without a chosen
// language, the page follows the partner user's.
func TestPartnerPortalBothLanguages(t *testing.T) {
	s, ten, _, b := startPortal(t, "en")
	if p := b.get("/partner"); !strings.Contains(p.Body, `<html lang="en">`) {
		t.Errorf("a partner user whose language is English sees the portal in another one")
	}
	code := issuePartnerCode(t, s, ten)
	if p := b.post("/partner/codes", url.Values{"code": {code}}); p.Status != http.StatusSeeOther {
		t.Fatalf("authenticate: %d", p.Status)
	}
	for _, lang := range []string{"ja", "en"} {
		b.setLang(lang)
		p := b.get("/partner?authenticated=" + ten.ID)
		if p.Status != http.StatusOK {
			t.Fatalf("/partner (%s): %d", lang, p.Status)
		}
		wantOneLanguage(t, "/partner", lang, p.Body, "sales@abc.example.jp")
	}
}
