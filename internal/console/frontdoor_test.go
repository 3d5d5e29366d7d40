package console_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/auth"
)

// anyIDs puts "x" for every {parameter} of a route pattern.
func anyIDs(pattern string) string {
	return regexp.MustCompile(`\{\w+\}`).ReplaceAllString(pattern, "x")
}

// wantNosniff fails the test unless p says X-Content-Type-Options: nosniff.
func wantNosniff(t *testing.T, what string, p *page) {
	t.Helper()
	if got := p.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("%s: %d with X-Content-Type-Options %q, want nosniff", what, p.Status, got)
	}
}

// TestNosniffOnEveryConsoleAnswer: every answer the console gives carries
// nosniff: each page and each form as a stranger (sent to sign in), each
// form from another site (the CSRF refusal), the downloads, a static file,
// an unknown path and a body over the limit. TestEveryPageBothLanguages
// checks the pages themselves, signed in.
func TestNosniffOnEveryConsoleAnswer(t *testing.T) {
	s, ten := start(t)
	visitor, admin := newBrowser(t, s), newBrowser(t, s)
	admin.signIn("admin@"+ten.Domain, apptest.Password)
	for _, pattern := range s.App.ConsolePages() {
		wantNosniff(t, "GET "+pattern, visitor.get(anyIDs(pattern)))
	}
	for _, pattern := range s.App.ConsoleActions() {
		path := anyIDs(pattern)
		wantNosniff(t, "POST "+pattern, visitor.post(path, url.Values{}))
		p := admin.postWith(path, url.Values{}, http.Header{"Sec-Fetch-Site": {"cross-site"}})
		if p.Status != http.StatusForbidden {
			t.Errorf("cross-site POST %s: %d, want 403", pattern, p.Status)
		}
		wantNosniff(t, "cross-site POST "+pattern, p)
	}
	for _, path := range []string{"/admin/members/export.csv", "/admin/audit/export.csv", "/static/kanri.css", "/no/such/page", "/admin/no-such-page"} {
		wantNosniff(t, "GET "+path, admin.get(path))
	}
	wantNosniff(t, "413", admin.post("/admin/settings/company", url.Values{"company_name": {strings.Repeat("x", 1<<20)}}))
}

// TestConsoleBodyLimit: the console's forms have the API's body limit: 1 MiB,
// 64 MiB for the member import, however the body is sent (its length
// announced or not, a multipart form). A body over it gets 413 on the
// console's error page in the reader's language.
func TestConsoleBodyLimit(t *testing.T) {
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	big := url.Values{"company_name": {strings.Repeat("x", 1<<20)}}
	for _, lang := range []string{"ja", "en"} {
		b.setLang(lang)
		want := map[string]string{"ja": "送信された内容が大きすぎます", "en": "What you sent is too large"}[lang]
		for name, p := range map[string]*page{
			"form":      b.post("/admin/settings/company", big),
			"chunked":   b.send("POST", "/admin/settings/company", "application/x-www-form-urlencoded", io.MultiReader(strings.NewReader(big.Encode()))),
			"multipart": b.upload("/admin/settings/company", "file", "big.csv", []byte(strings.Repeat("x", 1<<20)), nil),
		} {
			if p.Status != http.StatusRequestEntityTooLarge {
				t.Errorf("%s (%s): %d, want 413", name, lang, p.Status)
			}
			wantIn(t, name+" ("+lang+")", p.Body, `<html lang="`+lang+`">`, "(413)", want)
			if p.Header.Get("Content-Security-Policy") == "" {
				t.Errorf("%s (%s): the error page has no Content-Security-Policy", name, lang)
			}
		}
	}
	// The import form takes more than 1 MiB: this file gets as far as the
	// import, which refuses its over-long name, not as far as 413.
	file := "login_id,display_name\nhanako," + strings.Repeat("花", 1<<19) + "\n"
	if p := b.upload("/admin/members/import", "file", "members.csv", []byte(file), nil); p.Status == http.StatusRequestEntityTooLarge || p.Status >= 500 {
		t.Errorf("import of %d bytes: %d, want the import's own answer\n%.2000s", len(file), p.Status, p.Body)
	}
	// Over 64 MiB it is refused as soon as the length is announced.
	res := rawPost(t, s, "/admin/members/import", 64<<20+1)
	if res.StatusCode != http.StatusRequestEntityTooLarge || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("import announcing 64 MiB + 1: %d, nosniff %q; want 413 with nosniff", res.StatusCode, res.Header.Get("X-Content-Type-Options"))
	}
}

// send makes a request with a body of contentType as this browser, from
// its own pages.
func (b *browser) send(method, path, contentType string, body io.Reader) *page {
	b.t.Helper()
	req, err := http.NewRequest(method, b.s.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// rawPost announces a multipart body of size bytes, sends none of it and
// reads the answer.
func rawPost(t *testing.T, s *apptest.Server, path string, size int) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: %d\r\nSec-Fetch-Site: same-origin\r\n\r\n--x\r\n",
		path, strings.TrimPrefix(s.URL, "http://"), size)
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	return res
}

// TestConsoleAuthentication: the console's pages take the front door's
// actor, as the API does: a revoked session cookie goes to sign in, a
// member's bearer token opens the admin console (scripts may drive it; it
// is no more than the token allows on the API), and a token that is not
// valid, or of the wrong kind, goes to sign in.
func TestConsoleAuthentication(t *testing.T) {
	s, ten := start(t)
	ctx := auth.System(context.Background(), "test")
	if _, err := s.App.Services.Sessions.CreateOperator(ctx, "op@kanri.example", "Op", "operator-password-1"); err != nil {
		t.Fatal(err)
	}
	res := s.Do(apptest.Request{Method: "POST", Path: "/api/v1/ops/login", Body: map[string]string{"login_id": "op@kanri.example", "password": "operator-password-1"}})
	var op struct{ Token string }
	res.Decode(t, &op)
	opsToken := op.Token

	visitor := newBrowser(t, s)
	bearer := func(path, token string) *page {
		req, err := http.NewRequest("GET", s.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		return visitor.do(req)
	}
	if p := bearer("/admin/members", ten.AdminToken); p.Status != http.StatusOK || !strings.Contains(p.Body, `id="member-table"`) {
		t.Errorf("admin console with a member's bearer token: %d, want the member list", p.Status)
	}
	for _, tc := range []struct{ name, path, token, login string }{
		{"unknown token", "/admin/members", "kanri_nope", "/admin/login"},
		{"operator's token on the admin console", "/admin/members", opsToken, "/admin/login"},
		{"member's token on the operator console", "/ops", ten.AdminToken, "/ops/login"},
	} {
		if p := bearer(tc.path, tc.token); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, tc.login) {
			t.Errorf("%s: %d to %q, want 303 to %s", tc.name, p.Status, p.Location, tc.login)
		}
	}
	if p := bearer("/ops", opsToken); p.Status != http.StatusOK {
		t.Errorf("operator console with an operator's bearer token: %d, want 200", p.Status)
	}

	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	if p := b.get("/admin/members"); p.Status != http.StatusOK {
		t.Fatalf("signed in: %d", p.Status)
	}
	if res := s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/sessions/revoke", Token: ten.AdminToken}); res.Status != http.StatusOK {
		t.Fatalf("revoke the tenant's sessions: %d %s", res.Status, res.Body)
	}
	if p := b.get("/admin/members"); p.Status != http.StatusSeeOther || p.Location != "/admin/login?next=%2Fadmin%2Fmembers" {
		t.Errorf("revoked cookie: %d to %q, want 303 to the sign-in page", p.Status, p.Location)
	}
	if p := b.getHX("/admin/members"); p.Status != http.StatusNoContent || !strings.HasPrefix(p.Header.Get("HX-Redirect"), "/admin/login") {
		t.Errorf("revoked cookie, htmx: %d HX-Redirect %q, want 204 to the sign-in page", p.Status, p.Header.Get("HX-Redirect"))
	}
	if p := b.get("/admin/login"); p.Status != http.StatusOK {
		t.Errorf("sign-in page with a revoked cookie: %d, want 200", p.Status)
	}
}

// TestConsoleBadCursor: a page link whose cursor cannot be read shows 400
// and says so beside the list, in the reader's language, with a link to
// the first page, instead of showing the first page as if it were asked for.
func TestConsoleBadCursor(t *testing.T) {
	s, ten := start(t)
	ctx := auth.System(context.Background(), "test")
	if _, err := s.App.Services.Sessions.CreateOperator(ctx, "op@kanri.example", "Op", "operator-password-1"); err != nil {
		t.Fatal(err)
	}
	admin, ops := newBrowser(t, s), newBrowser(t, s)
	admin.signIn("admin@"+ten.Domain, apptest.Password)
	ops.signInOperator("op@kanri.example", "operator-password-1")
	message := map[string]string{"ja": "このページ送りのリンクは読み取れません", "en": "This page link cannot be read"}
	for _, tc := range []struct {
		b           *browser
		path, table string
	}{
		{admin, "/admin/members?cursor=mem_garbage", `id="member-table"`},
		{admin, "/admin/audit?cursor=not-a-cursor", `id="audit-table"`},
		{ops, "/ops?after=ten_garbage", `id="tenants"`},
	} {
		for _, lang := range []string{"ja", "en"} {
			tc.b.setLang(lang)
			p := tc.b.get(tc.path)
			if p.Status != http.StatusBadRequest {
				t.Errorf("%s (%s): %d, want 400", tc.path, lang, p.Status)
			}
			if !regexp.MustCompile(`id="f-cursor-error"[^>]*>` + regexp.QuoteMeta(message[lang])).MatchString(p.Body) {
				t.Errorf("%s (%s): no message %q beside the list\n%.3000s", tc.path, lang, message[lang], p.Body)
			}
			if strings.Contains(p.Body, tc.table) {
				t.Errorf("%s (%s): shows a list", tc.path, lang)
			}
			wantIn(t, tc.path, p.Body, ">"+map[string]string{"ja": "最初へ", "en": "First page"}[lang]+"<")
		}
	}
	// htmx: the members list swaps its block (htmx swaps only a 200), the
	// audit search loads the whole page.
	if p := admin.getHX("/admin/members?cursor=mem_garbage"); p.Status != http.StatusOK || !strings.Contains(p.Body, `id="f-cursor-error"`) {
		t.Errorf("htmx members: %d, want the block with the message\n%.2000s", p.Status, p.Body)
	}
	if p := admin.getHX("/admin/audit?cursor=not-a-cursor"); p.Status != http.StatusBadRequest || p.Header.Get("HX-Redirect") != "/admin/audit?cursor=not-a-cursor" {
		t.Errorf("htmx audit: %d HX-Redirect %q, want 400 and a whole-page load", p.Status, p.Header.Get("HX-Redirect"))
	}
}

// TestRefusalsInReadersLanguage: what the front door refuses on its own (a
// form from another site, a path no route has) is said on the console's
// error page in the reader's language.
func TestRefusalsInReadersLanguage(t *testing.T) {
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	for _, lang := range []string{"ja", "en"} {
		b.setLang(lang)
		for _, tc := range []struct {
			name   string
			p      *page
			status int
			want   map[string]string
		}{
			{"cross-site form", b.postWith("/admin/settings/company", url.Values{}, http.Header{"Sec-Fetch-Site": {"cross-site"}}), http.StatusForbidden,
				map[string]string{"ja": "ほかのサイトから送られた変更は受け付けません", "en": "Changes sent from another site are refused"}},
			{"unknown path", b.get("/admin/no-such-page"), http.StatusNotFound,
				map[string]string{"ja": "このページはありません", "en": "There is no such page"}},
		} {
			if tc.p.Status != tc.status {
				t.Errorf("%s (%s): %d, want %d", tc.name, lang, tc.p.Status, tc.status)
			}
			wantIn(t, tc.name+" ("+lang+")", tc.p.Body, `<html lang="`+lang+`">`, tc.want[lang])
		}
	}
}

// TestStaticFilesNoListing: the static files are served, their folders are
// not listed.
func TestStaticFilesNoListing(t *testing.T) {
	s, _ := start(t)
	b := newBrowser(t, s)
	if p := b.get("/static/kanri.css"); p.Status != http.StatusOK {
		t.Errorf("GET /static/kanri.css: %d, want 200", p.Status)
	}
	for _, path := range []string{"/static/"} {
		if p := b.get(path); p.Status != http.StatusNotFound || strings.Contains(p.Body, `href="kanri.css"`) {
			t.Errorf("GET %s: %d, want 404 without a listing:\n%s", path, p.Status, p.Body)
		}
	}
}
