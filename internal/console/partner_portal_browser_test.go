package console_test

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core's script (axe.min.js) from KANRI_TEST_AXE, else
// from npm's global packages (npm install -g axe-core), else "": the
// accessibility checks are then left out, and the test says so — under
// CI=true it fails instead (.ci/run installs axe-core).
func axeSource(t *testing.T) string {
	t.Helper()
	path := os.Getenv("KANRI_TEST_AXE")
	if path == "" {
		root, err := exec.Command("npm", "root", "-g").Output()
		if err == nil {
			path = filepath.Join(strings.TrimSpace(string(root)), "axe-core", "axe.min.js")
		}
	}
	src, err := os.ReadFile(path)
	if (err != nil || path == "") && os.Getenv("CI") == "true" {
		t.Fatalf("axe-core not found (%v) under CI=true: npm install -g axe-core, or set KANRI_TEST_AXE", err)
	}
	if err != nil || path == "" {
		t.Logf("axe-core not found (%v): the accessibility checks are left out; npm install -g axe-core, or set KANRI_TEST_AXE", err)
		return ""
	}
	return string(src)
}

// axeViolation is one rule axe-core found broken, with the elements.
type axeViolation struct {
	ID    string   `json:"id"`
	Help  string   `json:"help"`
	Nodes []string `json:"nodes"`
}

// axeRun runs axe-core's WCAG 2.0, 2.1 and 2.2 A and AA rules on the document.
const axeRun = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})
	.then(r => r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(" "))})))`

// wantAccessible fails the test for each WCAG rule the tab's page breaks,
// as axe-core (src) finds them; without src it checks nothing.
func wantAccessible(b *tab, src, page string) {
	b.t.Helper()
	if src == "" {
		return
	}
	b.do("load axe-core on "+page, chromedp.Evaluate[chromedp.Void](src))
	vs, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]axeViolation](axeRun, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("run axe-core on %s: %v", page, err)
	}
	for _, v := range vs {
		b.t.Errorf("%s: %s (%s) at %s", page, v.ID, v.Help, strings.Join(v.Nodes, ", "))
	}
}

// TestBrowserPartnerPortal walks the partner portal in Chromium: sign in
// at /partner/login with the keyboard, a malformed code refused next to
// its field, then the customer's code as typed (lower case, a space)
// authenticated: the notice names the company and the request awaits the
// customer's approval. axe-core checks each page.
func TestBrowserPartnerPortal(t *testing.T) {
	t.Parallel()
	s, ten, ops := startOps(t)
	partnerByForms(t, ops, "ABC 株式会社", "sales@abc.example.jp", "ja")
	code := issuePartnerCode(t, s, ten)
	b := newTab(t, s.URL)
	axe := axeSource(t)

	b.open("/partner")
	b.wantText("h1", "パートナーポータルへのログイン")
	wantAccessible(b, axe, "sign-in")
	b.fill("#f-email", "sales@abc.example.jp")
	if st := b.typeAndEnter("#f-password", portalPassword); st != http.StatusOK {
		t.Fatalf("sign in: %d at %s", st, b.location())
	}
	b.wantText("h1", "パートナーポータル")
	b.wantText(".brand", "パートナーポータル")
	b.wantText("#requests-none", "まだありません")
	b.shot("portal")
	wantAccessible(b, axe, "portal")

	b.fill("#f-code", "ERV123")
	if st := b.submit("#authenticate-submit"); st != http.StatusUnprocessableEntity {
		t.Fatalf("malformed code: %d, want 422", st)
	}
	b.wantText("#f-code-error", "ERV で始まる19文字の英数字です")
	b.waitJS(`document.querySelector("#f-code").getAttribute("aria-invalid") === "true"`)
	b.shot("code-refused")
	wantAccessible(b, axe, "code refused")

	b.fill("#f-code", strings.ToLower(code[:10])+" "+code[10:])
	if st := b.submit("#authenticate-submit"); st != http.StatusOK {
		t.Fatalf("authenticate: %d at %s", st, b.location())
	}
	b.wantText("#authenticated", "acme Inc.(acme)のパートナーコードを認証しました")
	b.wantText("#requests", "承認待ち")
	b.shot("authenticated")
	wantAccessible(b, axe, "authenticated")
}
