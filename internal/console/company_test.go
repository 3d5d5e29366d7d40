package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
)

// settingsTenant is a tenant as GET /tenants/{t} returns it.
type settingsTenant struct {
	WorksGroup       string `json:"works_group"`
	CompanyName      string `json:"company_name"`
	Phone            string `json:"phone"`
	Language         string `json:"language"`
	Region           string `json:"region"`
	NoticesEnabled   bool   `json:"notices_enabled"`
	NoticeRecipients string `json:"notice_recipients"`
	PrimaryDomain    string `json:"primary_domain"`
}

func settingsGetTenant(t *testing.T, s *apptest.Server, ten *apptest.Tenant) settingsTenant {
	t.Helper()
	res := s.Do(apptest.Request{Method: "GET", Path: "/api/v1/tenants/" + ten.ID, Token: ten.AdminToken})
	if res.Status != http.StatusOK {
		t.Fatalf("get tenant: %d %s", res.Status, res.Body)
	}
	var out settingsTenant
	res.Decode(t, &out)
	return out
}

// settingsRoleID returns the id of the tenant's role named name.
func settingsRoleID(t *testing.T, s *apptest.Server, ten *apptest.Tenant, name string) string {
	t.Helper()
	res := s.Do(apptest.Request{Method: "GET", Path: "/api/v1/tenants/" + ten.ID + "/roles", Token: ten.AdminToken})
	var roles []struct{ ID, Name string }
	res.Decode(t, &roles)
	for _, r := range roles {
		if r.Name == name {
			return r.ID
		}
	}
	t.Fatalf("no role %q in %s", name, res.Body)
	return ""
}

// settingsMember adds an active member with password apptest.Password
// holding the named roles, and returns its id and login id.
func settingsMember(t *testing.T, s *apptest.Server, ten *apptest.Tenant, login, name string, roles ...string) (string, string) {
	t.Helper()
	body := map[string]any{"login_id": login, "display_name": name, "password": apptest.Password}
	var ids []string
	for _, r := range roles {
		ids = append(ids, settingsRoleID(t, s, ten, r))
	}
	if len(ids) > 0 {
		body["role_ids"] = ids
	}
	res := s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/members", Token: ten.AdminToken, Body: body})
	if res.Status != http.StatusCreated {
		t.Fatalf("add member %s: %d %s", login, res.Status, res.Body)
	}
	var m struct{ ID, LoginID string }
	res.Decode(t, &m)
	return m.ID, login + "@" + ten.Domain
}

var companyForm = url.Values{"company_name": {"Acme 株式会社"}, "phone": {"03-1234-5678"}, "language": {"ja"},
	"region": {"日本"}, "notices_enabled": {"false"}, "notice_recipients": {"all"}}

// TestCompanySaveCompletesSetup: the page shows the seed's sections and
// buttons; saving company name and phone stores every field and ends the
// set-up banner.
func TestCompanySaveCompletesSetup(t *testing.T) {
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	p := b.get("/admin/settings/company")
	if p.Status != http.StatusOK {
		t.Fatalf("GET company: %d\n%s", p.Status, p.Body)
	}
	wantIn(t, "company page", p.Body, "メイン", "基本設定", "<h1>会社情報</h1>", "基本情報", "ワークスグループ名", `id="works-group">acme<`,
		"<summary>変更</summary>", "企業/団体名", "電話番号", "言語・利用地域", "利用地域", "受け取る", "受け取らない",
		"管理者権限を持つメンバーのみ", "すべてのメンバー", `value="acme Inc."`, `id="company-save-top"`, `id="company-save"`,
		`href="/admin/settings/company" class="button" id="company-cancel-top"`, "ログインIDは変わりません", `class="setup-banner"`,
		`<span class="tenant">acme Inc.</span>`) // the header names the company (it printed the tenant struct here)
	if n := strings.Count(p.Body, ">保存</button>"); n != 2 {
		t.Errorf("%d save buttons, want one at the top and one at the bottom", n)
	}

	p = b.post("/admin/settings/company", companyForm)
	if p.Status != http.StatusSeeOther || p.Location != "/admin/settings/company?flash=company_saved" {
		t.Fatalf("save: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	p = b.follow(p)
	wantIn(t, "saved page", p.Body, "会社情報を保存しました。", `value="Acme 株式会社"`, `value="03-1234-5678"`,
		`value="all" id="f-notice_recipients-all" checked`, `value="false" id="f-notices_enabled-false" checked`)
	if strings.Contains(p.Body, "setup-banner") {
		t.Errorf("the set-up banner is still shown after company name and phone are saved")
	}
	got := settingsGetTenant(t, s, ten)
	want := settingsTenant{WorksGroup: "acme", CompanyName: "Acme 株式会社", Phone: "03-1234-5678", Language: "ja", Region: "日本",
		NoticesEnabled: false, NoticeRecipients: "all", PrimaryDomain: ten.Domain}
	if got != want {
		t.Errorf("tenant after save:\n got %+v\nwant %+v", got, want)
	}
	if home := b.get("/admin"); strings.Contains(home.Body, "setup-banner") || strings.Contains(home.Body, "初期設定がまだ完了していません") {
		t.Errorf("home still shows the set-up banner")
	}
	// キャンセル is a plain link back: nothing is posted.
	if p := b.get("/admin/settings/company"); !strings.Contains(p.Body, `value="Acme 株式会社"`) {
		t.Errorf("cancel target does not show the stored values")
	}
}

// TestCompanyRefusals: a refused field is shown next to its input with the
// API's status, and nothing changes.
func TestCompanyRefusals(t *testing.T) {
	s, ten := start(t)
	s.Signup("beta")
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	before := settingsGetTenant(t, s, ten)

	// The console speaks Japanese here: each reason reads in Japanese.
	fields := []struct{ name, value, message string }{
		{"company_name", " ", "会社名を100文字以内で入力してください"},
		{"phone", "call me", "電話番号「call me」の形式が正しくありません"},
		{"language", "fr", "言語は ja(日本語)か en(英語)を選んでください"},
		{"region", strings.Repeat("地", 61), "地域は60文字以内で入力してください"},
		{"notices_enabled", "maybe", "お知らせを受け取るかどうかを選んでください"},
		{"notice_recipients", "nobody", "お知らせの宛先は admins(管理者)か all(全メンバー)を選んでください"},
	}
	for _, f := range fields {
		bad := url.Values{}
		for k, v := range companyForm {
			bad[k] = v
		}
		bad.Set(f.name, f.value)
		p := b.post("/admin/settings/company", bad)
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad %s: %d, want 422\n%s", f.name, p.Status, p.Body)
		}
		i := strings.Index(p.Body, `id="f-`+f.name+`-error"`)
		if i < 0 || !strings.Contains(p.Body[i:min(i+300, len(p.Body))], f.message) {
			t.Errorf("bad %s: the reason %q is not next to the field\n%s", f.name, f.message, p.Body)
		}
		if f.name != "company_name" {
			wantIn(t, "bad "+f.name+" page", p.Body, `value="Acme 株式会社"`)
		}
	}

	cases := []struct {
		name, group string
		status      int
		message     string
	}{
		{"malformed", "A!", http.StatusUnprocessableEntity, "ワークスグループ名「A!」は使えません。3〜40文字の英小文字・数字・ハイフン(-)"},
		{"taken", "beta", http.StatusConflict, "ワークスグループ名「beta」はすでに使われています"},
	}
	for _, tc := range cases {
		p := b.post("/admin/settings/company/works-group", url.Values{"works_group": {tc.group}})
		if p.Status != tc.status {
			t.Fatalf("%s works group: %d, want %d\n%s", tc.name, p.Status, tc.status, p.Body)
		}
		wantIn(t, tc.name+" works group page", p.Body, `id="f-works_group-error"`, `<details id="works-group-change" open>`,
			`value="`+tc.group+`"`, `id="works-group">acme<`)
		if i := strings.Index(p.Body, `id="f-works_group-error"`); i < 0 || !strings.Contains(p.Body[i:i+300], tc.message) {
			t.Errorf("%s: the works-group error does not say %q", tc.name, tc.message)
		}
	}
	if after := settingsGetTenant(t, s, ten); after != before {
		t.Errorf("refused changes changed the tenant:\n got %+v\nwant %+v", after, before)
	}
}

// TestCompanyRenameWorksGroup: a new works-group name is saved and login
// ids keep their domain, so the admin signs in as before.
func TestCompanyRenameWorksGroup(t *testing.T) {
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	p := b.post("/admin/settings/company/works-group", url.Values{"works_group": {"Acme-Corp"}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/settings/company?flash=company_works_group_changed" {
		t.Fatalf("rename: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	wantIn(t, "renamed page", b.follow(p).Body, "ワークスグループ名を変更しました。", `id="works-group">acme-corp<`)
	got := settingsGetTenant(t, s, ten)
	if got.WorksGroup != "acme-corp" || got.PrimaryDomain != ten.Domain || got.CompanyName != "acme Inc." {
		t.Errorf("after rename: %+v, want works group acme-corp, domain %s and the rest unchanged", got, ten.Domain)
	}
	newBrowser(t, s).signIn("admin@"+ten.Domain, apptest.Password)
}

// TestCompanyLanguage: the page in English, and the tenant's language
// becoming the console's default.
func TestCompanyLanguage(t *testing.T) {
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	form := url.Values{}
	for k, v := range companyForm {
		form[k] = v
	}
	form.Set("language", "en")
	if p := b.post("/admin/settings/company", form); p.Status != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", p.Status, p.Body)
	}
	p := b.get("/admin/settings/company?flash=company_saved")
	wantIn(t, "English company page", p.Body, `lang="en"`, "Company information saved.", "Basic information", "Works-group name",
		"Language and region", "Only members with admin roles", `<option value="en" selected>English</option>`, ">Save</button>", ">Cancel</a>")
	b.setLang("ja")
	wantIn(t, "Japanese company page", b.get("/admin/settings/company").Body, `lang="ja"`, "基本情報")
	b.setLang("en")
	if p := b.post("/admin/settings/company/works-group", url.Values{"works_group": {"x"}}); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.Body, "Change works-group name") {
		t.Errorf("English refusal: %d", p.Status)
	}
}

// TestCompanyRefusedWithoutPermission: a member without tenant.manage sees
// no menu entry and is refused the page and the forms.
func TestCompanyRefusedWithoutPermission(t *testing.T) {
	s, ten := start(t)
	_, login := settingsMember(t, s, ten, "auditor", "Audit Person", "auditor")
	b := newBrowser(t, s)
	b.signIn(login, apptest.Password)
	if home := b.get("/admin"); strings.Contains(home.Body, "/admin/settings/company") || strings.Contains(home.Body, "setup-banner") {
		t.Errorf("a member without tenant.manage sees the company screen or the set-up banner")
	}
	before := settingsGetTenant(t, s, ten)
	for _, p := range []*page{
		b.get("/admin/settings/company"),
		b.post("/admin/settings/company", companyForm),
		b.post("/admin/settings/company/works-group", url.Values{"works_group": {"hijack"}}),
	} {
		if p.Status != http.StatusForbidden {
			t.Errorf("without tenant.manage: %d, want 403", p.Status)
		}
	}
	if after := settingsGetTenant(t, s, ten); after != before {
		t.Errorf("refused member changed the tenant: %+v", after)
	}
}
