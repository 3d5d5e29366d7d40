package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
)

// TestSignInHomeAndLanguage walks the shell: the sign-in page, a wrong
// password shown on the form, the home page's greeting, tiles and set-up
// banner in Japanese, English by choice, and signing out.
func TestSignInHomeAndLanguage(t *testing.T) {
	s, ten := start(t)
	b := newBrowser(t, s)
	if p := b.get("/admin"); p.Status != http.StatusSeeOther || p.Location != "/admin/login?next=%2Fadmin" {
		t.Fatalf("signed out /admin: %d %q, want the sign-in page", p.Status, p.Location)
	}
	p := b.post("/admin/login", url.Values{"login_id": {"admin@" + ten.Domain}, "password": {"wrong-password"}})
	if p.Status != http.StatusUnauthorized || !strings.Contains(p.Body, `role="alert"`) {
		t.Fatalf("wrong password: %d, want 401 with the reason shown\n%s", p.Status, p.Body)
	}
	b.signIn("admin@"+ten.Domain, apptest.Password)
	home := b.get("/admin")
	for _, want := range []string{"Admin さん、こんにちは!", "会社情報", "初期設定がまだ完了していません。", "今すぐ設定する", `lang="ja"`} {
		if !strings.Contains(home.Body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	b.setLang("en")
	if en := b.get("/admin"); !strings.Contains(en.Body, "Hello, Admin!") || !strings.Contains(en.Body, `lang="en"`) {
		t.Errorf("English home page expected:\n%s", en.Body)
	}
	if p := b.post("/admin/logout", nil); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/admin/login") {
		t.Fatalf("sign out: %d %q", p.Status, p.Location)
	}
	if p := b.get("/admin"); p.Status != http.StatusSeeOther {
		t.Errorf("after sign-out /admin: %d, want a redirect to sign in", p.Status)
	}
}

// TestCrossSiteFormRefused: a form posted from another site is refused
// before it reaches the console.
func TestCrossSiteFormRefused(t *testing.T) {
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	p := b.postWith("/admin/logout", nil, http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}})
	if p.Status != http.StatusForbidden || !strings.Contains(p.Header.Get("Content-Type"), "text/html") || !strings.Contains(p.Body, "ほかのサイトから送られた変更は受け付けません") {
		t.Fatalf("cross-site post: %d %s, want 403 on the console's error page\n%s", p.Status, p.Header.Get("Content-Type"), p.Body)
	}
	if p := b.get("/admin"); p.Status != http.StatusOK {
		t.Errorf("the session must survive a refused cross-site post: %d", p.Status)
	}
}

// TestPlainMemberSeesOwnProfileOnly: a member without admin permissions
// gets a console with their profile and sessions, and no admin screens.
func TestPlainMemberSeesOwnProfileOnly(t *testing.T) {
	s, ten := start(t)
	res := s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/members", Token: ten.AdminToken,
		Body: map[string]any{"login_id": "jiro", "display_name": "鈴木 次郎", "password": "jiro-password-1"}})
	if res.Status != http.StatusCreated {
		t.Fatalf("add member: %d %s", res.Status, res.Body)
	}
	b := newBrowser(t, s)
	b.signIn("jiro@"+ten.Domain, "jiro-password-1")
	home := b.get("/admin")
	if strings.Contains(home.Body, `href="/admin/members"`) || strings.Contains(home.Body, "初期設定") {
		t.Errorf("a plain member's home must not offer admin screens or the set-up banner:\n%s", home.Body)
	}
	if p := b.get("/admin/profile"); p.Status != http.StatusOK || !strings.Contains(p.Body, "鈴木 次郎") {
		t.Errorf("own profile: %d\n%s", p.Status, p.Body)
	}
}

// TestSignupRefusalNextToField: the sign-up form shows each refusal next
// to its input, under the API's field name, and creates nothing.
func TestSignupRefusalNextToField(t *testing.T) {
	s, _ := start(t)
	b := newBrowser(t, s)
	form := url.Values{"works_group": {"newco"}, "company_name": {"New Co"}, "admin_login_id": {"taro"},
		"admin_email": {"taro@newco.example"}, "admin_password": {"taro-password-1"}}
	p := b.post("/signup", form)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `id="f-admin_name-error"`) {
		t.Fatalf("sign-up without a name: %d, want 422 with the reason next to admin_name\n%s", p.Status, p.Body)
	}
	if p := b.post("/admin/login", url.Values{"login_id": {"taro@newco.works.example"}, "password": {"taro-password-1"}}); p.Status == http.StatusSeeOther {
		t.Error("a refused sign-up must create nothing")
	}
}
