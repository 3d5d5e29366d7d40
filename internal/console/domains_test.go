package console_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app/apptest"
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

// domainsAdd adds name through ドメイン追加 and returns it as the API has it.
func domainsAdd(t *testing.T, b *browser, ten *apptest.Tenant, name string) domainsItem {
	t.Helper()
	p := b.post("/admin/settings/domains/new", url.Values{"name": {name}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("add %s: %d\n%s", name, p.Status, p.Body)
	}
	d := domainsFind(t, b.s, ten, strings.ToLower(strings.TrimSuffix(name, ".")))
	if want := "/admin/settings/domains/" + d.ID + "/verify?flash=domains_added"; p.Location != want {
		t.Errorf("after adding: redirect to %q, want %q", p.Location, want)
	}
	return d
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
	wantIn(t, "the same name again", p.Body, `id="f-name-error"`, "already on this tenant&#39;s list", `value="example.com"`, `aria-invalid="true"`)
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
	wantIn(t, "make a pending domain primary", p.Body, `id="form-error"`, "pending.example is not verified yet")

	_, login := settingsMember(t, s, ten, "sub-admin", "Sub Admin", "admin")
	sub := newBrowser(t, s)
	sub.signIn(login, apptest.Password)
	p = sub.post("/admin/settings/domains/"+d.ID+"/primary", nil)
	wantStatusIs(t, "make primary as an admin who is not the super admin", p, http.StatusForbidden)
	wantIn(t, "make primary as an admin who is not the super admin", p.Body, "only the super admin can do this")
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
	wantIn(t, "delete the primary domain", p.Body, "is the primary domain: make another domain primary first")
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
