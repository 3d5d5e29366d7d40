package app_test

import (
	"context"
	"testing"

	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/store/storetest"
)

// withoutBillingRun does every job but the periodic billing run, which
// would charge open invoices too.
type withoutBillingRun struct{ handler }

func (withoutBillingRun) RunBilling(context.Context) error { return nil }

// TestSettleJob: a member added on a plan in all_employees mode is billed
// on an invoice in the member's transaction, and the job that transaction
// starts charges the card right after, without waiting for the billing run.
func TestSettleJob(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		catalog := apptest.AllEmployeesCatalog(t)
		s := apptest.Start(t, env.URL, func(c *app.Config) { c.Billing.CatalogFile = catalog })
		ten := s.Signup("settle")
		call := func(method, path string, body any) *apptest.Response {
			t.Helper()
			res := s.Do(apptest.Request{Method: method, Path: "/api/v1/tenants/" + ten.ID + path, Token: ten.AdminToken, Body: body})
			if res.Status >= 300 {
				t.Fatalf("%s %s: %d %s", method, path, res.Status, res.Body)
			}
			return res
		}
		call("POST", "/payment-methods", map[string]any{"type": "card",
			"card": map[string]any{"number": "4242424242424242", "exp_month": 12, "exp_year": 2099, "cvc": "123"}})
		var q struct{ ID string }
		call("POST", "/subscription/quote", map[string]any{"plan": "standard", "contract": "annual", "licenses": 1}).Decode(t, &q)
		call("POST", "/subscription", map[string]any{"quote_id": q.ID})
		run(t, newWorkerWith(t, s, withoutBillingRun{handler{Service: s.App.Services.Notify.Service, app: s.App}}))

		var added struct{ Licenses struct{ Invoice string } }
		call("POST", "/members", map[string]any{"login_id": "ann", "display_name": "Ann"}).Decode(t, &added)
		waitFor(t, "the job to charge "+added.Licenses.Invoice, func() (bool, string) {
			invs, err := s.App.DB.ListInvoices(context.Background(), billing.InvoiceFilter{TenantID: ten.ID, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			for _, inv := range invs {
				if inv.Number == added.Licenses.Invoice {
					return inv.Status == billing.InvoicePaid, inv.Status
				}
			}
			return false, "no invoice " + added.Licenses.Invoice
		})
	})
}
