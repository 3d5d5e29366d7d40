package console

import (
	"net/http"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/tenant"
)

// opsInvoicePage is one invoice of any tenant, as operators see it: the
// document's contents, its tenant, and "mark paid" while it is open.
type opsInvoicePage struct {
	Page
	opsMoney
	Invoice *billing.Invoice
	Tenant  *tenant.Tenant
}

// Basis is how a line's amount is computed, in the page's language.
func (p *opsInvoicePage) Basis(l billing.Line, currency string) (string, error) {
	return l.Basis(currency, p.Lang)
}

// Period is an invoice's billed period: its key "2026-03-15/2026-04-15"
// (end exclusive) reads 2026/03/15–2026/04/14.
func (p *opsInvoicePage) Period() string {
	from, to, ok := strings.Cut(p.Invoice.Period, "/")
	start, err1 := time.Parse(time.DateOnly, from)
	end, err2 := time.Parse(time.DateOnly, to)
	if !ok || err1 != nil || err2 != nil {
		return p.Invoice.Period
	}
	return p.Day(start) + "–" + p.LastDay(end)
}

func (c *Console) loadOpsInvoice(r *http.Request) (*opsInvoicePage, error) {
	p := &opsInvoicePage{Page: c.opsPage(r, "ops.invoice.title", Crumb{Key: "ops.invoices.title", Href: opsInvoicesURL},
		Crumb{Key: "ops.invoice.title"})}
	var err error
	// An operator reads any tenant's invoice: no tenant narrows the lookup.
	if p.Invoice, err = c.svc.Billing.Invoice(r.Context(), "", r.PathValue("i")); err == nil {
		p.Tenant, err = c.svc.Tenants.GetAny(r.Context(), p.Invoice.TenantID)
	}
	return p, err
}

func (c *Console) opsInvoice(w http.ResponseWriter, r *http.Request) {
	p, err := c.loadOpsInvoice(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "ops_invoices_view", p)
}

// opsInvoicePDF downloads the invoice as the tenant receives it, in the
// page's language.
func (c *Console) opsInvoicePDF(w http.ResponseWriter, r *http.Request) {
	p, err := c.loadOpsInvoice(r)
	if err == nil && c.svc.InvoicePDF == nil {
		err = errs.E(errs.FailedPrecondition, "billing.pdf_unavailable")
	}
	var pdf []byte
	if err == nil {
		pdf, err = c.svc.InvoicePDF.Render(p.Invoice, p.Lang)
	}
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	sendPDF(w, p.Invoice.Number+".pdf", pdf)
}
