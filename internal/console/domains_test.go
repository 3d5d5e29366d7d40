package console_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/clock"
	"github.com/kanri/kanri/internal/dnscheck/dnstest"
)

// domainsItem is a domain as GET /tenants/{t}/domains lists it.
type domainsItem struct {
	ID           string
	Name         string
	Kind         string
	Status       string
	Primary      bool
	SubMail      bool `json:"sub_mail"`
	Deadline     time.Time
	Verification *struct {
		TXTName  string `json:"txt_name"`
		TXTValue string `json:"txt_value"`
		MXName   string `json:"mx_name"`
		MXHost   string `json:"mx_host"`
	}
}

// domainsList returns the tenant's domains through the API.
func domainsList(t *testing.T, s *apptest.Server, ten *apptest.Tenant) []domainsItem {
	t.Helper()
	res := s.Do(apptest.Request{Method: "GET", Path: "/api/v1/tenants/" + ten.ID + "/domains", Token: ten.AdminToken})
	if res.Status != http.StatusOK {
		t.Fatalf("list domains: %d %s", res.Status, res.Body)
	}
	var out struct{ Items []domainsItem }
	res.Decode(t, &out)
	return out.Items
}

// domainsFind returns the tenant's domain called name, failing the test
// without one.
func domainsFind(t *testing.T, s *apptest.Server, ten *apptest.Tenant, name string) domainsItem {
	t.Helper()
	ds := domainsList(t, s, ten)
	for _, d := range ds {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("no domain %s in %+v", name, ds)
	return domainsItem{}
}

// domainsAdd adds name through ドメイン追加, which goes on to the domain's
// 所有権の確認, and returns the domain as the API has it.
func domainsAdd(t *testing.T, b *browser, ten *apptest.Tenant, name string) domainsItem {
	t.Helper()
	p := b.post("/admin/settings/domains/new", url.Values{"name": {name}})
	id, ok := strings.CutSuffix(strings.TrimPrefix(p.Location, "/admin/settings/domains/"), "/verify?flash=domains_added")
	if p.Status != http.StatusSeeOther || !ok {
		t.Fatalf("add %s: %d %q\n%s", name, p.Status, p.Location, p.Body)
	}
	for _, d := range domainsList(t, b.s, ten) {
		if d.ID == id {
			return d
		}
	}
	t.Fatalf("added %s, redirected to %s, but the API does not list it", name, p.Location)
	return domainsItem{}
}

func wantStatusIs(t *testing.T, what string, p *page, want int) {
	t.Helper()
	if p.Status != want {
		t.Fatalf("%s: %d, want %d\n%.2000s", what, p.Status, want, p.Body)
	}
}

// TestDomainsList: 基本設定 > ドメイン lists the provided domain as (基本)
// 使用中, with the seed's columns, note and ドメイン追加, in both languages;
// the menu and the home page lead there, and nothing offers to delete the
// primary domain.
func TestDomainsList(t *testing.T) {
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	provided := domainsList(t, s, ten)[0]
	p := b.get("/admin/settings/domains")
	wantStatusIs(t, "list", p, http.StatusOK)
	wantIn(t, "list", p.Body, "メイン", "基本設定", `<span aria-current="page">ドメイン</span>`, "<h1>ドメイン</h1>",
		">ドメイン</th>", ">使用状況</th>", ">管理</th>", ten.Domain, "(基本)", `<span class="badge active">使用中</span>`, "ご提供ドメイン",
		"ドメインのステータスは変更されるまでに最大で24時間かかる場合があります。", `href="/admin/settings/domains/new"`,
		`<a href="/admin/settings/domains" aria-current="page">ドメイン</a>`)
	for _, unwanted := range []string{"/" + provided.ID + "/delete", "/" + provided.ID + "/primary", "hx-trigger", "サブメールドメイン"} {
		if strings.Contains(p.Body, unwanted) {
			t.Errorf("list of a new tenant has %q", unwanted)
		}
	}
	wantIn(t, "home", b.get("/admin").Body, `href="/admin/settings/domains"`, "ドメインの追加/所有権の確認/プライマリドメインの変更")
	wantIn(t, "set-up checklist", b.get("/admin/setup").Body, "独自ドメインを追加し、所有権を確認する(任意)")

	b.setLang("en")
	wantIn(t, "English list", b.get("/admin/settings/domains").Body, "<h1>Domains</h1>", ">Status</th>", "(primary)", "In use", "Add domain",
		"up to 24 hours")
}

// TestDomainsAdd: ドメイン追加 normalises the name, shows step 2 with both
// records to publish, copy buttons and the deadline; the list shows the
// domain as waiting for its check. The same name again is refused next to
// the field and nothing more is stored.
func TestDomainsAdd(t *testing.T) {
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	p := b.get("/admin/settings/domains/new")
	wantStatusIs(t, "add form", p, http.StatusOK)
	wantIn(t, "add form", p.Body, "<h1 id=\"domain-add-heading\">ドメイン追加</h1>", "1 ドメインを入力", "2 所有権の確認",
		"追加するドメインを入力してください。", `<label for="f-name">新ドメイン`, ">完了</button>")

	d := domainsAdd(t, b, ten, "Example.COM.")
	if d.Name != "example.com" || d.Kind != "custom" || d.Status != "pending" || d.Primary || d.Verification == nil {
		t.Fatalf("added domain: %+v", d)
	}
	p = b.get("/admin/settings/domains/" + d.ID + "/verify?flash=domains_added")
	wantStatusIs(t, "step 2", p, http.StatusOK)
	v := d.Verification
	deadline := d.Deadline.In(time.FixedZone("JST", 9*3600))
	wantIn(t, "step 2", html.UnescapeString(p.Body), "ドメインを追加しました。", "ドメイン所有権の確認が必要です。",
		`<code id="txt-name">_kanri-challenge.example.com</code>`, `<code id="txt-value">`+v.TXTValue+`</code>`,
		`<code id="mx-name">example.com</code>`, `<code id="mx-host">`+v.MXHost+`</code>`, `data-copy="`+v.TXTValue+`"`, ">コピー</button>",
		"ドメイン所有権の確認期限:"+deadline.Format("2006年1月2日")+"まで(上記期限までに所有権の確認が出来ない場合は、当該ドメインは一覧から削除されます。)",
		`action="/admin/settings/domains/`+d.ID+`/verify"`, `id="domain-verify-submit">所有権の確認</button>`)
	if !strings.HasPrefix(v.TXTValue, "kanri-verification=") || !strings.HasSuffix(v.MXHost, ".mx-verify.works.example") {
		t.Errorf("records: %+v", v)
	}
	if d.Deadline.Sub(time.Now()) < 13*24*time.Hour {
		t.Errorf("deadline %s is less than 14 days away", d.Deadline)
	}

	p = b.get("/admin/settings/domains")
	wantIn(t, "list with a pending domain", p.Body, "example.com", "ドメイン所有権の確認待ち", "(確認期限:"+deadline.Format("2006年1月2日")+"まで)",
		`id="domain-verify-`+d.ID+`">所有権の確認</button>`, `href="/admin/settings/domains/`+d.ID+`/verify" id="domain-how-`+d.ID+`">確認方法</a>`,
		`href="/admin/settings/domains/`+d.ID+`/delete"`)
	if strings.Contains(p.Body, "/"+d.ID+"/primary") {
		t.Errorf("a pending domain is offered プライマリドメインに変更")
	}

	p = b.post("/admin/settings/domains/new", url.Values{"name": {"example.com"}})
	wantStatusIs(t, "the same name again", p, http.StatusConflict)
	wantIn(t, "the same name again", p.Body, `id="f-name-error"`, "ドメイン example.com はすでにドメイン一覧にあります。", `value="example.com"`, `aria-invalid="true"`)
	if n := len(domainsList(t, s, ten)); n != 2 {
		t.Errorf("%d domains after the refusal, want 2", n)
	}
}

// TestDomainsMakePrimaryRefused: a pending domain cannot become primary
// (the page says so and offers no button; a post anyway shows the
// service's reason), and an admin who is not the super admin is refused
// with the reason shown. Nothing changes.
func TestDomainsMakePrimaryRefused(t *testing.T) {
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	d := domainsAdd(t, b, ten, "pending.example")

	p := b.get("/admin/settings/domains/" + d.ID + "/primary")
	wantStatusIs(t, "confirmation of a pending domain", p, http.StatusOK)
	wantIn(t, "confirmation of a pending domain", p.Body, "プライマリドメインの変更", "所有権の確認が済んでいないため", ten.Domain)
	if strings.Contains(p.Body, "domain-primary-submit") {
		t.Errorf("a pending domain's confirmation offers ドメイン変更")
	}
	p = b.post("/admin/settings/domains/"+d.ID+"/primary", nil)
	wantStatusIs(t, "make a pending domain primary", p, http.StatusConflict)
	wantIn(t, "make a pending domain primary", p.Body, `id="form-error"`, "pending.example は所有権の確認が済んでいないため、プライマリドメインに変更できません。")

	_, login := settingsMember(t, s, ten, "sub-admin", "Sub Admin", "admin")
	sub := newBrowser(t, s)
	sub.signIn(login, apptest.Password)
	p = sub.post("/admin/settings/domains/"+d.ID+"/primary", nil)
	wantStatusIs(t, "make primary as an admin who is not the super admin", p, http.StatusForbidden)
	wantIn(t, "make primary as an admin who is not the super admin", p.Body, "この操作は最高管理者だけが行えます")
	for _, d := range domainsList(t, s, ten) {
		if d.Primary != (d.Name == ten.Domain) || d.Status == "primary_changing" {
			t.Errorf("after the refusals: %+v", d)
		}
	}
}

// TestDomainsDelete: a custom domain is deleted after its confirmation
// page; the primary domain's page says it cannot be, and a post anyway is
// refused with the reason.
func TestDomainsDelete(t *testing.T) {
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	d := domainsAdd(t, b, ten, "gone.example")
	p := b.get("/admin/settings/domains/" + d.ID + "/delete")
	wantStatusIs(t, "delete page", p, http.StatusOK)
	wantIn(t, "delete page", p.Body, "ドメインの削除", "gone.example を削除すると、このドメイン宛のメールは受信できなくなります。", `id="domain-delete-submit"`)
	if strings.Contains(p.Body, `name="confirm"`) {
		t.Errorf("deleting a custom domain asks for its name")
	}
	p = b.post("/admin/settings/domains/"+d.ID+"/delete", nil)
	if p.Status != http.StatusSeeOther || p.Location != "/admin/settings/domains?flash=domains_deleted" {
		t.Fatalf("delete: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	p = b.follow(p)
	wantIn(t, "list after deleting", p.Body, "ドメインを削除しました。")
	if strings.Contains(p.Body, "gone.example") || len(domainsList(t, s, ten)) != 1 {
		t.Errorf("gone.example is still listed")
	}

	provided := domainsList(t, s, ten)[0]
	p = b.get("/admin/settings/domains/" + provided.ID + "/delete")
	wantStatusIs(t, "delete page of the primary domain", p, http.StatusOK)
	wantIn(t, "delete page of the primary domain", p.Body, "プライマリドメインは削除できません。")
	if strings.Contains(p.Body, "domain-delete-submit") {
		t.Errorf("the primary domain's delete page offers 削除")
	}
	p = b.post("/admin/settings/domains/"+provided.ID+"/delete", url.Values{"confirm": {provided.Name}})
	wantStatusIs(t, "delete the primary domain", p, http.StatusConflict)
	wantIn(t, "delete the primary domain", p.Body, "はプライマリドメインのため削除できません。先に別のドメインをプライマリドメインに変更してください。")
	if len(domainsList(t, s, ten)) != 1 {
		t.Errorf("the primary domain was deleted")
	}
}

// TestDomainsRefusedWithoutPermission: a member without tenant.manage
// sees no ドメイン menu entry and is refused every page and form.
func TestDomainsRefusedWithoutPermission(t *testing.T) {
	s, ten := start(t)
	admin := newBrowser(t, s)
	admin.signIn("admin@"+ten.Domain, apptest.Password)
	d := domainsAdd(t, admin, ten, "kept.example")
	_, login := settingsMember(t, s, ten, "auditor", "Audit Person", "auditor")
	b := newBrowser(t, s)
	b.signIn(login, apptest.Password)
	if home := b.get("/admin"); strings.Contains(home.Body, "/admin/settings/domains") {
		t.Errorf("a member without tenant.manage sees the ドメイン screen")
	}
	base := "/admin/settings/domains"
	for _, p := range []*page{
		b.get(base), b.get(base + "/new"), b.get(base + "/" + d.ID + "/verify"), b.get(base + "/" + d.ID + "/primary"),
		b.get(base + "/" + d.ID + "/delete"),
		b.post(base+"/new", url.Values{"name": {"hijack.example"}}), b.post(base+"/"+d.ID+"/verify", nil),
		b.post(base+"/"+d.ID+"/primary", nil), b.post(base+"/"+d.ID+"/delete", nil),
	} {
		if p.Status != http.StatusForbidden {
			t.Errorf("without tenant.manage: %d, want 403", p.Status)
		}
	}
	if ds := domainsList(t, s, ten); len(ds) != 2 || ds[1].Name != "kept.example" || ds[1].Status != "pending" {
		t.Errorf("domains after the refusals: %+v", ds)
	}
}

// domainsStart is start with Kanri's DNS queries going to a test DNS
// server on loopback.
func domainsStart(t *testing.T) (*apptest.Server, *apptest.Tenant, *dnstest.Server) {
	t.Helper()
	dns := dnstest.Start(t)
	s := apptest.Start(t, filepath.Join(t.TempDir(), "kanri.db"), func(c *app.Config) { c.DNSResolver, c.TestClock = dns.Addr, true })
	return s, s.Signup("acme"), dns
}

// TestDomainsAddRefused: a name that is not a company's domain is refused
// next to the field with the reason, and nothing is stored; an
// internationalised name is stored as its A-label and listed in Unicode.
func TestDomainsAddRefused(t *testing.T) {
	s, ten, _ := domainsStart(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	for _, tt := range []struct{ name, input, reason string }{
		{"public suffix", "co.jp", "「co.jp」は誰もが登録に使う共通部分(パブリックサフィックス)のため追加できません。"},
		{"empty", " ", "ドメイン名を入力してください(例: example.co.jp)。"},
		{"provided base", "x.works.example", "works.example のドメインはKanriがご提供するドメインです。"},
		{"consumer mail", "gmail.com", "gmail.com は一般向けメールサービスのドメインです。"},
		{"IP address", "192.0.2.1", "「192.0.2.1」はIPアドレスです。"},
	} {
		p := b.post("/admin/settings/domains/new", url.Values{"name": {tt.input}})
		if p.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", tt.name, p.Status)
		}
		wantIn(t, tt.name, p.Body, `id="f-name-error"`, tt.reason, `aria-invalid="true"`, "1 ドメインを入力")
	}
	if n := len(domainsList(t, s, ten)); n != 1 {
		t.Errorf("%d domains after the refusals, want 1", n)
	}
	d := domainsAdd(t, b, ten, "ＢÜＣＨＥＲ．example")
	if d.Name != "xn--bcher-kva.example" {
		t.Errorf("stored as %q", d.Name)
	}
	wantIn(t, "list with an IDN", b.get("/admin/settings/domains").Body, "bücher.example", "(xn--bcher-kva.example)")
	wantIn(t, "records of an IDN", b.get("/admin/settings/domains/"+d.ID+"/verify").Body, "_kanri-challenge.xn--bcher-kva.example")
}

// TestDomainsVerify: 所有権の確認 with a wrong record shows what was found
// and what is expected, in Japanese and in English; with DNS failing it
// says the server did not answer (never a failure, never in the
// resolver's words); with the MX record published the domain
// is 使用中 as a sub mail domain, and only the super admin is offered
// プライマリドメインに変更.
func TestDomainsVerify(t *testing.T) {
	s, ten, dns := domainsStart(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	d := domainsAdd(t, b, ten, "acme.example")
	v := d.Verification
	verify := "/admin/settings/domains/" + d.ID + "/verify"

	dns.SetTXT(v.TXTName, []string{"kanri-verification=someone-else"})
	p := b.post(verify, nil)
	wantStatusIs(t, "verify with a wrong record", p, http.StatusOK)
	wantIn(t, "verify with a wrong record", p.Body, `class="check not_found"`,
		v.TXTName+" のTXTレコードは見つかりましたが、値が一致しません。見つかった値: &#34;kanri-verification=someone-else&#34;。必要な値: 「"+v.TXTValue+"」。",
		`<dd id="found-txt"><code>kanri-verification=someone-else</code>`, `<dd id="found-mx">なし</dd>`, "<code>"+v.TXTValue+"</code>",
		"<code>"+v.MXHost+"</code>", `id="domain-verify-submit"`)
	b.setLang("en")
	wantIn(t, "verify with a wrong record in English", b.post(verify, nil).Body,
		"TXT record found at "+v.TXTName+": &#34;kanri-verification=someone-else&#34;; expected: &#34;"+v.TXTValue+"&#34;", "TXT records at "+v.TXTName)
	b.setLang("ja")
	wantIn(t, "the verify page after a check", b.get(verify).Body, `id="domain-last-check"`, "値が一致しません。")

	dns.SetRcode(v.TXTName, 2) // SERVFAIL
	p = b.post(verify, nil)
	wantStatusIs(t, "verify while DNS fails", p, http.StatusOK)
	wantIn(t, "verify while DNS fails", p.Body, `class="check not_visible_yet"`,
		"DNSサーバーから acme.example についての応答がありませんでした。Kanriが数分おきに自動で確認しますので、このままお待ちください。")
	if strings.Contains(p.Body, "値が一致しません") || strings.Contains(p.Body, `role="alert"`) {
		t.Errorf("a DNS failure reads as a failed check")
	}
	for _, raw := range []string{"SERVFAIL", dns.Addr, "unavailable"} {
		if strings.Contains(p.Body, raw) {
			t.Errorf("the page shows the resolver's words %q", raw)
		}
	}
	if got := domainsFind(t, s, ten, "acme.example"); got.Status != "pending" {
		t.Fatalf("after failed checks: %s", got.Status)
	}

	dns.SetRcode(v.TXTName, 0)
	dns.SetMX(v.MXName, "mx1.mail.example", v.MXHost)
	p = b.post(verify, nil)
	if p.Status != http.StatusSeeOther || p.Location != "/admin/settings/domains?flash=domains_verified" {
		t.Fatalf("verify with the MX record: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	p = b.follow(p)
	wantIn(t, "list after verifying", p.Body, "ドメインの所有権を確認しました。", `<span class="badge active">使用中</span>`, "サブメールドメイン",
		`href="/admin/settings/domains/`+d.ID+`/primary"`, `href="/admin/settings/domains/`+d.ID+`/delete"`)
	if strings.Contains(p.Body, "ドメイン所有権の確認待ち") {
		t.Errorf("the list still shows the domain as waiting")
	}
	if got := domainsFind(t, s, ten, "acme.example"); got.Status != "active" || !got.SubMail {
		t.Errorf("after verifying: %+v", got)
	}
	wantIn(t, "verify page of an active domain", b.get(verify).Body, "このドメインの所有権は確認済みです。 (MXレコードで確認)")

	_, login := settingsMember(t, s, ten, "sub-admin", "Sub Admin", "admin")
	sub := newBrowser(t, s)
	sub.signIn(login, apptest.Password)
	p = sub.get("/admin/settings/domains")
	wantIn(t, "list for an admin who is not the super admin", p.Body, `aria-disabled="true">プライマリドメインに変更</span>`)
	if strings.Contains(p.Body, `href="/admin/settings/domains/`+d.ID+`/primary"`) {
		t.Errorf("an admin who is not the super admin is offered プライマリドメインに変更")
	}
	p = sub.get("/admin/settings/domains/" + d.ID + "/primary")
	wantIn(t, "confirmation for an admin who is not the super admin", p.Body, "プライマリドメインの変更は最高管理者のみ行えます。")
	if strings.Contains(p.Body, "domain-primary-submit") {
		t.Errorf("an admin who is not the super admin is offered ドメイン変更")
	}
	p = sub.post("/admin/settings/domains/"+d.ID+"/primary", nil)
	wantStatusIs(t, "make primary as an admin who is not the super admin", p, http.StatusForbidden)
	wantIn(t, "make primary as an admin who is not the super admin", p.Body, "この操作は最高管理者だけが行えます")
}

// TestDomainsPrimaryChange: the confirmation lists the seed's warnings and
// the admin's login id before and after; ドメイン変更 shows both domains
// 変更中 with a progress block that polls itself; once the job has run,
// the admin is signed out, signs in with the new login id and the same
// password, and finds the new domain (基本). Changing back within 24 hours
// is refused with the time it ends, and allowed a day later, when the list
// no longer reports the change; the provided domain is then deleted only
// with its name typed.
func TestDomainsPrimaryChange(t *testing.T) {
	s, ten, dns := domainsStart(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	d := domainsAdd(t, b, ten, "acme.example")
	dns.SetTXT(d.Verification.TXTName, []string{d.Verification.TXTValue})
	if p := b.post("/admin/settings/domains/"+d.ID+"/verify", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("verify: %d\n%s", p.Status, p.Body)
	}

	p := b.get("/admin/settings/domains/" + d.ID + "/primary")
	wantStatusIs(t, "confirmation", p, http.StatusOK)
	wantIn(t, "confirmation", p.Body, "【重要!ご注意ください】", "元のドメインはサブメールドメインになり、変更後24時間は再変更できません。",
		"すべてのメンバーがサービスからログアウトされ", "自動生成のID@新ドメイン", "カスタムURL", "連携サービスの担当者とご相談ください",
		"パスワードは変更されません", "メンバーへ新ログイン情報を案内してください", `<dd id="primary-from">`+ten.Domain+`</dd>`,
		`<dd id="primary-to">acme.example</dd>`, `<code id="login-before">admin@`+ten.Domain+`</code>`, `<code id="login-after">admin@acme.example</code>`,
		`id="domain-primary-submit">ドメイン変更</button>`)

	p = b.post("/admin/settings/domains/"+d.ID+"/primary", nil)
	if p.Status != http.StatusSeeOther || p.Location != "/admin/settings/domains?flash=domains_primary_started" {
		t.Fatalf("ドメイン変更: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	p = b.follow(p)
	wantIn(t, "list while changing", p.Body, "プライマリドメインの変更を開始しました。", `hx-get="/admin/settings/domains" hx-trigger="every 2s"`,
		`id="domain-change"`, "ログインIDを変更しています")
	if n := strings.Count(p.Body, `<span class="badge primary_changing">プライマリドメイン変更中</span>`); n != 2 {
		t.Errorf("%d domains show プライマリドメイン変更中, want 2", n)
	}
	if strings.Contains(p.Body, "/delete\"") || strings.Contains(p.Body, "/primary\"") {
		t.Errorf("the list offers 削除 or プライマリドメインに変更 during a change")
	}
	live := b.getHX("/admin/settings/domains")
	if live.Status != http.StatusOK || strings.Contains(live.Body, "<html") || !strings.Contains(live.Body, `id="domains-live"`) ||
		!strings.Contains(live.Body, `hx-trigger="every 2s"`) {
		t.Errorf("htmx poll: %d\n%s", live.Status, live.Body)
	}

	c, err := s.App.DB.LatestChange(context.Background(), ten.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.App.Services.Domains.RunChange(context.Background(), c.ID); err != nil { // the worker's part
		t.Fatal(err)
	}
	if p := b.getHX("/admin/settings/domains"); p.Header.Get("HX-Redirect") != "/admin/login?next=%2Fadmin%2Fsettings%2Fdomains" {
		t.Errorf("htmx poll after the change: %d, HX-Redirect %q", p.Status, p.Header.Get("HX-Redirect"))
	}
	if p := b.get("/admin/settings/domains"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/admin/login") {
		t.Fatalf("after the change: %d %q, want the sign-in page", p.Status, p.Location)
	}
	if p := b.post("/admin/login", url.Values{"login_id": {"admin@" + ten.Domain}, "password": {apptest.Password}}); p.Status == http.StatusSeeOther {
		t.Errorf("the old login id still signs in")
	}
	b.signIn("admin@acme.example", apptest.Password)
	p = b.get("/admin/settings/domains")
	wantStatusIs(t, "list after the change", p, http.StatusOK)
	wantIn(t, "list after the change", p.Body, `<span class="domain-name">acme.example</span> <strong class="primary-mark">(基本)</strong>`,
		"プライマリドメインの変更完了", "サブメールドメイン", "以降に変更できます)")
	if strings.Contains(p.Body, `id="domain-primary-`) {
		t.Errorf("the list offers another change within 24 hours")
	}
	if strings.Contains(p.Body, "hx-trigger") || strings.Contains(p.Body, "プライマリドメイン変更中") {
		t.Errorf("the list still shows the change running")
	}
	ten.AdminToken = s.Login("admin@acme.example", apptest.Password) // the old token went with the change
	provided := domainsFind(t, s, ten, ten.Domain)
	if provided.Primary || !provided.SubMail || provided.Status != "active" {
		t.Errorf("provided domain after the change: %+v", provided)
	}

	p = b.post("/admin/settings/domains/"+provided.ID+"/primary", nil)
	wantStatusIs(t, "change back within 24 hours", p, http.StatusConflict)
	wantIn(t, "change back within 24 hours", p.Body, `id="form-error"`, "JST に変更されました。次の変更は ")

	// A day later the list no longer reports the change, and another may start.
	s.App.Clock.(*clock.Adjustable).Set(time.Now().Add(25 * time.Hour))
	b.signIn("admin@acme.example", apptest.Password)
	ten.AdminToken = s.Login("admin@acme.example", apptest.Password)
	if p := b.get("/admin/settings/domains"); strings.Contains(p.Body, `id="domain-change"`) {
		t.Errorf("a day later the list still reports the change")
	}
	wantIn(t, "list a day later", b.get("/admin/settings/domains").Body, `id="domain-primary-`+provided.ID+`"`)
	wantIn(t, "confirmation a day later", b.get("/admin/settings/domains/"+provided.ID+"/primary").Body, `id="domain-primary-submit"`)

	del := "/admin/settings/domains/" + provided.ID + "/delete"
	p = b.get(del)
	wantIn(t, "delete page of the provided domain", p.Body, "一度削除すると、再びご利用いただくことはできません。",
		`<label for="f-confirm">削除する場合は、確認のためドメイン名「`+ten.Domain+`」を入力してください`)
	p = b.post(del, url.Values{"confirm": {"acme"}})
	wantStatusIs(t, "delete the provided domain with a wrong name", p, http.StatusUnprocessableEntity)
	wantIn(t, "delete the provided domain with a wrong name", p.Body, `id="f-confirm-error"`, "削除すると元に戻せず、再び追加することもできません。", `value="acme"`)
	if n := len(domainsList(t, s, ten)); n != 2 {
		t.Fatalf("%d domains after the refused deletion, want 2", n)
	}
	p = b.post(del, url.Values{"confirm": {ten.Domain}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/settings/domains?flash=domains_deleted" {
		t.Fatalf("delete the provided domain: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	if ds := domainsList(t, s, ten); len(ds) != 1 || ds[0].Name != "acme.example" {
		t.Errorf("domains after deleting the provided one: %+v", ds)
	}
}
