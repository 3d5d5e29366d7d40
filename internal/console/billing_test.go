package console_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/session"
)

// asMember is a context acting as the holder of token, for fixtures made
// through the billing service (it has no JSON API yet).
func asMember(t *testing.T, s *apptest.Server, token string) context.Context {
	t.Helper()
	a, err := s.App.Services.Sessions.Authenticate(context.Background(), token, session.Client{IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	return auth.WithActor(context.Background(), a)
}

// paidTenant gives ten a test card and the standard plan on an annual
// contract for n licenses; it returns the card and the invoice.
func paidTenant(t *testing.T, s *apptest.Server, ten *apptest.Tenant, n int) (*billing.PaymentMethod, *billing.Invoice) {
	t.Helper()
	ctx, svc := asMember(t, s, ten.AdminToken), s.App.Services.Billing
	m, err := svc.AddCard(ctx, ten.ID, billing.Card{Number: "4242424242424242", ExpMonth: 12, ExpYear: 2099, CVC: "123"})
	if err != nil {
		t.Fatal(err)
	}
	q, err := svc.Quote(ctx, ten.ID, billing.QuoteInput{Terms: billing.Terms{Plan: "standard", Contract: billing.Annual, Licenses: n}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.Apply(ctx, ten.ID, q.ID)
	if err != nil {
		t.Fatal(err)
	}
	if res.Invoice == nil {
		t.Fatal("an annual upgrade issued no invoice")
	}
	return m, res.Invoice
}

var quoteID = regexp.MustCompile(`name="quote_id" value="([^"]+)"`)

// addCard registers a test card through the console's form.
func (b *browser) addCard(number string) *page {
	b.t.Helper()
	return b.addCardFor(number, "")
}

// addCardFor registers a test card from 決済方法の管理 opened to return
// to ret ("" for none).
func (b *browser) addCardFor(number, ret string) *page {
	b.t.Helper()
	form := url.Values{"card_number": {number}, "exp_month": {"12"}, "exp_year": {"2099"}, "cvc": {"123"}}
	if ret != "" {
		form.Set("return", ret)
	}
	return b.post("/admin/billing/payment-methods/cards", form)
}

// wantRedirect fails the test unless p redirects to want.
func wantRedirect(t *testing.T, what string, p *page, want string) {
	t.Helper()
	if p.Status != http.StatusSeeOther || p.Location != want {
		t.Fatalf("%s: %d to %q, want 303 to %q\n%.2000s", what, p.Status, p.Location, want, p.Body)
	}
}

// upgradeReturn is 決済方法の管理 returning to the wizard's first step
// with query.
func upgradeReturn(query string) string {
	ret := "/admin/billing/upgrade"
	if query != "" {
		ret += "?" + query
	}
	return "/admin/billing/payment-methods?return=" + url.QueryEscape(ret)
}

// TestBillingUpgrade walks the seed's upgrade over HTTP: the free plan's
// 有償プランへ切替 sends an admin without a payment method to 決済方法の管理
// first and back with the terms chosen; スタンダード 年額契約(一括) 10
// licenses → 商品・価格の確認 (¥450 a license a month, ¥59,400) →
// 契約内容の確認 → 追加する → the invoice, its PDF and the contract page.
func TestBillingUpgrade(t *testing.T) {
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)

	p := b.get("/admin/billing")
	wantIn(t, "商品の契約/変更", p.Body, "購入/請求", "フリー", `id="upgrade"`, "有償プランへ切替", `id="billable">1人`, `id="method-first"`)
	wantRedirect(t, "the wizard without a payment method", b.get("/admin/billing/upgrade"), upgradeReturn(""))
	p = b.get(upgradeReturn(""))
	wantIn(t, "sent to 決済方法の管理", p.Body, `id="method-needed"`, "有償プランへ切り替えるには、先に決済方法を登録してください。登録が済むと、契約の変更に戻ります。",
		`name="return" value="/admin/billing/upgrade"`, `id="method-return-link"`)

	terms := url.Values{"step": {"plan"}, "plan": {"standard"}, "contract": {"annual"}, "licenses": {"10"}}
	back := "/admin/billing/upgrade?contract=annual&licenses=10&plan=standard"
	wantRedirect(t, "次へ without a payment method", b.post("/admin/billing/upgrade", terms), upgradeReturn("contract=annual&licenses=10&plan=standard"))
	for _, ret := range []string{"https://evil.example/admin/billing", "//evil.example/admin/billing", "/admin/members", "/admin/billing/../members"} {
		if p := b.get("/admin/billing/payment-methods?return=" + url.QueryEscape(ret)); strings.Contains(p.Body, `name="return"`) || strings.Contains(p.Body, `id="method-return-link"`) {
			t.Errorf("return=%s is kept", ret)
		}
	}

	wantRedirect(t, "add card", b.addCardFor("4242 4242 4242 4242", back), back+"&flash=billing_card_added")
	p = b.get(back + "&flash=billing_card_added")
	wantIn(t, "商品の選択 where it was left", p.Body, "クレジットカードを登録しました。", "スタンダード", "¥540", "¥450", "アドバンスト", "¥1,080", "¥900",
		"1ライセンス/月(税別)", "1メンバー/月(税別)", "年額 ¥5,400/ライセンス(税別)", "年額 ¥10,800/ライセンス(税別)", "消費税(10%)",
		`id="price-monthly-standard"`, `id="price-annual-standard"`, `id="price-annual_monthly-standard"`,
		"選択する", "✓ 選択中", "年額契約(一括)", "年額契約(月払い)", `name="licenses" type="number" value="10"`,
		`id="plan-standard" checked`, `id="contract-annual" checked`)

	p = b.post("/admin/billing/upgrade", url.Values{"step": {"plan"}, "plan": {"standard"}, "contract": {"annual"}, "licenses": {"0"}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Errorf("0 licenses: %d, want 422", p.Status)
	}
	wantIn(t, "0 licenses", p.Body, `id="f-licenses-error"`)

	p = b.post("/admin/billing/upgrade", terms)
	if p.Status != http.StatusOK {
		t.Fatalf("price: %d\n%s", p.Status, p.Body)
	}
	wantIn(t, "商品・価格の確認", p.Body, `aria-current="step">商品・価格の確認`, `id="price-plan">スタンダード`, `id="price-contract">年額契約(一括)`,
		`id="price-licenses">10ライセンス`, `id="price-unit">¥450 1ライセンス/月(税別)`, "¥54,000", "小計", "消費税(10%対象 ¥54,000)", "¥5,400",
		`id="quote-total"><strong>¥59,400`, `<small class="basis">¥450/月 × 12か月 × 10 × 365/365日</small>`, `id="price-next"`,
		`href="/admin/billing/upgrade?contract=annual&amp;licenses=10&amp;plan=standard" class="button secondary" id="price-back"`)
	if strings.Contains(p.Body, "upgrade/apply") {
		t.Error("商品・価格の確認 offers 追加する")
	}
	terms.Set("step", "price")
	p = b.post("/admin/billing/upgrade", terms)
	if p.Status != http.StatusOK {
		t.Fatalf("quote: %d\n%s", p.Status, p.Body)
	}
	wantIn(t, "契約内容の確認", p.Body, `aria-current="step">契約内容の確認`, "スタンダード 年額契約(一括) 10ライセンス", "¥54,000", "小計", "消費税(10%対象 ¥54,000)",
		"¥5,400", `id="quote-total"><strong>¥59,400`, "サービス利用開始日", "•••• 4242", "追加する",
		`<small class="basis">¥450/月 × 12か月 × 10 × 365/365日</small>`,
		`href="/admin/billing/payment-methods?return=%2Fadmin%2Fbilling%2Fupgrade%3Fcontract%3Dannual%26licenses%3D10%26plan%3Dstandard" id="quote-method-change"`)
	m := quoteID.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatal("no quote id on the confirmation")
	}
	terms.Set("quote_id", m[1])
	p = b.post("/admin/billing/upgrade/apply", terms)
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/admin/billing/invoices/") {
		t.Fatalf("apply: %d to %q\n%.2000s", p.Status, p.Location, p.Body)
	}
	invoiceURL := p.Location
	inv := b.follow(p)
	wantIn(t, "the invoice", inv.Body, "KNR-", "¥59,400", "acme Inc. 御中", "登録番号", "契約内容を変更しました", "支払済み", "PDFをダウンロード",
		"¥450/月 × 12か月 × 10 × 365/365日")
	pdf := b.get(p.Location[:strings.Index(p.Location, "?")] + "/pdf")
	if pdf.Status != http.StatusOK || pdf.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.Body, "%PDF") {
		t.Errorf("PDF: %d %s %.10q", pdf.Status, pdf.Header.Get("Content-Type"), pdf.Body)
	}
	// Applying the same quote again changes nothing and lands on the same invoice.
	if again := b.post("/admin/billing/upgrade/apply", terms); again.Location != p.Location {
		t.Errorf("apply again: %d %q, want %q", again.Status, again.Location, p.Location)
	}
	p = b.get("/admin/billing")
	wantIn(t, "the paid contract", p.Body, `id="contract-plan">スタンダード`, "年額契約(一括)", `id="contract-licenses">10`, `id="change"`, `id="cancel"`)
	p = b.get("/admin/billing/invoices")
	wantIn(t, "請求書", p.Body, "KNR-000001", "¥59,400", "支払済み")

	b.setLang("en")
	p = b.get("/admin/billing/upgrade")
	wantIn(t, "the wizard in English", p.Body, "Choose a plan", "Check the plan and price", "per license / month (excl. tax)", "annual, paid up front",
		"¥5,400 per license per year (excl. tax)", "consumption tax (10%)")
	wantIn(t, "the invoice in English", b.get(invoiceURL).Body, "¥450/mo × 12 mo × 10 × 365/365 days")
}

// TestBillingAdvancedDomain: a plan with mail asks for the domain
// (ドメインの設定, the provided one chosen and marked) before the quote.
func TestBillingAdvancedDomain(t *testing.T) {
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	b.addCard("4242424242424242")
	terms := url.Values{"step": {"plan"}, "plan": {"advanced"}, "contract": {"monthly"}}
	p := b.post("/admin/billing/upgrade", terms)
	wantIn(t, "商品・価格の確認", p.Body, `aria-current="step">商品・価格の確認</li><li>ドメインの設定</li><li>契約内容の確認`,
		`id="price-unit">¥1,080 1メンバー/月(税別)`, `id="price-licenses">利用メンバー数に応じて(現在1人)`, "今月のお見積り", `id="price-next"`)
	if strings.Contains(p.Body, `name="mail_domain"`) {
		t.Error("商品・価格の確認 chose the mail domain: ドメインの設定 is the next step's")
	}
	terms.Set("step", "price")
	p = b.post("/admin/billing/upgrade", terms)
	wantIn(t, "ドメインの設定", p.Body, `aria-current="step">ドメインの設定`, `name="mail_domain" value="`+ten.Domain+`" checked`, "ご提供ドメイン")
	terms.Set("step", "domain")
	terms.Set("mail_domain", "not-ours.example")
	p = b.post("/admin/billing/upgrade", terms)
	if p.Status != http.StatusUnprocessableEntity {
		t.Errorf("a foreign mail domain: %d, want 422", p.Status)
	}
	wantIn(t, "a foreign mail domain", p.Body, `id="f-mail_domain-error"`)
	terms.Set("mail_domain", ten.Domain)
	p = b.post("/admin/billing/upgrade", terms)
	wantIn(t, "the monthly confirmation", p.Body, "契約内容の確認", `id="quote-mail">`+ten.Domain, "今月のお見積り", "追加する")
	terms.Set("quote_id", quoteID.FindStringSubmatch(p.Body)[1])
	p = b.post("/admin/billing/upgrade/apply", terms)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("apply monthly: %d\n%.2000s", p.Status, p.Body)
	}
	p = b.follow(p)
	wantIn(t, "after a monthly upgrade", p.Body, "アドバンスト", "月額契約", ten.Domain)
}

// TestBillingStaleQuote: a member who joins after the quote makes it stale;
// 追加する then shows the new price with the seed-style notice.
func TestBillingStaleQuote(t *testing.T) {
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	b.addCard("4242424242424242")
	terms := url.Values{"step": {"price"}, "plan": {"standard"}, "contract": {"annual"}, "licenses": {"10"}}
	p := b.post("/admin/billing/upgrade", terms)
	terms.Set("quote_id", quoteID.FindStringSubmatch(p.Body)[1])
	s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/members", Token: ten.AdminToken,
		Body: map[string]any{"login_id": "hanako", "display_name": "Hanako", "password": "hanako-password-1"}})
	p = b.post("/admin/billing/upgrade/apply", terms)
	if p.Status != http.StatusOK {
		t.Fatalf("stale apply: %d\n%.2000s", p.Status, p.Body)
	}
	wantIn(t, "the stale quote", p.Body, "料金が変わりました。もう一度確認してください。", "追加する")
	if m := quoteID.FindStringSubmatch(p.Body); m == nil || m[1] == terms.Get("quote_id") {
		t.Errorf("no new quote: %v", m)
	}
}

// TestBillingDeclinedCard: a card that registers but whose charges are all
// declined shows the decline on the confirmation, and nothing changes.
func TestBillingDeclinedCard(t *testing.T) {
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	p := b.addCard("4242424242424241")
	if p.Status != http.StatusUnprocessableEntity || strings.Contains(p.Body, "4242424242424241") {
		t.Errorf("a wrong card number: %d (the number must not be echoed)", p.Status)
	}
	wantIn(t, "a wrong card number", p.Body, `id="f-card_number-error"`, "カード番号が正しくありません。番号をご確認ください。")
	p = b.addCard("4000000000000002")
	wantIn(t, "the card refused when saved", p.Body, `id="f-card_number-error"`, "カード会社の確認で利用を断られたため、登録できません")
	b.addCard("4000000000000341")
	terms := url.Values{"step": {"price"}, "plan": {"standard"}, "contract": {"annual"}, "licenses": {"5"}}
	p = b.post("/admin/billing/upgrade", terms)
	terms.Set("quote_id", quoteID.FindStringSubmatch(p.Body)[1])
	p = b.post("/admin/billing/upgrade/apply", terms)
	if p.Status == http.StatusSeeOther {
		t.Fatalf("a declined charge redirected to %s", p.Location)
	}
	wantIn(t, "the declined charge", p.Body, `id="form-error"`, "追加する",
		"カードでの決済が承認されませんでした。別のカードを登録するか、カード会社にお問い合わせください(決済は行われておらず、契約内容も変わっていません)。",
		`href="/admin/billing/payment-methods?return=%2Fadmin%2Fbilling%2Fupgrade%3Fcontract%3Dannual%26licenses%3D5%26plan%3Dstandard" id="declined-method-link"`,
		"決済方法の管理でカードを登録・変更する")
	wantIn(t, "still free", b.get("/admin/billing").Body, `id="contract-plan">フリー`)
}

// TestBillingDeclinedThenAnotherCard: after a declined 追加する, 決済方法の
// 管理 says the default card was declined; a second, good card is offered
// as the default, and making it so returns to the wizard, which upgrades.
func TestBillingDeclinedThenAnotherCard(t *testing.T) {
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	b.addCard("4000000000000341")
	terms := url.Values{"step": {"price"}, "plan": {"standard"}, "contract": {"annual"}, "licenses": {"5"}}
	p := b.post("/admin/billing/upgrade", terms)
	terms.Set("quote_id", quoteID.FindStringSubmatch(p.Body)[1])
	if p = b.post("/admin/billing/upgrade/apply", terms); p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("the declined card: %d, want 422", p.Status)
	}
	back := "/admin/billing/upgrade?contract=annual&licenses=5&plan=standard"
	methods := "/admin/billing/payment-methods?return=" + url.QueryEscape(back)
	ms, _ := s.App.Services.Billing.PaymentMethods(asMember(t, s, ten.AdminToken), ten.ID)
	declined := ms[0].ID
	p = b.get(methods)
	wantIn(t, "the declined default", p.Body, `id="default-trouble"`, "既定の決済方法(Visa •••• 0341)での直近の決済が承認されませんでした。",
		`id="method-trouble-`+declined+`">決済不可`, `id="default-trouble-card"`)
	if strings.Contains(p.Body, `id="method-needed"`) {
		t.Error("a tenant with a usable default is told to register a method")
	}

	wantRedirect(t, "a second card while the default is declined", b.addCardFor("4242424242424242", back), methods+"&flash=billing_card_added")
	ms, _ = s.App.Services.Billing.PaymentMethods(asMember(t, s, ten.AdminToken), ten.ID)
	var good string
	for _, m := range ms {
		if m.ID != declined {
			good = m.ID
		}
	}
	p = b.get(methods + "&flash=billing_card_added")
	wantIn(t, "the good card suggested", p.Body, "クレジットカードを登録しました。", "Visa •••• 4242 を既定にする",
		`id="suggest-default-`+good+`"`, `class="primary" id="method-default-`+good+`"`, `name="return" value="`+html.EscapeString(back)+`"`)

	wantRedirect(t, "make it the default", b.post("/admin/billing/payment-methods/"+good+"/default", url.Values{"return": {back}}), back+"&flash=billing_default_set")
	if p := b.get(methods); strings.Contains(p.Body, `id="default-trouble"`) {
		t.Error("the new default is still said to be declined")
	}
	terms.Del("quote_id")
	p = b.post("/admin/billing/upgrade", terms)
	wantIn(t, "the confirmation with the new default", p.Body, `id="quote-method">Visa •••• 4242`)
	terms.Set("quote_id", quoteID.FindStringSubmatch(p.Body)[1])
	if p = b.post("/admin/billing/upgrade/apply", terms); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/admin/billing/invoices/") {
		t.Fatalf("apply with the new default: %d to %q\n%.2000s", p.Status, p.Location, p.Body)
	}
}

// TestBillingCancel: 解約 shows what happens and schedules the end;
// 解約の取り消し withdraws it. The free plan has nothing to cancel.
func TestBillingCancel(t *testing.T) {
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	if p := b.get("/admin/billing/cancel"); p.Status != http.StatusNotFound {
		t.Errorf("cancel the free plan: %d, want 404", p.Status)
	}
	paidTenant(t, s, ten, 3)
	p := b.get("/admin/billing/cancel")
	wantIn(t, "解約", p.Body, "ログインできなくなります", "30日後", "7年間", `id="cancel-submit"`)
	p = b.post("/admin/billing/cancel", nil)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("cancel: %d\n%s", p.Status, p.Body)
	}
	p = b.follow(p)
	wantIn(t, "canceled", p.Body, "解約を受け付けました", "解約予定です", `id="withdraw"`)
	if strings.Contains(p.Body, `id="change"`) {
		t.Error("a canceled contract still offers a change")
	}
	p = b.post("/admin/billing/withdraw", nil)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", p.Status)
	}
	p = b.follow(p)
	wantIn(t, "withdrawn", p.Body, "解約を取り消しました", `id="cancel"`)
}

// TestBillingPaymentMethods: cards, invoice payment awaiting approval, the
// default, and the refusal to remove a paid contract's only method.
func TestBillingPaymentMethods(t *testing.T) {
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	p := b.get("/admin/billing/payment-methods")
	wantIn(t, "決済方法の管理", p.Body, "決済方法は登録されていません", "4242 4242 4242 4242", `id="invoice-pay-submit"`)
	card, _ := paidTenant(t, s, ten, 2)
	p = b.post("/admin/billing/payment-methods/invoice", nil)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("ask for invoice payment: %d\n%s", p.Status, p.Body)
	}
	p = b.follow(p)
	wantIn(t, "requested", p.Body, "•••• 4242", "12/2099", "(既定)", "請求書払い", "承認待ち", `id="invoice-pay-asked"`)

	p = b.get("/admin/billing/payment-methods/" + card.ID + "/remove")
	wantIn(t, "remove", p.Body, "•••• 4242", `id="method-remove-submit"`)
	p = b.post("/admin/billing/payment-methods/"+card.ID+"/remove", nil)
	if p.Status != http.StatusPreconditionFailed && p.Status != http.StatusBadRequest && p.Status != http.StatusConflict {
		t.Errorf("remove the only usable method: %d", p.Status)
	}
	wantIn(t, "the refusal", p.Body, `id="form-error"`, "有償プランの契約中は、最後の決済方法を削除できません。先にほかの決済方法を登録してください。")

	b.addCard("5555555555554444")
	var second string
	ms, _ := s.App.Services.Billing.PaymentMethods(asMember(t, s, ten.AdminToken), ten.ID)
	for _, m := range ms {
		if m.Kind == billing.MethodCard && m.ID != card.ID {
			second = m.ID
		}
	}
	if second == "" {
		t.Fatal("the second card was not added")
	}
	if p := b.post("/admin/billing/payment-methods/"+second+"/default", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("set default: %d\n%s", p.Status, p.Body)
	}
	if p := b.post("/admin/billing/payment-methods/"+card.ID+"/remove", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("remove with another card: %d\n%s", p.Status, p.Body)
	}
	p = b.get("/admin/billing/payment-methods")
	if strings.Contains(p.Body, card.ID) {
		t.Error("the removed card is still listed")
	}
}

// TestBillingSmartphone: a smartphone's browser gets the seed's notice on
// every billing route, GET and POST, and changes nothing; a tablet and a
// PC get the screens.
func TestBillingSmartphone(t *testing.T) {
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	phones := map[string]string{
		"iPhone":        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
		"Android phone": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36",
		"iPod":          "Mozilla/5.0 (iPod touch; CPU iPhone OS 15_0 like Mac OS X)",
		"Windows Phone": "Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1) Edge/15.0",
	}
	get := func(path, ua string) *page {
		req, _ := http.NewRequest("GET", s.URL+path, nil)
		req.Header.Set("User-Agent", ua)
		return b.do(req)
	}
	for name, ua := range phones {
		for _, path := range []string{"/admin/billing", "/admin/billing/upgrade", "/admin/billing/payment-methods", "/admin/billing/invoices"} {
			p := get(path, ua)
			if p.Status != http.StatusOK || strings.Contains(p.Body, "<form method=\"post\" action=\"/admin/billing") {
				t.Errorf("%s GET %s: %d, or a billing form", name, path, p.Status)
			}
			wantIn(t, name+" "+path, p.Body, "スマートフォンからではアップグレードはできません。パソコン(PC)のブラウザから管理者画面へログインして行ってください。")
		}
		p := b.postWith("/admin/billing/payment-methods/cards", url.Values{"card_number": {"4242424242424242"}, "exp_month": {"1"}, "exp_year": {"2099"}, "cvc": {"123"}},
			http.Header{"Sec-Fetch-Site": {"same-origin"}, "User-Agent": {ua}})
		if p.Status != http.StatusForbidden {
			t.Errorf("%s POST: %d, want 403", name, p.Status)
		}
	}
	if ms, _ := s.App.Services.Billing.PaymentMethods(asMember(t, s, ten.AdminToken), ten.ID); len(ms) != 0 {
		t.Errorf("a smartphone added %d payment methods", len(ms))
	}
	for _, ua := range []string{"Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)", "Mozilla/5.0 (Linux; Android 14; SM-X710) Chrome/120.0 Safari/537.36",
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0"} {
		if p := get("/admin/billing", ua); strings.Contains(p.Body, "smartphone-notice") || p.Status != http.StatusOK {
			t.Errorf("%s: %d, or the smartphone notice", ua, p.Status)
		}
	}
	b.setLang("en")
	wantIn(t, "in English", get("/admin/billing", phones["iPhone"]).Body, "You cannot upgrade from a smartphone.")
}

// TestBillingSuperAdminOnly: an admin who manages the tenant but is not the
// super admin sees no 購入/請求 screen but ライセンスの管理 (licenses.manage)
// and is refused the others' routes.
func TestBillingSuperAdminOnly(t *testing.T) {
	s, ten := start(t)
	res := s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/roles", Token: ten.AdminToken,
		Body: map[string]any{"name": "managers", "permissions": []string{"tenant.manage", "licenses.manage"}}})
	var role struct{ ID string }
	res.Decode(t, &role)
	s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/members", Token: ten.AdminToken,
		Body: map[string]any{"login_id": "kanri", "display_name": "Kanri", "password": "kanri-password-1", "role_ids": []string{role.ID}}})
	b := newBrowser(t, s)
	b.signIn("kanri@"+ten.Domain, "kanri-password-1")
	if p := b.get("/admin"); strings.Count(p.Body, `href="/admin/billing`) != strings.Count(p.Body, `href="/admin/billing/licenses"`) {
		t.Error("the menu offers 購入/請求 beyond ライセンスの管理 to an admin who is not the super admin")
	}
	for _, path := range []string{"/admin/billing", "/admin/billing/upgrade", "/admin/billing/payment-methods", "/admin/billing/invoices"} {
		if p := b.get(path); p.Status != http.StatusForbidden {
			t.Errorf("GET %s: %d, want 403", path, p.Status)
		}
	}
	if p := b.addCard("4242424242424242"); p.Status != http.StatusForbidden {
		t.Errorf("add a card: %d, want 403", p.Status)
	}
}

// TestBillingOps: the operator approves a tenant's invoice payment and
// marks an open invoice paid from the tenant page.
func TestBillingOps(t *testing.T) {
	s, ten := start(t)
	ctx := auth.System(context.Background(), "test")
	if _, err := s.App.Services.Sessions.CreateOperator(ctx, "op@kanri.example", "Op", "operator-password-1"); err != nil {
		t.Fatal(err)
	}
	svc, mctx := s.App.Services.Billing, asMember(t, s, ten.AdminToken)
	pm, err := svc.RequestInvoicePayment(mctx, ten.ID)
	if err != nil {
		t.Fatal(err)
	}
	ops := newBrowser(t, s)
	ops.signInOperator("op@kanri.example", "operator-password-1")
	p := ops.get("/ops/tenants/" + ten.ID)
	wantIn(t, "the tenant page", p.Body, "承認待ちの請求書払い", `id="approve-`+pm.ID+`"`)
	if p := ops.post("/ops/tenants/"+ten.ID+"/payment-methods/"+pm.ID+"/approve", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d\n%s", p.Status, p.Body)
	}
	q, err := svc.Quote(mctx, ten.ID, billing.QuoteInput{Terms: billing.Terms{Plan: "standard", Contract: billing.Annual, Licenses: 2}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.Apply(mctx, ten.ID, q.ID)
	if err != nil || res.Invoice == nil || res.Invoice.Status != billing.InvoiceOpen {
		t.Fatalf("apply by invoice payment: %v %+v", err, res)
	}
	admin := newBrowser(t, s)
	admin.signIn("admin@"+ten.Domain, apptest.Password)
	wantIn(t, "an invoice to transfer for", admin.get("/admin/billing/invoices/"+res.Invoice.ID).Body, "未払い", "お支払期限", "お振込先")

	other := s.Signup("other")
	if p := ops.post("/ops/tenants/"+other.ID+"/invoices/"+res.Invoice.ID+"/paid", nil); p.Status != http.StatusNotFound {
		t.Errorf("mark paid under another tenant: %d, want 404", p.Status)
	}
	p = ops.get("/ops/tenants/" + ten.ID)
	wantIn(t, "open invoices", p.Body, res.Invoice.Number, `id="paid-`+res.Invoice.ID+`"`)
	if p := ops.post("/ops/tenants/"+ten.ID+"/invoices/"+res.Invoice.ID+"/paid", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("mark paid: %d\n%s", p.Status, p.Body)
	}
	wantIn(t, "paid", admin.get("/admin/billing/invoices/"+res.Invoice.ID).Body, `id="invoice-paid"`, "支払済み")
}
