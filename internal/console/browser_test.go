package console_test

// Browser tests drive a real, headless Chromium through the console with
// chromedp (v0.23's generic API: chromedp.Do for steps without a value,
// chromedp.Run for one with a value). They find Chromium through
// KANRI_TEST_CHROMIUM or the PATH and are skipped without it, except
// under CI=true, where a missing browser fails them (.ci/run installs it).
//
// Screenshots of every step go to $KANRI_TEST_SCREENSHOTS/<test>, else to
// the test's artifact directory with `go test -artifacts` (kept under
// -outputdir), else to $TMPDIR/kanri-screenshots/<test>; each path is
// logged.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/auth"
)

// browserTimeout bounds one browser test's use of Chromium, its start
// included.
const browserTimeout = 60 * time.Second

// chromiumPath finds the browser, or skips the test (fails it under CI).
func chromiumPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("chromium")
	if env := os.Getenv("KANRI_TEST_CHROMIUM"); env != "" {
		// A path that does not run would leave chromedp waiting for the
		// browser until the test's deadline.
		p, err = exec.LookPath(env)
	}
	if err == nil {
		return p
	}
	why := fmt.Sprintf("chromium not found (%v): apt-get install chromium, or set KANRI_TEST_CHROMIUM", err)
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
	return ""
}

// tab is one Chromium tab on a Kanri server; its methods are test steps
// that fail the test with the step's name when they fail.
type tab struct {
	t    *testing.T
	ctx  context.Context // carries the test's deadline
	base string          // Kanri's URL: http://127.0.0.1:<port>
	dir  string          // where shot saves screenshots
	n    int             // screenshots taken, for their file names
}

// newTab starts a headless Chromium of its own for t, stopped when t ends.
func newTab(t *testing.T, base string) *tab {
	t.Helper()
	return newTabWithin(t, base, browserTimeout)
}

// newTabWithin is newTab for a test that may use Chromium for up to limit.
func newTabWithin(t *testing.T, base string, limit time.Duration) *tab {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests are skipped with -short")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true))
	// The browser lives as long as the context of its first run: the
	// test's deadline bounds it all, start included.
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	ctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		// Close the browser gracefully, so that its helper processes end
		// with it, then free the allocator's temporary directory.
		if err := chromedp.Cancel(ctx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			t.Logf("close chromium: %v", err)
		}
		cancelBrowser()
		cancelAlloc()
		cancel()
	})
	// The viewport is set too: the window size includes the browser's frame.
	// The browser asks for Japanese, as a Japanese admin's does: the
	// console follows Accept-Language on a first visit.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
		Headers: network.Headers{"Accept-Language": "ja-JP,ja;q=0.9"}}); err != nil {
		t.Fatalf("ask for Japanese: %v", err)
	}
	return &tab{t: t, ctx: ctx, base: base, dir: screenshotDir(t)}
}

// screenshotDir is where t's screenshots go (see the file's comment).
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("KANRI_TEST_SCREENSHOTS"); d != "" {
		return filepath.Join(d, t.Name())
	}
	if f := flag.Lookup("test.artifacts"); f != nil && f.Value.String() == "true" {
		return t.ArtifactDir()
	}
	return filepath.Join(os.TempDir(), "kanri-screenshots", t.Name())
}

func (b *tab) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", step, err)
	}
}

// open loads path (or an absolute URL) and waits for the page; it returns
// the HTTP status of the document.
func (b *tab) open(path string) int64 {
	b.t.Helper()
	url := path
	if strings.HasPrefix(path, "/") {
		url = b.base + path
	}
	res, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(url))
	if err != nil {
		b.t.Fatalf("open %s: %v", url, err)
	}
	return res.Status
}

// fill types text into the input sel (a CSS selector) after clearing it.
func (b *tab) fill(sel, text string) {
	b.t.Helper()
	b.do("fill "+sel, chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text))
}

// typeAndEnter types text into sel and presses Enter, as a keyboard user
// submits a form; it returns the HTTP status of the page that loads.
func (b *tab) typeAndEnter(sel, text string) int64 {
	b.t.Helper()
	res, err := chromedp.RunResponse(b.ctx, chromedp.SendKeys(chromedp.CSS(sel), text+kb.Enter))
	switch {
	case err != nil:
		b.t.Fatalf("type into %s and press Enter: %v", sel, err)
	case res == nil:
		b.t.Fatalf("Enter in %s loaded no page", sel)
	}
	return res.Status
}

// click clicks sel without waiting for a page: for controls that change
// the page in place (htmx) or open something.
func (b *tab) click(sel string) {
	b.t.Helper()
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// submit clicks sel, a button or link that loads a page, waits for that
// page and returns its HTTP status (after redirects: the last page's).
func (b *tab) submit(sel string) int64 {
	b.t.Helper()
	res, err := chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.CSS(sel)))
	switch {
	case err != nil:
		b.t.Fatalf("submit %s: %v", sel, err)
	case res == nil:
		b.t.Fatalf("submit %s: no page was loaded (an htmx control? use click)", sel)
	}
	return res.Status
}

// text returns the visible text of sel, waiting for it to appear.
func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// value returns the current value of the input sel.
func (b *tab) value(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("value of %s: %v", sel, err)
	}
	return s
}

// waitVisible waits until sel is shown.
func (b *tab) waitVisible(sel string) {
	b.t.Helper()
	b.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}

// waitJS waits until the JavaScript expression js is true: for pages that
// change in place (htmx swaps).
func (b *tab) waitJS(js string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](js)); err != nil {
		b.shot("wait-failed")
		b.t.Fatalf("wait for %s: %v", js, err)
	}
}

// location is the URL the tab shows.
func (b *tab) location() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("location: %v", err)
	}
	return s
}

// wantText fails the test unless sel's text contains want.
func (b *tab) wantText(sel, want string) {
	b.t.Helper()
	if got := b.text(sel); !strings.Contains(got, want) {
		b.shot("unexpected")
		b.t.Fatalf("%s at %s: %q, want it to contain %q", sel, b.location(), got, want)
	}
}

// shot saves a full-page PNG of the tab as NN-name.png and logs its path.
func (b *tab) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(b.dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	b.n++
	p := filepath.Join(b.dir, fmt.Sprintf("%02d-%s.png", b.n, name))
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", p)
}

// cookie returns the browser's cookie name for Kanri's URL, or nil.
func (b *tab) cookie(name string) *network.Cookie {
	b.t.Helper()
	res, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{b.base + "/"}})
	if err != nil {
		b.t.Fatalf("read cookies: %v", err)
	}
	for _, c := range res.Cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// crossSite serves a page with a form that posts to Kanri's path from
// another site: http://localhost:<port> (Kanri is http://127.0.0.1:<port>,
// a different host, so a different site for SameSite and Sec-Fetch-Site).
func crossSite(t *testing.T, kanri, path string) string {
	t.Helper()
	html := `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Another site</title></head><body>
<h1>Another site</h1><form method="post" action="` + kanri + path + `"><input type="hidden" name="x" value="1">
<button type="submit" id="evil-submit">Claim your prize</button></form></body></html>`
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(html))
	}))
	t.Cleanup(hs.Close)
	return strings.Replace(hs.URL, "127.0.0.1", "localhost", 1)
}

// TestBrowserShell walks the console shell in Chromium: sign up, sign in,
// the greeting, the language switch both ways, and a cross-site form post
// refused while the session survives.
func TestBrowserShell(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, filepath.Join(t.TempDir(), "kanri.db"), nil)
	b := newTab(t, s.URL)

	// Sign up a works group through the form.
	if st := b.open("/signup"); st != http.StatusOK {
		t.Fatalf("GET /signup: %d", st)
	}
	b.fill("#f-works_group", "browser-co")
	b.fill("#f-company_name", "ブラウザ株式会社")
	b.fill("#f-phone", "03-1234-5678")
	b.fill("#f-admin_login_id", "taro")
	b.fill("#f-admin_name", "山田 太郎")
	b.fill("#f-admin_email", "taro@browser.example.com")
	b.fill("#f-admin_password", apptest.Password)
	b.shot("signup-filled")
	if st := b.submit("#signup-submit"); st != http.StatusOK {
		b.shot("signup-refused")
		t.Fatalf("sign up: %d at %s", st, b.location())
	}
	b.wantText(".flash", "登録が完了しました")
	if got, want := b.value("#f-login_id"), "taro@browser-co.works.example"; got != want {
		t.Fatalf("sign-in form's login id: %q, want %q", got, want)
	}
	b.shot("signed-up")

	// Sign in with the keyboard only (Enter in the password field); the
	// __Host- session cookie must stick on http://127.0.0.1.
	if st := b.typeAndEnter("#f-password", apptest.Password); st != http.StatusOK {
		b.shot("login-refused")
		t.Fatalf("sign in: %d at %s", st, b.location())
	}
	if c := b.cookie("__Host-kanri_session"); c == nil || !c.Secure || !c.HTTPOnly {
		t.Fatalf("session cookie: %+v; Chromium must keep the Secure __Host- cookie on http://127.0.0.1 (a secure context)", c)
	}
	b.wantText("h1.greeting", "山田 太郎 さん、こんにちは!")
	b.shot("home-ja")

	// English, then back to Japanese, with the header's button.
	b.submit("#lang-switch")
	b.wantText("h1.greeting", "Hello, 山田 太郎!")
	b.wantText("#sign-out", "Sign out")
	b.shot("home-en")
	b.submit("#lang-switch")
	b.wantText("h1.greeting", "山田 太郎 さん、こんにちは!")
	b.wantText("#sign-out", "ログアウト")
	b.shot("home-ja-again")

	// A form on another site posting to /admin/logout is refused.
	evil := crossSite(t, s.URL, "/admin/logout")
	if st := b.open(evil); st != http.StatusOK {
		t.Fatalf("cross-site page %s: %d", evil, st)
	}
	b.shot("cross-site-page")
	if st := b.submit("#evil-submit"); st != http.StatusForbidden {
		b.shot("cross-site-answer")
		t.Fatalf("cross-site post to /admin/logout: %d, want 403", st)
	}
	b.wantText("body", "ほかのサイトから送られた変更は受け付けません")
	b.shot("cross-site-refused")
	b.open("/admin")
	b.wantText("h1.greeting", "山田 太郎 さん、こんにちは!")
	b.shot("session-survived")

	// 会社情報: a refused phone number is shown next to its field, then a
	// good change is saved.
	b.open("/admin/settings/company")
	b.wantText(".crumbs", "基本設定")
	b.fill("#f-company_name", "ブラウザ商事株式会社")
	b.fill("#f-phone", "not a phone")
	if st := b.submit("#company-save"); st != http.StatusUnprocessableEntity {
		b.shot("company-unexpected")
		t.Fatalf("bad phone: %d, want 422", st)
	}
	b.waitVisible("#f-phone-error")
	b.shot("company-refused")
	b.fill("#f-phone", "03-9876-5432")
	if st := b.submit("#company-save"); st != http.StatusOK {
		t.Fatalf("save company: %d", st)
	}
	b.wantText(".flash", "会社情報を保存しました。")
	if got := b.value("#f-company_name"); got != "ブラウザ商事株式会社" {
		t.Fatalf("company name after saving: %q", got)
	}
	b.shot("company-saved")
	memberSteps(t, b)
}

// TestBrowserOps walks the operator console in Chromium: sign in at
// /ops/login, the tenants list, a search, and a tenant's page.
func TestBrowserOps(t *testing.T) {
	t.Parallel()
	s, _ := start(t)
	b := newTab(t, s.URL)
	s.Signup("beta-works")
	if _, err := s.App.Services.Sessions.CreateOperator(auth.System(context.Background(), "test"), opsEmail, "Ops", opsPassword); err != nil {
		t.Fatal(err)
	}

	b.open("/ops")
	b.fill("#f-email", opsEmail)
	b.fill("#f-password", opsPassword)
	b.shot("ops-login")
	if st := b.submit("#login-submit"); st != http.StatusOK {
		t.Fatalf("operator sign in: %d at %s", st, b.location())
	}
	b.wantText("#tenants", "beta-works")
	b.wantText("#tenants", "acme")
	b.shot("ops-tenants")

	b.fill("#f-q", "beta")
	b.submit("#tenant-search")
	if got := b.text("#tenants tbody"); strings.Contains(got, "acme") || !strings.Contains(got, "beta-works") {
		t.Fatalf("search for beta lists %q", got)
	}
	b.shot("ops-search")

	b.submit("#tenants tbody a")
	b.wantText("h1", "beta-works")
	b.wantText("#tenant-info", "beta-works.works.example")
	b.shot("ops-tenant")
}

// memberSteps adds a member through メンバー > メンバー追加, deactivates it
// through the confirmation page, then finds the company change and both
// member changes in 監査.
func memberSteps(t *testing.T, b *tab) {
	t.Helper()
	b.open("/admin/members")
	b.submit("#member-add")
	b.fill("#f-login_id", "hanako")
	b.fill("#f-display_name", "佐藤 花子")
	b.fill("#f-email", "hanako@browser.example.com")
	b.fill("#f-password", "hanako-password-1")
	b.shot("member-add-filled")
	if st := b.submit("#member-save"); st != http.StatusOK {
		b.shot("member-add-refused")
		t.Fatalf("add member: %d at %s", st, b.location())
	}
	b.wantText(".flash", "メンバーを追加しました。")
	b.wantText("#member-table", "佐藤 花子")
	b.shot("member-added")

	b.fill("#f-name", "花子")
	b.click("#member-search") // htmx: the results change in place, the URL follows
	b.waitJS(`location.search.includes("name=") && !document.querySelector("#member-table").textContent.includes("山田")`)
	b.wantText("#member-table", "hanako@")
	b.shot("member-search")
	b.submit("#member-table a")
	b.wantText("#member-login-id", "hanako@browser-co.works.example")
	b.submit("#member-deactivate")
	b.wantText("#status-effect", "ライセンス")
	b.shot("member-deactivate-confirm")
	if st := b.submit("#status-confirm"); st != http.StatusOK {
		t.Fatalf("deactivate: %d at %s", st, b.location())
	}
	b.wantText(".flash", "利用停止")
	b.shot("member-deactivated")

	// 監査: the company change, the new member and its deactivation are in
	// the trail; the search narrows it in place.
	b.open("/admin/audit")
	b.wantText("#audit-table", "tenant.updated")
	b.wantText("#audit-table", "member.added")
	b.wantText("#audit-table", "member.deactivated")
	b.shot("audit-all")
	b.fill("#f-action", "member.deactivated")
	b.click("#audit-submit")
	b.waitJS(`location.search.includes("action=") && !document.querySelector("#audit-table").textContent.includes("tenant.updated")`)
	b.wantText("#audit-table", "hanako@browser-co.works.example")
	b.wantText("#audit-table", "利用終了")
	b.shot("audit-deactivated")
}
