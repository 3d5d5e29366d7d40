package console

import (
	"net/http"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/money"
)

func (c *Console) registerOpsBilling(rt *router) {
	rt.post("/ops/tenants/{t}/payment-methods/{pm}/approve", c.opsOnly(c.opsApproveInvoicePayment))
	rt.post("/ops/tenants/{t}/invoices/{i}/paid", c.opsOnly(c.opsMarkPaid))
}

// opsMoney is how the operator's billing pages show money and days.
type opsMoney struct{}

// Money is amount in currency for people: ¥59,400, -¥5,400.
func (opsMoney) Money(amount int64, currency string) string {
	return money.New(amount, currency).String()
}

// Totals are amounts of several currencies, one after another; none is
// 0 of currency (the catalog's).
func (opsMoney) Totals(ms []money.Money, currency string) string {
	if len(ms) == 0 {
		return money.New(0, currency).String()
	}
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.String()
	}
	return strings.Join(out, " / ")
}

// Day is a billing day (a due day, a period's bounds): 2026/03/15; "—" for none.
func (opsMoney) Day(d time.Time) string {
	if d.IsZero() {
		return "—"
	}
	return billing.FormatDay(d)
}

// LastDay is the last day of a period whose end is the first day after it.
func (m opsMoney) LastDay(end time.Time) string {
	if end.IsZero() {
		return "—"
	}
	return m.Day(end.AddDate(0, 0, -1))
}

func (c *Console) opsApproveInvoicePayment(w http.ResponseWriter, r *http.Request) {
	t := r.PathValue("t")
	if _, err := c.svc.Billing.ApproveInvoicePayment(r.Context(), t, r.PathValue("pm")); err != nil {
		c.fail(w, r, c.opsPage(r, "error.title"), err)
		return
	}
	redirect(w, r, "/ops/tenants/"+t, "ops_invoice_payment_approved")
}

// opsMarkPaid records a bank transfer for an open invoice of the tenant
// of the path: an invoice of another tenant is NotFound.
func (c *Console) opsMarkPaid(w http.ResponseWriter, r *http.Request) {
	t, id := r.PathValue("t"), r.PathValue("i")
	inv, err := c.svc.Billing.Invoice(r.Context(), t, id)
	if err == nil && inv.TenantID != t {
		err = errs.E(errs.NotFound, "billing.invoice_not_found")
	}
	if err == nil {
		_, err = c.svc.Billing.MarkPaid(r.Context(), inv.ID)
	}
	if err != nil {
		c.fail(w, r, c.opsPage(r, "error.title"), err)
		return
	}
	redirect(w, r, "/ops/tenants/"+t, "ops_invoice_paid")
}
