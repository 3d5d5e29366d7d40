package console_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// TestBrowserEveryPageAccessible opens every console page (the console's
// own list of GET routes, as TestEveryPageBothLanguages fills them) in
// Chromium, as the member, operator or partner user it is for, in
// Japanese, and runs axe-core's WCAG 2.0–2.2 A and AA rules on it: 0
// violations on any page (issue 17).
func TestBrowserEveryPageAccessible(t *testing.T) {
	f := everyPage(t)
	axe := axeSource(t)
	tabs := map[string]*tab{}
	for who, b := range map[string]*browser{"admin": f.admin, "ops": f.ops, "partner": f.portal, "": f.guest} {
		b.setLang("ja")
		tb := newTabWithin(t, f.s.URL, 5*time.Minute) // some seventy pages: a minute when the machine is quiet
		for _, c := range b.cookies {
			if _, err := chromedp.Call(tb.ctx, network.SetCookie, network.SetCookieParams{Name: c.Name, Value: c.Value, URL: f.s.URL + "/",
				Path: "/", Secure: new(c.Secure), HTTPOnly: new(c.HttpOnly)}); err != nil {
				t.Fatalf("give the %q tab its cookie %s: %v", who, c.Name, err)
			}
		}
		tabs[who] = tb
	}
	for _, path := range f.paths {
		tb := tabs[f.who[path]]
		if st := tb.open(path); st != http.StatusOK {
			t.Errorf("%s: %d, want 200", path, st)
			continue
		}
		wantAccessible(tb, axe, path)
	}
}
