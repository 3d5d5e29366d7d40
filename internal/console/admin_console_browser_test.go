package console_test

import (
	"net/http"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/billing"
)

// TestBrowserConsoleDefects checks, in Chromium on a narrow window, the
// console defects of issue 17: a long login id stays inside the member
// status page's card (wrapped, the whole value in its title); ログイン中の
// セッション names the browser and OS and keeps its headings on one line;
// and キャンセル looks the same, a secondary button, on the billing,
// members and directory pages. axe-core checks each page.
func TestBrowserConsoleDefects(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, filepath.Join(t.TempDir(), "kanri.db"), nil)
	ten := s.Signup("a-long-works-group-name-for-an-overflow")
	const local = "a-member-with-a-rather-long-login-name-that-does-not-break"
	var m struct{ ID string }
	s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/members", Token: ten.AdminToken,
		Body: map[string]any{"login_id": local, "display_name": "Long Login", "password": "long-password-123"}}).Decode(t, &m)
	var dep struct{ ID string }
	s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/departments", Token: ten.AdminToken,
		Body: map[string]any{"name": "Sales"}}).Decode(t, &dep)
	card, err := s.App.Services.Billing.AddCard(asMember(t, s, ten.AdminToken), ten.ID,
		billing.Card{Number: "4242424242424242", ExpMonth: 12, ExpYear: 2099, CVC: "123"})
	if m.ID == "" || dep.ID == "" || err != nil {
		t.Fatalf("fixtures: member %q, department %q, card %v", m.ID, dep.ID, err)
	}
	b := newTab(t, s.URL)
	axe := axeSource(t)
	b.do("narrow the window", chromedp.EmulateViewport(1024, 800))
	b.open("/admin/login")
	b.fill("#f-login_id", "admin@"+ten.Domain)
	if st := b.typeAndEnter("#f-password", apptest.Password); st != http.StatusOK {
		t.Fatalf("sign in: %d at %s", st, b.location())
	}

	// The member status page: the login id wraps inside the card.
	b.open("/admin/members/" + m.ID + "/status?action=suspend")
	loginID := local + "@" + ten.Domain
	b.wantText("#status-login-id", local)
	overflow, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]float64](`(() => {
		const card = document.querySelector("section.card.narrow").getBoundingClientRect();
		const id = document.querySelector("#status-login-id").getBoundingClientRect();
		const effect = document.querySelector("#status-effect").getBoundingClientRect();
		return [id.right - card.right, effect.right - card.right,
			document.querySelector("section.card.narrow").scrollWidth - document.querySelector("section.card.narrow").clientWidth];
	})()`))
	if err != nil {
		t.Fatalf("measure the card: %v", err)
	}
	for i, what := range []string{"the login id", "the effect", "the card's content"} {
		if overflow[i] > 0 {
			t.Errorf("%s overflows the card by %.0fpx", what, overflow[i])
		}
	}
	if title, ok := attr(b, "#status-login-id", "title"); !ok || title != loginID {
		t.Errorf("the login id's title is %q, want the whole %q", title, loginID)
	}
	b.shot("member-status")
	wantAccessible(b, axe, "the member status page")

	// ログイン中のセッション: browser and OS; headings on one line.
	b.open("/admin/security")
	device := b.text(`#sessions [id^="device-"]`)
	if !regexp.MustCompile(`^Chrome \d+\(Linux\)$`).MatchString(device) {
		t.Errorf("headless Chromium's session reads %q, want Chrome NN(Linux)", device)
	}
	lines, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]int](`[...document.querySelectorAll("#sessions thead th")].map(th => {
		const r = document.createRange(); r.selectNodeContents(th);
		return new Set([...r.getClientRects()].filter(x => x.width > 0 && x.right > 0) /* not the visually hidden 操作 */.map(x => Math.round(x.top))).size;
	})`))
	if err != nil {
		t.Fatalf("measure the headings: %v", err)
	}
	for i, n := range lines {
		if n > 1 {
			t.Errorf("heading %d of the sessions table wraps onto %d lines", i+1, n)
		}
	}
	b.shot("sessions")
	wantAccessible(b, axe, "ログイン中のセッション")

	// キャンセル: the same secondary button on every page.
	var first map[string]string
	for _, page := range []struct{ path, sel string }{
		{"/admin/members/" + m.ID + "/status?action=suspend", "#status-cancel"},
		{"/admin/members/new", "#member-cancel"},
		{"/admin/departments/" + dep.ID, `#department-form .actions > a[href="/admin/departments"]`},
		{"/admin/billing/payment-methods/" + card.ID + "/remove", "#method-remove-cancel"},
		{"/admin/security/signout-all", `.actions a[href="/admin/security"]`},
	} {
		b.open(page.path)
		style, err := chromedp.Run(b.ctx, chromedp.Evaluate[map[string]string](`(() => {
			const s = getComputedStyle(document.querySelector(`+jsString(page.sel)+`));
			return {border: s.borderTopStyle + " " + s.borderTopWidth + " " + s.borderTopColor, padding: s.paddingLeft + " " + s.paddingTop,
				background: s.backgroundColor, color: s.color, decoration: s.textDecorationLine, radius: s.borderTopLeftRadius};
		})()`))
		if err != nil {
			t.Fatalf("style of %s on %s: %v", page.sel, page.path, err)
		}
		if style["border"] == "" || style["decoration"] != "none" {
			t.Errorf("キャンセル on %s is a plain link: %v", page.path, style)
		}
		if first == nil {
			first = style
		} else if !sameStyle(first, style) {
			t.Errorf("キャンセル on %s looks different: %v, want %v", page.path, style, first)
		}
	}
	b.shot("cancel")
	wantAccessible(b, axe, "the sign-out confirmation")
}

// attr returns sel's attribute name, and whether it has it.
func attr(b *tab, sel, name string) (string, bool) {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[*string](`document.querySelector(`+jsString(sel)+`).getAttribute(`+jsString(name)+`)`))
	if err != nil {
		b.t.Fatalf("attribute %s of %s: %v", name, sel, err)
	}
	if v == nil {
		return "", false
	}
	return *v, true
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string { return strconv.Quote(s) }

func sameStyle(a, b map[string]string) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}
