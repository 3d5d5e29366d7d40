package console_test

import (
	"net/http"
	"net/url"
	"path/filepath"
	"testing"

	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
)

// TestMembersAddFollowsLicenses: on a plan in all_employees mode, adding a
// member when every license is taken is not refused: the notice says a
// license was added and billed.
func TestMembersAddFollowsLicenses(t *testing.T) {
	catalog := apptest.AllEmployeesCatalog(t)
	s := apptest.Start(t, filepath.Join(t.TempDir(), "kanri.db"), func(c *app.Config) { c.Billing.CatalogFile = catalog })
	ten := s.Signup("acme")
	call := func(status int, method, path string, body any) *apptest.Response {
		t.Helper()
		res := s.Do(apptest.Request{Method: method, Path: "/api/v1/tenants/" + ten.ID + path, Token: ten.AdminToken, Body: body})
		if res.Status != status {
			t.Fatalf("%s %s: %d %s", method, path, res.Status, res.Body)
		}
		return res
	}
	call(http.StatusCreated, "POST", "/payment-methods", map[string]any{"type": "card",
		"card": map[string]any{"number": "4242424242424242", "exp_month": 12, "exp_year": 2099, "cvc": "123"}})
	var q struct{ ID string }
	call(http.StatusCreated, "POST", "/subscription/quote", map[string]any{"plan": "standard", "contract": "annual", "licenses": 1}).Decode(t, &q)
	call(http.StatusOK, "POST", "/subscription", map[string]any{"quote_id": q.ID})

	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	p := b.post("/admin/members/new", url.Values{"login_id": {"taro"}, "display_name": {"山田 太郎"}, "email": {"taro@example.com"}})
	if p.Location != "/admin/members?flash=members_added_invited_licensed" {
		t.Fatalf("add over the licenses: %d, redirect to %q\n%.2000s", p.Status, p.Location, p.Body)
	}
	wantIn(t, "list after add", b.follow(p).Body, "招待メールを送信しました", "ライセンスを1つ追加しました", "山田 太郎")
	var sub struct{ Licenses int }
	call(http.StatusOK, "GET", "/subscription", nil).Decode(t, &sub)
	if sub.Licenses != 2 {
		t.Errorf("licenses after the add: %d; want 2", sub.Licenses)
	}
}
