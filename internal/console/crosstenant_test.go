package console_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/billing"
)

// TestConsoleCrossTenant: an admin of tenant A asks every console page and
// posts every console form that names a member, role, session, domain,
// invoice, payment method or quote with tenant B's ids. Each answers 404, and B's data is exactly as before.
func TestConsoleCrossTenant(t *testing.T) {
	s, a := start(t)
	b := s.Signup("beta")
	res := s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + b.ID + "/members", Token: b.AdminToken,
		Body: map[string]any{"login_id": "bob", "display_name": "Bob", "password": "bob-password-1"}})
	var bob struct{ ID string }
	res.Decode(t, &bob)
	res = s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + b.ID + "/roles", Token: b.AdminToken,
		Body: map[string]any{"name": "beta-auditors", "permissions": []string{"audit.read"}}})
	var role struct{ ID string }
	res.Decode(t, &role)
	res = s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + b.ID + "/domains", Token: b.AdminToken,
		Body: map[string]any{"name": "beta-owned.example"}})
	var dom struct{ ID string }
	res.Decode(t, &dom)
	bobToken := s.Login("bob@"+b.Domain, "bob-password-1")
	var sessions []struct{ ID string }
	s.Do(apptest.Request{Method: "GET", Path: "/api/v1/tenants/" + b.ID + "/sessions", Token: bobToken}).Decode(t, &sessions)
	if bob.ID == "" || role.ID == "" || len(sessions) == 0 || dom.ID == "" {
		t.Fatalf("fixtures: member %q role %q sessions %d domain %q", bob.ID, role.ID, len(sessions), dom.ID)
	}
	dir := directoryFixtures(t, membersAPI{t: t, s: s, ten: b}, bob.ID)
	snapshot := func() string {
		var out strings.Builder
		for _, path := range []string{"/members/" + bob.ID, "/roles", "/members/" + b.AdminID, "/domains",
			"/departments", "/positions", "/groups", "/fields", "/rules", "/directory-settings"} {
			r := s.Do(apptest.Request{Method: "GET", Path: "/api/v1/tenants/" + b.ID + path, Token: b.AdminToken})
			out.WriteString(string(r.Body))
		}
		return out.String()
	}
	card, inv := paidTenant(t, s, b, 2)
	billingSnap := func() string {
		ctx := asMember(t, s, b.AdminToken)
		ms, err1 := s.App.Services.Billing.PaymentMethods(ctx, b.ID)
		sub, err2 := s.App.Services.Billing.Subscription(ctx, b.ID)
		got, err3 := s.App.Services.Billing.Invoice(ctx, b.ID, inv.ID)
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatal(err1, err2, err3)
		}
		return fmt.Sprintf("%d %v %+v %+v %s", len(ms), ms[0].Default, sub.Terms, sub.CancelAt, got.Status)
	}
	beforeBilling := snapshot() + billingSnap()
	before := snapshot()

	admin := newBrowser(t, s)
	admin.signIn("admin@"+a.Domain, apptest.Password)
	foreign := map[string]string{"m": bob.ID, "r": role.ID, "s": sessions[0].ID, "d": dom.ID, "i": inv.ID, "pm": card.ID,
		"dep": dir.dep, "pos": dir.pos, "g": dir.group, "f": dir.field, "rule": dir.rule}
	param := regexp.MustCompile(`\{(\w+)\}`)
	fill := func(pattern string) (string, bool) {
		if !strings.HasPrefix(pattern, "/admin/") || !param.MatchString(pattern) {
			return "", false
		}
		path := param.ReplaceAllStringFunc(pattern, func(p string) string {
			v, ok := foreign[strings.Trim(p, "{}")]
			if !ok {
				t.Errorf("%s: no foreign value for %s: add one to this test", pattern, p)
			}
			return v
		})
		return path, true
	}
	form := url.Values{"action": {"deactivate"}, "display_name": {"Hacked"}, "name": {"hacked"}, "permissions": {"audit.read"},
		"confirm": {"beta-owned.example"}, "priority": {"1"}, "kind": {"text"}, "match": {"department:" + dir.dep}, "features": {"mail"}}
	checked := 0
	for _, pattern := range s.App.ConsolePages() {
		if path, ok := fill(pattern); ok {
			checked++
			if p := admin.get(path); p.Status != http.StatusNotFound {
				t.Errorf("GET %s with tenant B's id: %d, want 404", path, p.Status)
			}
		}
	}
	for _, pattern := range s.App.ConsoleActions() {
		if path, ok := fill(pattern); ok {
			checked++
			if p := admin.post(path, form); p.Status != http.StatusNotFound {
				t.Errorf("POST %s with tenant B's id: %d, want 404", path, p.Status)
			}
		}
	}
	// Ids that travel in the query or the form rather than the path.
	if p := admin.get("/admin/roles/transfer?member_id=" + bob.ID); strings.Contains(p.Body, "bob@") {
		t.Errorf("the transfer page shows tenant B's member: %d", p.Status)
	}
	if p := admin.post("/admin/roles/transfer", url.Values{"member_id": {bob.ID}}); p.Status != http.StatusNotFound {
		t.Errorf("transfer to tenant B's member: %d, want 404", p.Status)
	}
	if p := admin.post("/admin/members/new", url.Values{"login_id": {"eve"}, "display_name": {"Eve"}, "role_ids": {role.ID}}); p.Status != http.StatusNotFound && p.Status != http.StatusUnprocessableEntity {
		t.Errorf("add a member with tenant B's role: %d, want a refusal", p.Status)
	}
	// The billing forms that carry ids in the form: another tenant's quote.
	q, err := s.App.Services.Billing.Quote(asMember(t, s, b.AdminToken), b.ID,
		billing.QuoteInput{Terms: billing.Terms{Plan: "standard", Contract: billing.Annual, Licenses: 5}})
	if err != nil {
		t.Fatal(err)
	}
	admin.addCard("4242424242424242")
	if p := admin.post("/admin/billing/upgrade/apply", url.Values{"quote_id": {q.ID}, "plan": {"standard"}, "contract": {"annual"}, "licenses": {"5"}}); p.Status != http.StatusNotFound {
		t.Errorf("apply tenant B's quote: %d, want 404", p.Status)
	}
	if p := admin.post("/admin/billing/licenses/apply", url.Values{"quote_id": {q.ID}, "licenses": {"5"}}); p.Status != http.StatusNotFound {
		t.Errorf("apply tenant B's quote on ライセンスの管理: %d, want 404", p.Status)
	}
	if p := admin.get("/admin/billing/invoices/" + inv.ID + "/pdf"); p.Status != http.StatusNotFound {
		t.Errorf("tenant B's invoice PDF: %d, want 404", p.Status)
	}
	if after := snapshot() + billingSnap(); after != beforeBilling {
		t.Errorf("tenant B's billing changed:\nbefore %s\nafter  %s", beforeBilling, after)
	}
	if checked < 10 {
		t.Fatalf("only %d routes with ids checked", checked)
	}
	if after := snapshot(); after != before {
		t.Errorf("tenant B changed:\nbefore %s\nafter  %s", before, after)
	}
	if r := s.Do(apptest.Request{Method: "GET", Path: "/api/v1/tenants/" + b.ID + "/sessions", Token: bobToken}); r.Status != http.StatusOK {
		t.Errorf("tenant B's session was revoked: %d", r.Status)
	}
	if p := admin.get("/admin"); p.Status != http.StatusOK {
		t.Errorf("A's own console after the attempts: %d", p.Status)
	}
}
