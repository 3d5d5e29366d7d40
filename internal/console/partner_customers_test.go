package console_test

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/clock"
)

// switchTo makes ten a customer of the partner signed in on portal: its
// super admin issues a code, the portal's form authenticates it, and the
// super admin approves it through the API.
func switchTo(t *testing.T, s *apptest.Server, portal *browser, ten *apptest.Tenant) {
	t.Helper()
	code := issuePartnerCode(t, s, ten)
	if p := portal.post("/partner/codes", url.Values{"code": {code}}); p.Status != http.StatusSeeOther {
		t.Fatalf("authenticate the code of %s: %d\n%.2000s", ten.ID, p.Status, p.Body)
	}
	res := s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/partner-codes/" + code + "/approve", Token: ten.AdminToken,
		Body: map[string]any{"phone": "03-1234-5678", "admin_email": "it@" + ten.Domain}})
	if res.Status != http.StatusOK {
		t.Fatalf("approve the code of %s: %d %s", ten.ID, res.Status, res.Body)
	}
}

// moveTo sets the test clock to 10:00 JST on the day.
func moveTo(s *apptest.Server, y int, m time.Month, d int) {
	s.App.Clock.(*clock.Adjustable).Set(time.Date(y, m, d, 10, 0, 0, 0, time.FixedZone("JST", 9*3600)))
}

// customerFixture is a partner's customer on a test clock.
type customerFixture struct {
	s         *apptest.Server
	ten       *apptest.Tenant
	ops       *browser // an operator
	portal    *browser // partner ABC's user
	partnerID string
}

// startCustomer runs a Kanri on a test clock where tenant "acme", on the
// standard plan's annual contract of 10 licenses from 2027-03-01, switches
// on 2027-03-14 to partner "ABC 株式会社" (20 % off the catalog). The
// clock is then moved to 2027-04-11 and everyone signed in again.
func startCustomer(t *testing.T) *customerFixture {
	t.Helper()
	s := apptest.Start(t, filepath.Join(t.TempDir(), "kanri.db"), func(c *app.Config) { c.TestClock = true })
	moveTo(s, 2027, 3, 1)
	f := &customerFixture{s: s, ten: s.Signup("acme"), ops: newBrowser(t, s), portal: newBrowser(t, s)}
	paidTenant(t, s, f.ten, 10)
	moveTo(s, 2027, 3, 14)
	if _, err := s.App.Services.Sessions.CreateOperator(auth.System(context.Background(), "test"), opsEmail, "Ops", opsPassword); err != nil {
		t.Fatal(err)
	}
	f.signIn(t)
	f.partnerID = partnerByForms(t, f.ops, "ABC 株式会社", "sales@abc.example.jp", "ja")
	signInPartner(t, f.portal, "sales@abc.example.jp")
	switchTo(t, s, f.portal, f.ten)
	moveTo(s, 2027, 4, 11)
	f.signIn(t)
	signInPartner(t, f.portal, "sales@abc.example.jp")
	return f
}

// signIn signs the tenant's super admin and the operator in again: the
// clock moved past their sessions.
func (f *customerFixture) signIn(t *testing.T) {
	t.Helper()
	f.ten.AdminToken = f.s.Login("admin@"+f.ten.Domain, apptest.Password)
	f.ops.signInOperator(opsEmail, opsPassword)
}

// halfUp is a×n/d rounded half up, the statements' rule, computed apart
// from the billing package.
func halfUp(a, n, d int64) int64 { return (a*n*2 + d) / (2 * d) }

// askedQuote is the quote on a confirmation page.
var askedQuote = regexp.MustCompile(`name="quote_id" value="([^"]+)"`)

// confirmAndApply posts form to the customer's form path, wants the
// confirmation with wants on it, and applies it; it returns the page the
// apply redirects to.
func confirmAndApply(t *testing.T, b *browser, customer, path string, form url.Values, wants ...string) *page {
	t.Helper()
	p := b.post("/partner/customers/"+customer+path, form)
	if p.Status != http.StatusOK {
		t.Fatalf("POST %s: %d, want the confirmation\n%.3000s", path, p.Status, p.Body)
	}
	wantIn(t, "confirmation", p.Body, append(wants, "変更内容の確認", "お客様への請求はなく、卸売明細に計上されます。")...)
	m := askedQuote.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no quote on the confirmation:\n%s", p.Body)
	}
	apply := url.Values{"quote_id": {m[1]}}
	for _, name := range []string{"change", "plan", "contract", "licenses", "mail_domain"} {
		if v := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(p.Body); v != nil {
			apply.Set(name, v[1])
		}
	}
	return b.post("/partner/customers/"+customer+"/apply", apply)
}

// TestPartnerCustomerLicenses: on 2027-04-11 the partner opens its
// customer from the portal's list and changes its licenses through the
// forms: refusals next to the field, in Japanese and English, then
// 10 → １５ (full-width) confirmed and applied at once with nothing
// invoiced to the customer, then 15 → 12 scheduled for the renewal.
func TestPartnerCustomerLicenses(t *testing.T) {
	t.Parallel()
	f := startCustomer(t)
	b, id := f.portal, f.ten.ID
	wantIn(t, "portal home", b.get("/partner").Body, `<a href="/partner/customers/`+id+`">acme Inc.</a>`)
	p := b.get("/partner/customers/" + id)
	wantIn(t, "customer page", p.Body, "<h1>acme Inc.</h1>", `id="customer-licenses">10</dd>`, `id="customer-billable">1</dd>`,
		"スタンダード", "年額契約", "ライセンス数の変更", `action="/partner/customers/`+id+`/licenses"`)
	wantOneLanguage(t, "customer page", "ja", p.Body, "acme Inc.", "acme", id)
	b.setLang("en")
	wantOneLanguage(t, "customer page", "en", b.get("/partner/customers/"+id).Body, "acme Inc.", "acme", id)

	for _, login := range []string{"hanako", "jiro"} {
		res := f.s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + id + "/members", Token: f.ten.AdminToken,
			Body: map[string]any{"login_id": login, "display_name": login, "password": login + "-password-1"}})
		if res.Status != http.StatusCreated {
			t.Fatalf("add member %s: %d %s", login, res.Status, res.Body)
		}
	}
	for _, c := range []struct {
		name, lang, licenses string
		status               int
		want                 string
	}{
		{"below billable", "ja", "2", http.StatusUnprocessableEntity, "ライセンス数(2)が利用メンバー数(3人)より少なくなっています"},
		{"below billable", "en", "2", http.StatusUnprocessableEntity, "2 licenses are fewer than your 3 billable members"},
		{"the same count", "ja", "10", http.StatusUnprocessableEntity, "現在の契約内容と同じです。"},
		{"the same count", "en", "10", http.StatusUnprocessableEntity, "this is the current contract already"},
	} {
		b.setLang(c.lang)
		p := b.post("/partner/customers/"+id+"/licenses", url.Values{"licenses": {c.licenses}})
		if p.Status != c.status {
			t.Errorf("%s (%s): %d, want %d", c.name, c.lang, p.Status, c.status)
		}
		wantIn(t, c.name+" ("+c.lang+")", p.Body, `id="f-licenses-error"`, c.want, `value="`+c.licenses+`"`, `aria-invalid="true"`)
	}

	b.setLang("ja")
	p = b.follow(confirmAndApply(t, b, id, "/licenses", url.Values{"licenses": {"１５"}},
		`<mark>10 → 15</mark>`, `id="quote-effective">2027/04/11</dd>`, "2027/04/11 から適用されます"))
	wantIn(t, "applied", p.Body, "お客様の契約を変更しました。", `id="customer-licenses">15</dd>`)
	sub, err := f.s.App.Services.Billing.Subscription(asMember(t, f.s, f.ten.AdminToken), id)
	if err != nil || sub.Licenses != 15 {
		t.Fatalf("the customer's subscription: %+v %v, want 15 licenses", sub, err)
	}

	p = confirmAndApply(t, b, id, "/licenses", url.Values{"licenses": {"12"}}, `<mark>15 → 12</mark>`, "契約の更新日(2028/03/01)から適用されます")
	if p.Status != http.StatusSeeOther || p.Location != "/partner/customers/"+id+"?flash=partner_customer_scheduled" {
		t.Fatalf("the reduction: %d %s, want the customer page with the scheduled notice", p.Status, p.Location)
	}
	wantIn(t, "scheduled", b.follow(p).Body, "お客様の契約の変更を予約しました。", `id="customer-licenses">15</dd>`,
		`id="customer-scheduled">2028/03/01 から スタンダード 年額契約(一括) 12ライセンス</dd>`)
}

// TestPartnerCustomerTerms: a customer on a monthly contract has no
// license form, and a license change posted anyway is refused next to the
// field; the plan and contract form moves it to an annual contract of 5
// licenses at once.
func TestPartnerCustomerTerms(t *testing.T) {
	t.Parallel()
	s, ten, _, portal := startPortal(t, "ja")
	s.PayMonthly(ten)
	switchTo(t, s, portal, ten)
	p := portal.get("/partner/customers/" + ten.ID)
	wantIn(t, "monthly customer", p.Body, `id="customer-monthly"`, "月額契約にはライセンス数がありません。", "プラン・契約形態の変更")
	if strings.Contains(p.Body, `id="f-licenses"`) {
		t.Errorf("a monthly contract shows the license form")
	}
	p = portal.post("/partner/customers/"+ten.ID+"/licenses", url.Values{"licenses": {"5"}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("licenses on a monthly contract: %d, want 422", p.Status)
	}
	wantIn(t, "no licenses", p.Body, `id="f-licenses-error"`, "月額契約とフリープランにはライセンス数がありません")

	p = portal.post("/partner/customers/"+ten.ID+"/terms", url.Values{"plan": {"standard"}, "contract": {"annual"}, "licenses": {"0"}})
	wantIn(t, "no licenses on annual", p.Body, `id="f-term_licenses-error"`, "年額契約ではライセンス数を1以上にしてください。")
	p = portal.follow(confirmAndApply(t, portal, ten.ID, "/terms", url.Values{"plan": {"standard"}, "contract": {"annual"}, "licenses": {"5"}},
		"月額契約 → ", "年額契約", `id="quote-licenses">5</dd>`, "から適用されます"))
	wantIn(t, "annual now", p.Body, "お客様の契約を変更しました。", `id="customer-licenses">5</dd>`, `id="f-licenses"`)
}

// TestPartnerCustomerOtherPartner: another partner's user gets 404 on the
// customer's page and forms, and sees none of its lines on its own
// statement; a tenant that is no one's customer is 404 too.
func TestPartnerCustomerOtherPartner(t *testing.T) {
	t.Parallel()
	f := startCustomer(t)
	partnerByForms(t, f.ops, "XYZ 商事", "sales@xyz.example.jp", "ja")
	other := newBrowser(t, f.s)
	signInPartner(t, other, "sales@xyz.example.jp")
	id := f.ten.ID
	for _, lang := range []string{"ja", "en"} {
		other.setLang(lang)
		p := other.get("/partner/customers/" + id)
		if p.Status != http.StatusNotFound {
			t.Errorf("another partner's customer (%s): %d, want 404", lang, p.Status)
		}
		wantIn(t, "404 ("+lang+")", p.Body, map[string]string{"ja": "テナントが見つかりません。", "en": "tenant not found"}[lang])
	}
	for _, path := range []string{"/licenses", "/terms", "/apply"} {
		form := url.Values{"licenses": {"20"}, "plan": {"standard"}, "contract": {"annual"}, "quote_id": {"quo_x"}}
		if p := other.post("/partner/customers/"+id+path, form); p.Status != http.StatusNotFound {
			t.Errorf("POST %s for another partner's customer: %d, want 404", path, p.Status)
		}
	}
	if p := f.portal.get("/partner/customers/ten_nobody"); p.Status != http.StatusNotFound {
		t.Errorf("a tenant that is no customer: %d, want 404", p.Status)
	}
	p := other.get("/partner/statements/2027-04")
	if p.Status != http.StatusOK || strings.Contains(p.Body, id) || strings.Contains(p.Body, "acme") {
		t.Errorf("another partner's statement shows acme: %d\n%.3000s", p.Status, p.Body)
	}
	wantIn(t, "empty statement", p.Body, `id="statement-none"`)
	if csv := other.get("/partner/statements/2027-04/csv"); csv.Status != http.StatusOK || strings.Contains(csv.Body, id) {
		t.Errorf("another partner's CSV shows acme: %d %q", csv.Status, csv.Body)
	}
}
