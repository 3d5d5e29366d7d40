package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
)

// htmlLang is the lang attribute of a page's <html>.
func htmlLang(p *page) string {
	_, rest, _ := strings.Cut(p.Body, `<html lang="`)
	lang, _, _ := strings.Cut(rest, `"`)
	return lang
}

// TestLanguageOrder: the console speaks the language this browser chose
// with the switch, else the member's own (プロフィール), else the browser's
// Accept-Language, else the tenant's.
func TestLanguageOrder(t *testing.T) {
	t.Parallel()
	s, ten := start(t) // a Japanese tenant
	b := newBrowser(t, s)
	b.header = http.Header{"Accept-Language": {"en-US,en;q=0.9,ja;q=0.5"}}
	if got := htmlLang(b.get("/admin/login")); got != "en" {
		t.Errorf("first visit with Accept-Language en-US: lang %q, want en", got)
	}
	french := newBrowser(t, s)
	french.header = http.Header{"Accept-Language": {"fr-FR,fr;q=0.9"}}
	if got := htmlLang(french.get("/admin/login")); got != "ja" {
		t.Errorf("first visit in French: lang %q, want ja", got)
	}

	b.signIn("admin@"+ten.Domain, apptest.Password)
	if got := htmlLang(b.get("/admin")); got != "en" {
		t.Errorf("signed in, no choice made: lang %q, want the browser's en before the tenant's ja", got)
	}
	save := func(lang string) {
		t.Helper()
		p := b.post("/admin/profile", url.Values{"display_name": {"Admin"}, "email": {"admin@acme.example.com"}, "language": {lang}})
		if p.Status != http.StatusSeeOther {
			t.Fatalf("save language %q: %d\n%s", lang, p.Status, p.Body)
		}
	}
	save("ja")
	if got := htmlLang(b.get("/admin")); got != "ja" {
		t.Errorf("member chose ja: lang %q, want ja over the browser's en", got)
	}
	if p := b.get("/admin/profile"); !strings.Contains(p.Body, `<option value="ja" selected>`) {
		t.Errorf("profile does not show the member's choice ja")
	}
	other := newBrowser(t, s) // another browser of the same member, no cookie
	other.header = b.header
	other.signIn("admin@"+ten.Domain, apptest.Password)
	if got := htmlLang(other.get("/admin")); got != "ja" {
		t.Errorf("the member's choice on another browser: lang %q, want ja", got)
	}
	b.setLang("en")
	if got := htmlLang(b.get("/admin")); got != "en" {
		t.Errorf("after the switch to en: lang %q, want en", got)
	}
	save("")
	if got := htmlLang(b.get("/admin")); got != "en" {
		t.Errorf("following the tenant again: lang %q, want the browser's en", got)
	}
	b.header = nil
	if got := htmlLang(b.get("/admin")); got != "ja" {
		t.Errorf("no choice and no Accept-Language: lang %q, want the tenant's ja", got)
	}
	if p := b.post("/admin/profile", url.Values{"display_name": {"Admin"}, "email": {"admin@acme.example.com"}, "language": {"fr"}}); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.Body, "言語は「日本語」「English」または「会社の設定に従う」から選んでください") {
		t.Errorf("language fr: %d, want 422 with the reason in Japanese\n%s", p.Status, p.Body)
	}
}

// TestCompanyTimeZone: 会社情報 sets the tenant's time zone; the console's
// times follow it, named; an unknown zone is refused in the reader's
// language and changes nothing.
func TestCompanyTimeZone(t *testing.T) {
	t.Parallel()
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	form := func(zone string) url.Values {
		return url.Values{"company_name": {"acme Inc."}, "language": {"ja"}, "time_zone": {zone}, "notices_enabled": {"true"}, "notice_recipients": {"admins"}}
	}
	if p := b.get("/admin/settings/company"); !strings.Contains(p.Body, `<option value="Asia/Tokyo" selected>`) {
		t.Errorf("company page does not offer the default zone selected\n%s", p.Body)
	}
	if p := b.post("/admin/settings/company", form("Mars/Olympus_Mons")); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.Body, "タイムゾーン「Mars/Olympus_Mons」はありません") {
		t.Errorf("unknown zone: %d, want 422 naming it in Japanese\n%s", p.Status, p.Body)
	}
	if p := b.post("/admin/settings/company", form("America/Los_Angeles")); p.Status != http.StatusSeeOther {
		t.Fatalf("save zone: %d\n%s", p.Status, p.Body)
	}
	p := b.get("/admin/security") // the sessions' sign-in times
	if !strings.Contains(p.Body, " PST") && !strings.Contains(p.Body, " PDT") || strings.Contains(p.Body, " JST") {
		t.Errorf("sessions page in Los Angeles: want PST/PDT times, no JST\n%s", p.Body)
	}
}
