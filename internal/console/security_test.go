package console_test

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
)

// securityToken is the session token b's cookie carries.
func securityToken(t *testing.T, b *browser) string {
	t.Helper()
	for name, c := range b.cookies {
		if name != "kanri_lang" {
			return c.Value
		}
	}
	t.Fatal("the browser has no session cookie")
	return ""
}

// securityCurrent is the id of the session token belongs to.
func securityCurrent(t *testing.T, s *apptest.Server, ten *apptest.Tenant, token string) string {
	t.Helper()
	res := s.Do(apptest.Request{Method: "GET", Path: "/api/v1/tenants/" + ten.ID + "/sessions", Token: token})
	var list []struct {
		ID      string `json:"id"`
		Current bool   `json:"current"`
	}
	res.Decode(t, &list)
	for _, x := range list {
		if x.Current {
			return x.ID
		}
	}
	t.Fatalf("no current session in %s", res.Body)
	return ""
}

// securityTokenWorks reports whether the API still accepts token.
func securityTokenWorks(s *apptest.Server, ten *apptest.Tenant, token string) bool {
	return s.Do(apptest.Request{Method: "GET", Path: "/api/v1/tenants/" + ten.ID, Token: token}).Status == http.StatusOK
}

var (
	securityJA = regexp.MustCompile(`\d{4}/\d{2}/\d{2} \d{2}:\d{2} JST`)
	securityEN = regexp.MustCompile(`[A-Z][a-z]{2} \d{1,2}, \d{4} \d{2}:\d{2} JST`)
)

// TestSecurityRevokeSessions: the list shows every session of mine with
// this one marked; revoking another device signs only it out, revoking
// this one signs me out.
func TestSecurityRevokeSessions(t *testing.T) {
	s, ten := start(t)
	b1, b2 := newBrowser(t, s), newBrowser(t, s)
	b1.signIn("admin@"+ten.Domain, apptest.Password)
	b2.signIn("admin@"+ten.Domain, apptest.Password)
	me, other := securityCurrent(t, s, ten, securityToken(t, b1)), securityCurrent(t, s, ten, securityToken(t, b2))

	p := b1.get("/admin/security")
	if p.Status != http.StatusOK {
		t.Fatalf("GET security: %d\n%s", p.Status, p.Body)
	}
	wantIn(t, "sessions page", p.Body, "<h1>ログイン中のセッション</h1>", "セキュリティ", "IPアドレス", "ログイン日時", "有効期限",
		`id="session-`+me+`"`, `id="session-`+other+`"`, `href="/admin/security/signout-all"`, "すべての端末からログアウト")
	if n := strings.Count(p.Body, `id="revoke-`); n != 3 {
		t.Errorf("%d sessions listed, want 3 (two browsers and the API token)", n)
	}
	if n := strings.Count(p.Body, `id="session-current"`); n != 1 || !strings.Contains(p.Body[strings.Index(p.Body, `id="session-`+me+`"`):], "この端末") {
		t.Errorf("this session must be marked once (%d marks)", n)
	}
	if !securityJA.MatchString(p.Body) {
		t.Errorf("no time like 2006/01/02 15:04 JST on the Japanese page")
	}

	c := b1.get("/admin/security/sessions/" + other + "/revoke")
	wantIn(t, "revoke confirmation", c.Body, "この端末はログアウトされます", `action="/admin/security/sessions/`+other+`/revoke"`)
	if b2.get("/admin").Status != http.StatusOK {
		t.Fatalf("the confirmation page signed the other device out")
	}
	p = b1.post("/admin/security/sessions/"+other+"/revoke", nil)
	if p.Status != http.StatusSeeOther || p.Location != "/admin/security?flash=security_session_revoked" {
		t.Fatalf("revoke other: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	if after := b1.follow(p); !strings.Contains(after.Body, "セッションをログアウトしました。") || strings.Contains(after.Body, other) {
		t.Errorf("after revoking: the flash is missing or the session is still listed")
	}
	if b2.get("/admin").Status != http.StatusSeeOther {
		t.Errorf("the revoked device is still signed in")
	}
	if p := b1.post("/admin/security/sessions/"+other+"/revoke", nil); p.Status != http.StatusNotFound {
		t.Errorf("revoking it again: %d, want 404", p.Status)
	}

	wantIn(t, "revoke this session", b1.get("/admin/security/sessions/"+me+"/revoke").Body, "これは今お使いの端末です")
	p = b1.post("/admin/security/sessions/"+me+"/revoke", nil)
	if p.Status != http.StatusSeeOther || p.Location != "/admin/login?flash=signed_out" {
		t.Fatalf("revoke this session: %d %q", p.Status, p.Location)
	}
	if len(b1.cookies) != 0 {
		t.Errorf("the session cookie was not cleared: %v", b1.cookies)
	}
	if b1.get("/admin").Status != http.StatusSeeOther {
		t.Errorf("still signed in after revoking this session")
	}
	if !securityTokenWorks(s, ten, ten.AdminToken) {
		t.Errorf("revoking one session ended the API token too")
	}
}

// TestSecuritySignOutEverywhere: after the confirmation every session of the
// member ends, its API token included; other members stay signed in.
func TestSecuritySignOutEverywhere(t *testing.T) {
	s, ten := start(t)
	_, plainLogin := settingsMember(t, s, ten, "plain", "Plain Member")
	plain := newBrowser(t, s)
	plain.signIn(plainLogin, apptest.Password)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)

	c := b.get("/admin/security/signout-all")
	wantIn(t, "sign-out-everywhere confirmation", c.Body, "この端末も含みます", `id="signout-all-confirm"`)
	if !securityTokenWorks(s, ten, ten.AdminToken) {
		t.Fatalf("the confirmation page signed out")
	}
	p := b.post("/admin/security/signout-all", nil)
	if p.Status != http.StatusSeeOther || p.Location != "/admin/login?flash=security_signed_out_everywhere" {
		t.Fatalf("sign out everywhere: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	wantIn(t, "sign-in page", b.follow(p).Body, "すべての端末からログアウトしました。")
	if b.get("/admin").Status != http.StatusSeeOther {
		t.Errorf("the browser is still signed in")
	}
	if securityTokenWorks(s, ten, ten.AdminToken) {
		t.Errorf("the member's API token still works after signing out everywhere")
	}
	if plain.get("/admin").Status != http.StatusOK {
		t.Errorf("another member was signed out")
	}
}

// TestSecurityOtherMembersSessions: a member without any role has the page
// and cannot end someone else's session.
func TestSecurityOtherMembersSessions(t *testing.T) {
	s, ten := start(t)
	_, login := settingsMember(t, s, ten, "plain", "Plain Member")
	b := newBrowser(t, s)
	b.signIn(login, apptest.Password)
	if home := b.get("/admin"); !strings.Contains(home.Body, `href="/admin/security"`) {
		t.Errorf("a plain member has no sessions entry")
	}
	if p := b.get("/admin/security"); p.Status != http.StatusOK || strings.Count(p.Body, `id="revoke-`) != 1 {
		t.Errorf("plain member's sessions page: %d, want one session", p.Status)
	}
	admins := securityCurrent(t, s, ten, ten.AdminToken)
	if p := b.get("/admin/security/sessions/" + admins + "/revoke"); p.Status != http.StatusNotFound {
		t.Errorf("another member's session confirmation: %d, want 404", p.Status)
	}
	if p := b.post("/admin/security/sessions/"+admins+"/revoke", nil); p.Status != http.StatusNotFound {
		t.Errorf("revoking another member's session: %d, want 404", p.Status)
	}
	if !securityTokenWorks(s, ten, ten.AdminToken) {
		t.Errorf("another member ended the admin's session")
	}
}

// TestSecurityEnglish renders the security pages in English.
func TestSecurityEnglish(t *testing.T) {
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	b.setLang("en")
	me := securityCurrent(t, s, ten, securityToken(t, b))
	p := b.get("/admin/security?flash=security_session_revoked")
	wantIn(t, "English sessions page", p.Body, `lang="en"`, "Signed-in sessions", "This device", "IP address", "Sign out everywhere",
		"The session has been signed out.")
	if !securityEN.MatchString(p.Body) {
		t.Errorf("no time like Jan 2, 2006 15:04 JST on the English page")
	}
	wantIn(t, "English revoke", b.get("/admin/security/sessions/"+me+"/revoke").Body, "This is the device you are using")
	wantIn(t, "English sign out everywhere", b.get("/admin/security/signout-all").Body, "this one included", "To carry on, sign in again.")
	p = b.post("/admin/security/signout-all", nil)
	wantIn(t, "English sign-in page", b.follow(p).Body, "You have been signed out everywhere.")
}

// TestSecurityDevices: ログイン中のセッション names each session's browser
// and OS instead of its User-Agent, keeps the whole User-Agent in a title,
// shortens one it does not know, and keeps its headings on one line.
func TestSecurityDevices(t *testing.T) {
	s, ten := start(t)
	const (
		chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.71 Safari/537.36"
		safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
		odd    = "KanriSyncAgent/2.1 (build 2026-12-01; channel stable; arch amd64; extra words to make it long)"
	)
	ids := map[string]string{}
	var b *browser
	for _, ua := range []string{safari, odd, chrome} {
		b = newBrowser(t, s)
		b.header = http.Header{"User-Agent": {ua}}
		b.signIn("admin@"+ten.Domain, apptest.Password)
		ids[ua] = securityCurrent(t, s, ten, securityToken(t, b))
	}
	device := func(body, ua string) string {
		m := regexp.MustCompile(`id="device-` + ids[ua] + `"[^>]*>([^<]*)</span>`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no device for %s", ua)
		}
		return html.UnescapeString(m[1])
	}
	p := b.get("/admin/security")
	wantIn(t, "sessions page", p.Body, `<table id="sessions" class="nowrap-head">`, `title="`+html.EscapeString(chrome)+`"`)
	for ua, want := range map[string]string{chrome: "Chrome 120(Windows)", safari: "Mobile Safari 17(iOS 17)",
		odd: "KanriSyncAgent/2.1 (build 2026-12-01; channel stable; arch …"} {
		if got := device(p.Body, ua); got != want {
			t.Errorf("the session of %s reads %q, want %q", ua, got, want)
		}
	}
	wantIn(t, "the confirmation", b.get("/admin/security/sessions/"+ids[safari]+"/revoke").Body, `id="revoke-device" title="`, "Mobile Safari 17(iOS 17)")
	b.setLang("en")
	if got := device(b.get("/admin/security").Body, chrome); got != "Chrome 120 on Windows" {
		t.Errorf("in English: %q, want Chrome 120 on Windows", got)
	}
}
