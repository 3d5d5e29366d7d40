package console_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/auth"
)

// pageFixture is a server with something on every console page: a
// tenant with a member, a role, a domain, a paid contract, a directory;
// an operator; a partner with a switched customer. paths are the
// console's GET pages with their parameters filled; for each, who is to
// open it ("admin", "ops", "partner", or "" for anyone).
type pageFixture struct {
	s                         *apptest.Server
	admin, ops, portal, guest *browser
	adminLogin                string
	paths                     []string
	who                       map[string]string
}

func everyPage(t *testing.T) *pageFixture {
	t.Helper()
	s, ten := start(t)
	ctx := auth.System(context.Background(), "test")
	if _, err := s.App.Services.Sessions.CreateOperator(ctx, "op@kanri.example", "Op", "operator-password-1"); err != nil {
		t.Fatal(err)
	}
	res := s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/members", Token: ten.AdminToken,
		Body: map[string]any{"login_id": "hanako", "display_name": "山田 花子", "password": "hanako-password-1"}})
	var m struct{ ID string }
	res.Decode(t, &m)
	res = s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/roles", Token: ten.AdminToken,
		Body: map[string]any{"name": "監査担当", "permissions": []string{"audit.read"}}})
	var role struct{ ID string }
	res.Decode(t, &role)
	if m.ID == "" || role.ID == "" {
		t.Fatalf("fixtures: member %q role %q", m.ID, role.ID)
	}
	f := &pageFixture{s: s, admin: newBrowser(t, s), ops: newBrowser(t, s), guest: newBrowser(t, s), adminLogin: "admin@" + ten.Domain,
		who: map[string]string{}}
	f.admin.signIn(f.adminLogin, apptest.Password)
	f.ops.signInOperator("op@kanri.example", "operator-password-1")
	partnerID := partnerByForms(t, f.ops, "ABC 株式会社", "sales@abc.example.jp", "ja")
	f.portal = newBrowser(t, s)
	signInPartner(t, f.portal, "sales@abc.example.jp")
	customer := s.Signup("beta")
	paidTenant(t, s, customer, 3)
	switchTo(t, s, f.portal, customer)
	var sessions []struct{ ID string }
	s.Do(apptest.Request{Method: "GET", Path: "/api/v1/tenants/" + ten.ID + "/sessions", Token: ten.AdminToken}).Decode(t, &sessions)
	if len(sessions) == 0 {
		t.Fatal("no session to show")
	}
	var domains struct{ Items []struct{ ID string } }
	s.Do(apptest.Request{Method: "GET", Path: "/api/v1/tenants/" + ten.ID + "/domains", Token: ten.AdminToken}).Decode(t, &domains)
	if len(domains.Items) == 0 {
		t.Fatal("no domain to show")
	}
	card, inv := paidTenant(t, s, ten, 2)
	mailID, hookID := opsMoreFixtures(t, s)
	dir := directoryFixtures(t, membersAPI{t: t, s: s, ten: ten}, m.ID)
	params := map[string]string{"m": m.ID, "r": role.ID, "t": ten.ID, "s": sessions[0].ID, "d": domains.Items[0].ID, "i": inv.ID, "pm": card.ID, "p": partnerID,
		"c": customer.ID, "month": time.Now().Format("2006-01"), "dep": dir.dep, "pos": dir.pos, "g": dir.group, "f": dir.field, "rule": dir.rule, "mail": mailID, "w": hookID}
	param := regexp.MustCompile(`\{(\w+)\}`)

	pages := s.App.ConsolePages()
	if len(pages) < 5 {
		t.Fatalf("only %d pages registered", len(pages))
	}
	for _, pattern := range pages {
		path := param.ReplaceAllStringFunc(pattern, func(p string) string {
			v, ok := params[strings.Trim(p, "{}")]
			if !ok {
				t.Errorf("%s: no value for %s: add one to everyPage", pattern, p)
			}
			return v
		})
		switch {
		case strings.HasPrefix(path, "/ops") && path != "/ops/login":
			f.who[path] = "ops"
		case strings.HasPrefix(path, "/admin") && path != "/admin/login":
			f.who[path] = "admin"
		case strings.HasPrefix(path, "/partner") && path != "/partner/login":
			f.who[path] = "partner"
		}
		f.paths = append(f.paths, path)
	}
	return f
}

// TestEveryPageBothLanguages renders every console page (the console's
// own list of GET routes) in Japanese and English. A missing message key
// or a template error answers 500 and fails it; so does a page whose path
// has a parameter this test does not know how to fill.
func TestEveryPageBothLanguages(t *testing.T) {
	f := everyPage(t)
	for _, path := range f.paths {
		b := map[string]*browser{"ops": f.ops, "admin": f.admin, "partner": f.portal, "": f.guest}[f.who[path]]
		for _, lang := range []string{"ja", "en"} {
			b.setLang(lang)
			p := b.get(path)
			if p.Status != http.StatusOK {
				t.Errorf("%s (%s): %d, want 200\n%.400s", path, lang, p.Status, p.Body)
				continue
			}
			if !strings.Contains(p.Body, `<html lang="`+lang+`">`) {
				t.Errorf("%s (%s): page is not in %s", path, lang, lang)
			}
			wantNosniff(t, path, p)
		}
	}
}

// destructive are the console's POST routes that an empty form carries
// out rather than refuses (they ask nothing): signing out, revoking,
// deleting, cancelling. TestEveryRefusalBothLanguages leaves them out.
var destructive = []string{"/lang", "/admin/logout", "/ops/logout", "/admin/security/signout-all", "/admin/security/sessions/{s}/revoke",
	"/admin/roles/{r}/delete", "/admin/settings/domains/{d}/delete", "/admin/billing/cancel", "/admin/billing/withdraw",
	"/admin/billing/payment-methods/{pm}/remove", "/admin/billing/payment-methods/{pm}/default", "/admin/two-factor/start",
	"/admin/two-factor/disable", "/admin/two-factor/recovery-codes", "/admin/members/{m}/invitation", "/admin/members/{m}/password-reset",
	"/admin/members/{m}/two-factor/reset", "/admin/billing/payment-methods/invoice", "/ops/tenants/{t}/payment-methods/{pm}/approve",
	"/ops/tenants/{t}/invoices/{i}/paid", "/admin/settings/domains/{d}/verify", "/forgot-password",
	"/admin/departments/{dep}/delete", "/admin/positions/{pos}/delete", "/admin/groups/{g}/delete", "/admin/rules/settings"}

var (
	// alerts are the texts a page shows as refusals: field errors, the
	// form's error, the list of reasons, the error page's message.
	alerts = regexp.MustCompile(`(?s)role="alert"[^>]*>(.*?)</(?:p|ul)>`)
	// englishWords is three English words in a row: a sentence, not an id.
	englishWords = regexp.MustCompile(`\b[A-Za-z]{2,} [a-z]{2,} [a-z]{2,}\b`)
	// japaneseText is a kana or kanji.
	japaneseText = regexp.MustCompile(`[\p{Hiragana}\p{Katakana}\p{Han}]`)
)

// TestEveryRefusalBothLanguages posts an empty form to every console POST
// route that would refuse one (the console's own list), as the member or
// operator it is for, in Japanese and in English, and fails when a
// refusal on a Japanese page reads as English or one on an English page
// holds Japanese.
func TestEveryRefusalBothLanguages(t *testing.T) {
	s, ten := start(t)
	ctx := auth.System(context.Background(), "test")
	if _, err := s.App.Services.Sessions.CreateOperator(ctx, "op@kanri.example", "Op", "operator-password-1"); err != nil {
		t.Fatal(err)
	}
	res := s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/members", Token: ten.AdminToken,
		Body: map[string]any{"login_id": "hanako", "display_name": "山田 花子", "password": "hanako-password-1"}})
	var m struct{ ID string }
	res.Decode(t, &m)
	admin, ops, visitor := newBrowser(t, s), newBrowser(t, s), newBrowser(t, s)
	admin.signIn("admin@"+ten.Domain, apptest.Password)
	ops.signInOperator("op@kanri.example", "operator-password-1")
	params := map[string]string{"m": m.ID, "r": "rol_none", "t": ten.ID, "s": "ses_none", "d": "dom_none", "i": "inv_none", "pm": "pm_none",
		"dep": "dep_none", "pos": "pos_none", "g": "grp_none", "f": "fld_none", "rule": "rul_none"}
	param := regexp.MustCompile(`\{(\w+)\}`)
	refused := 0
	for _, pattern := range s.App.ConsoleActions() {
		if slices.Contains(destructive, pattern) {
			continue
		}
		path := param.ReplaceAllStringFunc(pattern, func(p string) string { return params[strings.Trim(p, "{}")] })
		b := visitor
		switch {
		case strings.HasPrefix(path, "/ops") && path != "/ops/login":
			b = ops
		case strings.HasPrefix(path, "/admin") && path != "/admin/login":
			b = admin
		}
		for _, lang := range []string{"ja", "en"} {
			b.setLang(lang)
			p := b.post(path, url.Values{})
			if p.Status < 400 {
				continue
			}
			refused++
			for _, a := range alerts.FindAllStringSubmatch(p.Body, -1) {
				text := html.UnescapeString(a[1])
				if lang == "ja" && englishWords.MatchString(text) {
					t.Errorf("POST %s (ja): %d, the refusal reads as English: %q", path, p.Status, text)
				}
				if lang == "en" && japaneseText.MatchString(text) {
					t.Errorf("POST %s (en): %d, the refusal holds Japanese: %q", path, p.Status, text)
				}
			}
		}
	}
	if refused < 30 {
		t.Errorf("only %d refusals met: the test no longer reaches the forms", refused)
	}
}
