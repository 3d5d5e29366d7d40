package console_test

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/miekg/dns"

	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/dnscheck/dnstest"
	"github.com/kanri/kanri/internal/testcard"
)

// TestBrowserRefusals meets, in Chromium, every refusal issue 13 lists, once
// on Japanese pages (the browser's language) and once on English ones (the
// header's language button): a wrong password, billing for an admin who is
// not the super admin, the license limit, the works-group name rules, the
// CSV import's summary and each line's reason, the upgrade without a
// payment method, a declined card, and a domain check whose DNS server
// refuses or stays silent. Each refusal must say its catalog text in the
// page's language and nothing in the other one.
func TestBrowserRefusals(t *testing.T) {
	t.Parallel()
	dnsServer := dnstest.Start(t)
	s := apptest.Start(t, filepath.Join(t.TempDir(), "kanri.db"), func(c *app.Config) { c.DNSResolver = dnsServer.Addr })
	for _, lang := range []string{"ja", "en"} {
		// Fixtures first: apptest fails the test that started the server.
		free := s.Signup("free-" + lang)
		paid := refusalsPaidTenant(t, s, "paid-"+lang)
		t.Run(lang, func(t *testing.T) {
			t.Parallel()
			r := &refusalTab{tab: newTab(t, s.URL), lang: lang}
			r.open("/admin/login")
			if lang == "en" {
				r.submit("#lang-switch")
			}
			r.signIn("admin@"+free.Domain, "not-the-password-1")
			r.sees("wrong-password", "#form-error", byLang{"ログインIDまたはパスワードが正しくありません", "the login id or the password is wrong"})

			r.signIn("kanri@"+paid.Domain, "kanri-password-1")
			r.superAdminOnly()
			r.licenseLimit()
			r.submit("#sign-out")

			r.signIn("admin@"+free.Domain, apptest.Password)
			r.worksGroup()
			r.csvImport()
			r.noPaymentMethod()
			r.declinedCard()
			r.domainCheck(dnsServer, lang+"-refusals.example")
		})
	}
}

// refusalsPaidTenant signs up works group wg on the standard plan for 10
// licenses, all of them taken: its super admin, kanri@ (an admin with a
// role, not the super admin) and 8 invited members.
func refusalsPaidTenant(t *testing.T, s *apptest.Server, wg string) *apptest.Tenant {
	t.Helper()
	ten := s.Signup(wg)
	path := "/api/v1/tenants/" + ten.ID
	res := s.Do(apptest.Request{Method: "POST", Path: path + "/roles", Token: ten.AdminToken,
		Body: map[string]any{"name": "managers", "permissions": []string{"tenant.manage", "members.manage", "licenses.manage"}}})
	var role struct{ ID string }
	res.Decode(t, &role)
	steps := []apptest.Request{
		{Method: "POST", Path: path + "/members", Token: ten.AdminToken,
			Body: map[string]any{"login_id": "kanri", "display_name": "Kanri", "password": "kanri-password-1", "role_ids": []string{role.ID}}},
		{Method: "POST", Path: path + "/members/import?create_missing=true", Token: ten.AdminToken, Body: apptest.MembersCSV(8)},
	}
	for _, req := range steps {
		if res := s.Do(req); res.Status >= 300 {
			t.Fatalf("%s %s: %d %s", req.Method, req.Path, res.Status, res.Body)
		}
	}
	paidTenant(t, s, ten, 10)
	return ten
}

// byLang is a text in each of the console's languages.
type byLang struct{ ja, en string }

func (b byLang) in(lang string) string {
	if lang == "en" {
		return b.en
	}
	return b.ja
}

var (
	// englishRun is three English words in a row: a sentence left in
	// English on a Japanese page. Names and ids (Bad Id!, acme.example)
	// are not sentences.
	englishRun = regexp.MustCompile(`\b[a-z]+\s+[a-z]+\s+[a-z]+\b`)
	// japaneseChar is kana or kanji: Japanese left on an English page.
	japaneseChar = regexp.MustCompile(`[\p{Hiragana}\p{Katakana}\p{Han}]`)
)

// refusalTab is a tab whose pages are in lang.
type refusalTab struct {
	*tab
	lang string
}

// wantLanguage fails the test unless text is written in lang only.
func wantLanguage(t *testing.T, lang, what, text string) {
	t.Helper()
	switch {
	case lang == "ja" && !japaneseChar.MatchString(text):
		t.Errorf("%s on a Japanese page is not in Japanese: %q", what, text)
	case lang == "ja" && englishRun.MatchString(text):
		t.Errorf("%s on a Japanese page has English %q: %q", what, englishRun.FindString(text), text)
	case lang == "en" && japaneseChar.MatchString(text):
		t.Errorf("%s on an English page has Japanese %q: %q", what, japaneseChar.FindString(text), text)
	}
}

// sees checks that sel shows want in the tab's language, in that
// language only, on a page in that language, and returns its text.
func (r *refusalTab) sees(what, sel string, want byLang) string {
	r.t.Helper()
	got := r.text(sel)
	r.shot(what)
	if !strings.Contains(got, want.in(r.lang)) {
		r.t.Errorf("%s: %s at %s reads %q, want %q", what, sel, r.location(), got, want.in(r.lang))
	}
	wantLanguage(r.t, r.lang, what, got)
	if page, err := chromedp.Run(r.ctx, chromedp.Evaluate[string]("document.documentElement.lang")); err != nil || page != r.lang {
		r.t.Errorf("%s: the page's language is %q (%v), want %q", what, page, err, r.lang)
	}
	return got
}

func (r *refusalTab) signIn(loginID, password string) {
	r.t.Helper()
	r.fill("#f-login_id", loginID)
	r.typeAndEnter("#f-password", password)
}

// superAdminOnly: an admin with a role opens 購入/請求 by its address (the
// menu does not offer it).
func (r *refusalTab) superAdminOnly() {
	r.t.Helper()
	if st := r.open("/admin/billing"); st != http.StatusForbidden {
		r.t.Errorf("billing for an admin who is not the super admin: %d, want 403", st)
	}
	r.sees("super-admin-only", "main [role=alert]", byLang{"この操作は最高管理者だけが行えます", "only the super admin can do this"})
}

// licenseLimit: an 11th member on 10 licenses.
func (r *refusalTab) licenseLimit() {
	r.t.Helper()
	r.open("/admin/members/new")
	r.fill("#f-display_name", "Hanako Sato")
	r.fill("#f-login_id", "hanako")
	r.fill("#f-password", "hanako-password-1")
	if st := r.submit("#member-save"); st == http.StatusOK {
		r.t.Errorf("an 11th member on 10 licenses: %d at %s", st, r.location())
	}
	r.sees("license-limit", "#form-error", byLang{"ライセンス対象のメンバーが11名になり、上限の10名を超えます。「購入/請求 > 商品の契約/変更」からライセンスを追加してください。",
		"this would make 11 billable members, over the limit of 10: add licenses (Purchases & billing > Plan & contract)"})
}

// worksGroup: 会社情報 > ワークスグループ名 変更 with a name that starts
// with a hyphen.
func (r *refusalTab) worksGroup() {
	r.t.Helper()
	r.open("/admin/settings/company")
	r.click("#works-group-change summary")
	r.fill("#f-works_group", "-bad-name")
	if st := r.submit("#works-group-submit"); st != http.StatusUnprocessableEntity {
		r.t.Errorf("works-group name -bad-name: %d, want 422", st)
	}
	r.sees("works-group", "#f-works_group-error", byLang{"ワークスグループ名「-bad-name」は使えません。3〜40文字の英小文字・数字・ハイフン(-)で",
		`works-group name "-bad-name" is not allowed: use 3 to 40 characters of a-z, 0-9 and "-"`})
}

// csvImport uploads a file with three bad lines through CSV一括登録 (an
// htmx form): the summary and each line's reason.
func (r *refusalTab) csvImport() {
	r.t.Helper()
	file := filepath.Join(r.t.TempDir(), "members.csv")
	csv := "login_id,display_name\nBad Id!,Bad\nann,Ann\nann,Ann Again\ncarl,Carl,extra\n"
	if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
		r.t.Fatal(err)
	}
	r.open("/admin/members/import")
	r.do("choose the file", chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{file}))
	r.click("#import-submit")
	r.waitVisible("#import-lines")
	r.sees("csv-summary", "#import-error", byLang{"ファイルに3件の誤りがあるため、何も登録していません。", "the file has 3 problems; nothing was imported"})
	reasons, err := chromedp.Run(r.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#import-lines tbody tr")].map(tr => tr.innerText)`))
	if err != nil {
		r.t.Fatalf("read the lines' reasons: %v", err)
	}
	want := []byLang{
		{"2行目", "line 2"}, {"ログインID「Bad Id!」は使えません", `login id "Bad Id!" is not valid`},
		{"4行目", "line 4"}, {"は3行目にもあります", "is already on line 3"},
		{"5行目", "line 5"}, {"列の数が見出し行と合いません", "wrong number of fields"},
	}
	if len(reasons) != 3 {
		r.t.Fatalf("the import lists %d lines, want 3: %q", len(reasons), reasons)
	}
	for i, line := range reasons {
		for _, w := range want[2*i : 2*i+2] {
			if !strings.Contains(line, w.in(r.lang)) {
				r.t.Errorf("CSV line %d reads %q, want %q", i+1, line, w.in(r.lang))
			}
		}
		wantLanguage(r.t, r.lang, "a CSV line's reason", line)
	}
}

// noPaymentMethod: 有償プランへ切替 with no payment method goes to 決済方法
// の管理 first, which says why.
func (r *refusalTab) noPaymentMethod() {
	r.t.Helper()
	r.open("/admin/billing/upgrade")
	if loc := r.location(); !strings.Contains(loc, "/admin/billing/payment-methods?return=") {
		r.t.Fatalf("the wizard without a payment method: at %s, want 決済方法の管理", loc)
	}
	r.sees("no-payment-method", "#method-needed", byLang{"有償プランへ切り替えるには、先に決済方法を登録してください。",
		"To switch to a paid plan, register a payment method first."})
	wantLanguage(r.t, r.lang, "the link to the card form", r.text("#method-needed-card"))
}

// upgradeTerms chooses スタンダード, 年額契約(一括) and 5 licenses in the
// upgrade wizard, then 次へ on 商品の選択 and on 商品・価格の確認.
func (r *refusalTab) upgradeTerms() {
	r.t.Helper()
	r.open("/admin/billing/upgrade")
	r.click("#plan-standard")
	r.click("#contract-annual")
	r.fill("#f-licenses", "5")
	r.submit("#upgrade-next")
	r.submit("#price-next")
}

// declinedCard registers a card whose charges are declined, then upgrades:
// 追加する is refused.
func (r *refusalTab) declinedCard() {
	r.t.Helper()
	r.open("/admin/billing/payment-methods")
	r.fill("#f-card_number", testcard.ChargeFails)
	r.fill("#f-exp_month", "12")
	r.fill("#f-exp_year", "2099")
	r.fill("#f-cvc", "123")
	if st := r.submit("#card-submit"); st != http.StatusOK {
		r.t.Fatalf("add the declined card: %d at %s", st, r.location())
	}
	r.upgradeTerms()
	r.waitVisible("#quote-total")
	r.submit("#upgrade-apply")
	if strings.Contains(r.location(), "/invoices/") {
		r.t.Fatalf("a declined card upgraded: at %s", r.location())
	}
	r.sees("card-declined", "#form-error", byLang{"カードでの決済が承認されませんでした。別のカードを登録するか、カード会社にお問い合わせください",
		"the card was declined: use another card or ask the card issuer"})
	r.sees("card-declined-link", "#declined-method", byLang{"決済方法の管理でカードを登録・変更する", "Register or change the card in Payment methods"})
	r.submit("#declined-method-link")
	r.sees("card-declined-default", "#default-trouble", byLang{"での直近の決済が承認されませんでした", "was declined"})
}

// domainCheck adds domain and checks it while the DNS server refuses the
// TXT question and leaves the MX one unanswered: the page says so in
// words, never in the resolver's.
func (r *refusalTab) domainCheck(server *dnstest.Server, domain string) {
	r.t.Helper()
	server.SetRcode("_kanri-challenge."+domain, dns.RcodeRefused)
	server.SetDelay(domain, time.Minute) // longer than the resolver waits
	r.open("/admin/settings/domains/new")
	r.fill("#f-name", domain)
	if st := r.submit("#domain-add-submit"); st != http.StatusOK {
		r.t.Fatalf("add %s: %d at %s", domain, st, r.location())
	}
	if got := r.text("#txt-name"); got != "_kanri-challenge."+domain {
		r.t.Fatalf("the TXT record's name is %q", got)
	}
	r.submit("#domain-verify-submit")
	r.sees("dns-unanswered", "#domain-check-finding", byLang{"DNSサーバーから " + domain + " についての応答がありませんでした。Kanriが数分おきに自動で確認します",
		"the DNS server did not answer about " + domain + ": Kanri will check again in a few minutes"})
	page := r.text("main")
	for _, raw := range []string{"REFUSED", "127.0.0.1", server.Addr, "i/o timeout", "timeout"} {
		if strings.Contains(page, raw) {
			r.t.Errorf("the domain check shows the resolver's words %q:\n%s", raw, page)
		}
	}
}
