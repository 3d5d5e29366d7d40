package api_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
)

// allEmployeesCatalog writes the default catalog with the standard plan in
// all_employees mode and points the config at it.
func allEmployeesCatalog(t *testing.T) func(*app.Config) {
	t.Helper()
	raw, err := os.ReadFile("../billing/catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	const flexible = `"mode": "flexible",
      "features": [],`
	data := strings.Replace(string(raw), flexible, `"mode": "all_employees",
      "features": [],`, 1) // the first plan with no features after its mode: standard
	path := filepath.Join(t.TempDir(), "catalog.json")
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return func(c *app.Config) { c.Billing.CatalogFile = path }
}

// TestAddMemberFollowsLicenses: on a plan in all_employees mode, adding a
// member over the licenses is not refused: the answer says a license was
// added and billed, and the subscription has it.
func TestAddMemberFollowsLicenses(t *testing.T) {
	t.Parallel()
	onEachEngine(t, allEmployeesCatalog(t), func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme") // the super admin: 1 billable member
		subscribe(t, s, a, "standard", "annual", 1)
		res := expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(a.ID, "/members"), Token: a.AdminToken,
			Body: map[string]any{"login_id": "ann", "display_name": "Ann"}})
		got := decode[struct {
			Licenses *api.FollowedLicenses `json:"licenses"`
		}](t, res)
		// The term started today, so a license costs the whole term:
		// ¥450 × 12 = ¥5,400 + ¥540 tax, on an invoice now.
		want := &api.FollowedLicenses{From: 1, To: 2, Amount: 5940, Currency: "JPY", Invoice: "KNR-000002"}
		if diff := cmp.Diff(want, got.Licenses); diff != "" {
			t.Errorf("licenses in the answer (-want +got):\n%s", diff)
		}
		sub := decode[api.Subscription](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID, "/subscription"), Token: a.AdminToken}))
		if sub.Licenses != 2 {
			t.Errorf("subscription licenses %d; want 2", sub.Licenses)
		}
	})
}
