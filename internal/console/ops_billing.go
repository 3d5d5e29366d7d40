package console

import (
	"time"

	"net/http"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/money"
)

func (c *Console) registerOpsBilling(rt *router) {
	rt.post("/ops/tenants/{t}/payment-methods/{pm}/approve", c.operator(c.opsApproveInvoicePayment))
	rt.post("/ops/tenants/{t}/invoices/{i}/paid", c.operator(c.opsMarkPaid))
}

// opsBilling is the billing part of an operator's tenant page: invoice
// payment requests to approve and open invoices to mark paid.
type opsBilling struct {
	Pending  []*billing.PaymentMethod
	Open     []*billing.Invoice
	Calendar *time.Location // the billing calendar's zone
}

// Yen is amount in currency for people.
func (opsBilling) Yen(amount int64, currency string) string {
	return money.New(amount, currency).String()
}

// Day is the billing calendar's day of an instant.
func (b opsBilling) Day(t time.Time) string { return billing.FormatDay(t.In(b.Calendar)) }

func (c *Console) loadOpsBilling(r *http.Request, tenantID string) (opsBilling, error) {
	b := opsBilling{Calendar: c.svc.Billing.Zone}
	ms, err := c.svc.Billing.PaymentMethods(r.Context(), tenantID)
	if err != nil {
		return b, err
	}
	for _, m := range ms {
		if m.Kind == billing.MethodInvoice && m.Status == billing.MethodPending {
			b.Pending = append(b.Pending, m)
		}
	}
	b.Open, err = c.svc.Billing.Invoices(r.Context(), tenantID, billing.InvoiceFilter{Status: billing.InvoiceOpen})
	return b, err
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
