package console_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/notify"
)

const licensesPath = "/admin/billing/licenses"

// mailsTo counts the mails of template queued to address.
func mailsTo(t *testing.T, s *apptest.Server, template, address string) int {
	t.Helper()
	ms, err := s.App.DB.ListMails(context.Background(), notify.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range ms {
		if m.Template == template && m.To == address {
			n++
		}
	}
	return n
}

// confirmLicenses posts 続ける for n licenses and returns the confirmation
// and its quote id.
func (b *browser) confirmLicenses(n string) (*page, string) {
	b.t.Helper()
	p := b.post(licensesPath, url.Values{"licenses": {n}})
	m := quoteID.FindStringSubmatch(p.Body)
	if p.Status != http.StatusOK || m == nil {
		b.t.Fatalf("続ける with %s licenses: %d\n%.3000s", n, p.Status, p.Body)
	}
	return p, m[1]
}

// previewLicenses asks for the adjustment of n licenses as htmx does
// while the count is typed.
func (b *browser) previewLicenses(n string) *page {
	b.t.Helper()
	return b.postWith(licensesPath+"/preview", url.Values{"licenses": {n}}, http.Header{"Sec-Fetch-Site": {"same-origin"}, "HX-Request": {"true"}})
}

// TestLicensesScreen walks the seed's screen over HTTP: 30 → 35 priced
// beside the input, confirmed with the card and paid (the invoice mailed
// to the account's address); 35 → 32 scheduled for the renewal and
// withdrawn; the refusals next to the input, in Japanese and English.
func TestLicensesScreen(t *testing.T) {
	s, ten := start(t)
	paidTenant(t, s, ten, 30)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	admin := "admin@acme.example.com"

	p := b.get(licensesPath)
	wantIn(t, "ライセンスの管理", p.Body, "<title>ライセンスの管理", `href="/admin/billing/licenses" aria-current="page"`, `id="current-licenses">30<`,
		`id="billable">1人`, `href="/admin/members?status=billable"`, `name="licenses" type="number"`, `hx-post="/admin/billing/licenses/preview"`,
		`id="licenses-continue">続ける`, "変更内容と調整額")
	if strings.Contains(p.Body, `href="/admin/billing" aria-current`) {
		t.Error("商品の契約/変更 is marked as the current page too")
	}

	// The adjustment beside the input (htmx): 5 licenses for the whole
	// term, 5 × ¥450 × 12 = ¥27,000, tax ¥2,700.
	p = b.previewLicenses("35")
	if p.Status != http.StatusOK || strings.Contains(p.Body, "<html") {
		t.Fatalf("preview: %d, or a whole page\n%.2000s", p.Status, p.Body)
	}
	wantIn(t, "the preview", p.Body, "<mark>30 → 35</mark>", "(&#43;5)", "スタンダード 年額契約(一括) 5ライセンス", "¥27,000", "消費税(10%対象 ¥27,000)",
		`id="adjustment-total"><strong>¥29,700`, "調整額(お支払い)", "上記の調整額を今回お支払いいただきます", `id="licenses-refusal" hx-swap-oob="true"`,
		`<small class="basis">¥450/月 × 12か月 × 5 × `)

	p, q := b.confirmLicenses("35")
	wantIn(t, "変更内容の確認", p.Body, "<title>変更内容の確認", "<mark>30 → 35</mark>", "Visa •••• 4242 (既定の決済方法)", "¥29,700",
		`id="licenses-apply">決済する`, `href="/admin/billing/licenses?licenses=35"`)
	p = b.post(licensesPath+"/apply", url.Values{"quote_id": {q}, "licenses": {"35"}})
	if p.Status != http.StatusSeeOther || p.Location != licensesPath+"?flash=licenses_invoiced" {
		t.Fatalf("決済する: %d → %q\n%.2000s", p.Status, p.Location, p.Body)
	}
	p = b.follow(p)
	wantIn(t, "after 30 → 35", p.Body, "ライセンス数を変更しました。請求書をアカウントのメールアドレス宛てにお送りしました。", `id="current-licenses">35<`)
	invs, err := s.App.Services.Billing.Invoices(asMember(t, s, ten.AdminToken), ten.ID, billing.InvoiceFilter{})
	if err != nil || len(invs) != 2 || invs[0].Total != 29700 || invs[0].Status != billing.InvoicePaid {
		t.Fatalf("invoices after 30 → 35: %v %+v; want a second one, ¥29,700 paid", err, invs)
	}
	if n := mailsTo(t, s, "invoice_issued", admin); n != 2 {
		t.Errorf("%d invoice mails to %s; want 2 (the upgrade and 30 → 35)", n, admin)
	}
	// 戻る keeps the count asked for, which htmx prices again on load.
	wantIn(t, "back from the confirmation", b.get(licensesPath+"?licenses=40").Body, `value="40"`, `delay:400ms, load"`)
	// Applying the same quote again changes nothing.
	if again := b.post(licensesPath+"/apply", url.Values{"quote_id": {q}, "licenses": {"35"}}); again.Status != http.StatusSeeOther {
		t.Errorf("apply again: %d", again.Status)
	}

	// 35 → 32 waits for the renewal: nothing billed, then withdrawn.
	p, q = b.confirmLicenses("32")
	wantIn(t, "35 → 32", p.Body, "<mark>35 → 32</mark>", "(-3)", "更新日の", "それまでは 35 ライセンスのままご利用いただけます", `id="licenses-apply">変更を確定する`)
	p = b.follow(b.post(licensesPath+"/apply", url.Values{"quote_id": {q}, "licenses": {"32"}}))
	wantIn(t, "scheduled", p.Body, "ライセンス数の変更を予約しました", `id="current-licenses">35<`, "ライセンス数を 35 から 32 に変更する予定です", `id="withdraw-change"`)
	p = b.previewLicenses("36")
	wantIn(t, "a change over the scheduled one", p.Body, "<mark>35 → 36</mark>", "予定している 32 ライセンスへの変更は、この変更に置き換わります。")
	p = b.post(licensesPath+"/withdraw", nil)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d\n%.2000s", p.Status, p.Body)
	}
	p = b.follow(p)
	wantIn(t, "withdrawn", p.Body, "予定していたライセンス数の変更を取り消しました。", `id="current-licenses">35<`)
	if strings.Contains(p.Body, `id="scheduled"`) {
		t.Error("the withdrawn change is still shown")
	}
	if p := b.post(licensesPath+"/withdraw", nil); p.Status != http.StatusConflict && p.Status != http.StatusPreconditionFailed {
		t.Errorf("withdraw with nothing scheduled: %d", p.Status)
	}
	if n := len(mustInvoices(t, s, ten)); n != 2 {
		t.Errorf("%d invoices after the scheduled reduction; want still 2", n)
	}

	refusals(t, s, ten, b)
}

func mustInvoices(t *testing.T, s *apptest.Server, ten *apptest.Tenant) []*billing.Invoice {
	t.Helper()
	invs, err := s.App.Services.Billing.Invoices(asMember(t, s, ten.AdminToken), ten.ID, billing.InvoiceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return invs
}

// refusals: a count below the billable members is refused next to the
// input with a link to them, in the page's language.
func refusals(t *testing.T, s *apptest.Server, ten *apptest.Tenant, b *browser) {
	t.Helper()
	for _, name := range []string{"hanako", "jiro", "saburo"} {
		s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/members", Token: ten.AdminToken,
			Body: map[string]any{"login_id": name, "display_name": name}})
	}
	p := b.post(licensesPath, url.Values{"licenses": {"2"}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Errorf("2 licenses for 4 billable members: %d, want 422", p.Status)
	}
	wantIn(t, "below the billable members", p.Body, `id="f-licenses-error" role="alert">ライセンス数(2)が利用メンバー数(4人)より少なくなっています`,
		`id="below-billable-link"`, `aria-invalid="true"`)
	list := b.get("/admin/members?status=billable")
	wantIn(t, "the billable members", list.Body, "hanako@", "saburo@", `value="billable" selected`)
	p = b.post(licensesPath, url.Values{"licenses": {"0"}})
	wantIn(t, "0 licenses", p.Body, `id="f-licenses-error"`, "ライセンス数を4以上")

	b.setLang("en")
	p = b.get(licensesPath)
	wantIn(t, "in English", p.Body, "<title>Licenses", "Change the license count", "New license count", "Continue", "Renews on")
	p = b.post(licensesPath, url.Values{"licenses": {"2"}})
	wantIn(t, "the refusal in English", p.Body, "2 licenses are fewer than your 4 billable members", "See the billable members")
	p = b.previewLicenses("40")
	wantIn(t, "the preview in English", p.Body, "<mark>35 → 40</mark>", "Standard annual, paid up front 5 licenses", "Adjustment (charge)")
	b.setLang("ja")
}

// TestLicensesPermission: licenses.manage alone opens the screen and
// changes the count (the seed's 組織管理者); without it the screen and its
// forms are refused and the menu does not offer it.
func TestLicensesPermission(t *testing.T) {
	s, ten := start(t)
	paidTenant(t, s, ten, 30)
	role := func(name string, perms ...string) string {
		var r struct{ ID string }
		s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/roles", Token: ten.AdminToken,
			Body: map[string]any{"name": name, "permissions": perms}}).Decode(t, &r)
		return r.ID
	}
	for login, roleID := range map[string]string{"lic": role("licenses", "licenses.manage"), "mem": role("members", "members.manage")} {
		s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/members", Token: ten.AdminToken,
			Body: map[string]any{"login_id": login, "display_name": login, "password": login + "-password-1", "role_ids": []string{roleID}}})
	}
	lic := newBrowser(t, s)
	lic.signIn("lic@"+ten.Domain, "lic-password-1")
	home := lic.get("/admin").Body
	if !strings.Contains(home, `href="/admin/billing/licenses"`) || strings.Contains(home, `href="/admin/billing"`) {
		t.Error("the menu of licenses.manage should offer ライセンスの管理 and no other billing screen")
	}
	p := lic.get(licensesPath)
	wantIn(t, "licenses.manage's screen", p.Body, `id="current-licenses">30<`, `id="licenses-form"`)
	if strings.Contains(p.Body, `id="billable-link"`) {
		t.Error("the billable members' link is offered to a member who may not open the list")
	}
	_, q := lic.confirmLicenses("31")
	if p := lic.post(licensesPath+"/apply", url.Values{"quote_id": {q}, "licenses": {"31"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("licenses.manage applies 30 → 31: %d\n%.2000s", p.Status, p.Body)
	}
	if p := lic.get("/admin/billing"); p.Status != http.StatusForbidden {
		t.Errorf("商品の契約/変更 for licenses.manage: %d, want 403", p.Status)
	}

	mem := newBrowser(t, s)
	mem.signIn("mem@"+ten.Domain, "mem-password-1")
	if strings.Contains(mem.get("/admin").Body, licensesPath) {
		t.Error("the menu offers ライセンスの管理 without licenses.manage")
	}
	if p := mem.get(licensesPath); p.Status != http.StatusForbidden {
		t.Errorf("GET without licenses.manage: %d, want 403", p.Status)
	}
	for _, path := range []string{licensesPath, licensesPath + "/preview", licensesPath + "/apply", licensesPath + "/withdraw"} {
		if p := mem.post(path, url.Values{"licenses": {"40"}, "quote_id": {q}}); p.Status != http.StatusForbidden {
			t.Errorf("POST %s without licenses.manage: %d, want 403", path, p.Status)
		}
	}
	sub, err := s.App.Services.Billing.Subscription(asMember(t, s, ten.AdminToken), ten.ID)
	if err != nil || sub.Licenses != 31 {
		t.Errorf("licenses after the refusals: %v %d, want 31", err, sub.Licenses)
	}
}

// TestLicensesStates: the screen says why there is no count to change —
// the free plan, a monthly contract, a plan priced for all employees —
// and shows a tenant paying by invoice how to change it instead.
func TestLicensesStates(t *testing.T) {
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	wantIn(t, "free", b.get(licensesPath).Body, `id="licenses-none">フリープランにはライセンスがありません`, `href="/admin/billing/upgrade"`)
	s.PayMonthly(ten)
	p := b.get(licensesPath)
	wantIn(t, "monthly", p.Body, `id="licenses-none">月額契約はライセンス数ではなく`)
	if strings.Contains(p.Body, `id="licenses-form"`) {
		t.Error("a monthly contract offers a license count")
	}

	// Invoice payment: contact sales, or switch to a card.
	other := s.Signup("other")
	ctx := auth.System(context.Background(), "test")
	if _, err := s.App.Services.Sessions.CreateOperator(ctx, "op@kanri.example", "Op", "operator-password-1"); err != nil {
		t.Fatal(err)
	}
	svc, mctx := s.App.Services.Billing, asMember(t, s, other.AdminToken)
	pm, err := svc.RequestInvoicePayment(mctx, other.ID)
	if err != nil {
		t.Fatal(err)
	}
	ops := newBrowser(t, s)
	ops.signInOperator("op@kanri.example", "operator-password-1")
	ops.post("/ops/tenants/"+other.ID+"/payment-methods/"+pm.ID+"/approve", nil)
	q, err := svc.Quote(mctx, other.ID, billing.QuoteInput{Terms: billing.Terms{Plan: "standard", Contract: billing.Annual, Licenses: 5}})
	if err == nil {
		_, err = svc.Apply(mctx, other.ID, q.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	ob := newBrowser(t, s)
	ob.signIn("admin@"+other.Domain, apptest.Password)
	p = ob.get(licensesPath)
	wantIn(t, "invoice payment", p.Body, `id="licenses-invoice"`, "営業担当にご連絡いただくか、クレジットカードでのお支払いに切り替えてください", `href="/admin/billing/payment-methods" id="licenses-methods"`)
	if strings.Contains(p.Body, `id="licenses-form"`) {
		t.Error("a tenant paying by invoice is offered the count")
	}
	if p := ob.post(licensesPath, url.Values{"licenses": {"6"}}); p.Status < 400 || !strings.Contains(p.Body, "営業担当") {
		t.Errorf("続ける by an invoice payer: %d\n%.1000s", p.Status, p.Body)
	}
}

// startStandard runs a Kanri whose catalog's standard plan says to (e.g.
// `"mode": "all_employees"`) where the default catalog says from, with
// tenant acme signed up.
func startStandard(t *testing.T, from, to string) (*apptest.Server, *apptest.Tenant) {
	t.Helper()
	raw, err := os.ReadFile("../billing/catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	standard := strings.Index(string(raw), `"id": "standard"`)
	at := strings.Index(string(raw)[standard:], from)
	if standard < 0 || at < 0 {
		t.Fatalf("the catalog's standard plan has no %s", from)
	}
	at += standard
	file := filepath.Join(t.TempDir(), "catalog.json")
	if err := os.WriteFile(file, []byte(string(raw[:at])+to+string(raw[at+len(from):])), 0o600); err != nil {
		t.Fatal(err)
	}
	s := apptest.Start(t, filepath.Join(t.TempDir(), "kanri.db"), func(c *app.Config) { c.Billing.CatalogFile = file })
	return s, s.Signup("acme")
}

// TestLicensesAllEmployees: on a plan priced for all employees the screen
// explains that the count follows the members, with no input.
func TestLicensesAllEmployees(t *testing.T) {
	s, ten := startStandard(t, `"mode": "flexible"`, `"mode": "all_employees"`)
	if s.App.Services.Billing.Plans().Plan("standard").Mode != billing.PricingAllEmployees {
		t.Fatal("the test catalog does not price standard for all employees")
	}
	paidTenant(t, s, ten, 1)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	p := b.get(licensesPath)
	wantIn(t, "all employees", p.Body, `id="licenses-follow">スタンダードは全従業員向けの料金です`, `id="current-licenses">1<`)
	if strings.Contains(p.Body, `id="licenses-form"`) {
		t.Error("all_employees offers a license count")
	}
}

// TestLicensesCredit: on a plan whose reductions are credited at once,
// 30 → 28 shows the credit for the unused time, and 変更を確定する issues
// the credit note, refunded to the card and mailed to the account's
// address.
func TestLicensesCredit(t *testing.T) {
	s, ten := startStandard(t, `"reduction": "at_renewal"`, `"reduction": "immediate_credit"`)
	paidTenant(t, s, ten, 30)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	// 2 licenses for the whole term: 2 × ¥450 × 12 = ¥10,800, tax ¥1,080.
	p, q := b.confirmLicenses("28")
	wantIn(t, "30 → 28", p.Body, "<mark>30 → 28</mark>", "(-2)", "スタンダード 年額契約(一括) 2ライセンス (未使用分の返金)", "-¥10,800",
		"調整額(返金)", `id="adjustment-total"><strong>-¥11,880`, "返還インボイスで返金します", `id="licenses-apply">変更を確定する`,
		`<small class="basis">¥450/月 × 12か月 × -2 × `)
	p = b.post(licensesPath+"/apply", url.Values{"quote_id": {q}, "licenses": {"28"}})
	if p.Location != licensesPath+"?flash=licenses_credited" {
		t.Fatalf("変更を確定する: %d → %q\n%.2000s", p.Status, p.Location, p.Body)
	}
	wantIn(t, "credited", b.follow(p).Body, "返還インボイスをアカウントのメールアドレス宛てにお送りしました", `id="current-licenses">28<`)
	invs := mustInvoices(t, s, ten)
	if len(invs) != 2 || invs[0].Kind != billing.KindCreditNote || invs[0].Total != -11880 || invs[0].Status != billing.InvoiceRefunded {
		t.Fatalf("after 30 → 28: %+v; want a credit note of -¥11,880, refunded", invs[0])
	}
	if n := mailsTo(t, s, "invoice_issued", "admin@acme.example.com"); n != 2 {
		t.Errorf("%d invoice mails; want 2 (the invoice and the credit note)", n)
	}
}
