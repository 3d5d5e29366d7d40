package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
)

// invoicesURL is 購入/請求 > 請求書.
const invoicesURL = billingURL + "/invoices"

func invoiceURL(id string) string { return invoicesURL + "/" + url.PathEscape(id) }

func (c *Console) registerInvoices(rt *router) {
	b := c.billingOnly
	rt.page(invoicesURL, b(c.invoicesList))
	rt.page(invoicesURL+"/{i}", b(c.invoiceView))
	rt.file(invoicesURL+"/{i}/pdf", b(c.invoicePDF))
}

// invoicesPage is 請求書: the list, or one invoice (Invoice).
type invoicesPage struct {
	billingFrame
	Invoices []*billing.Invoice
	Invoice  *billing.Invoice
}

// Period is an invoice's billed period for people: its period key
// "2026-03-15/2026-04-15" (end exclusive) reads 2026/03/15–2026/04/14.
func (p invoicesPage) Period(inv *billing.Invoice) string {
	from, to, ok := strings.Cut(inv.Period, "/")
	start, err1 := time.Parse(time.DateOnly, from)
	end, err2 := time.Parse(time.DateOnly, to)
	if !ok || err1 != nil || err2 != nil {
		return inv.Period
	}
	return p.Day(start) + "–" + p.LastDay(end)
}

func (c *Console) invoicesList(w http.ResponseWriter, r *http.Request) {
	f, err := c.billingFrame(r, "menu.billing_invoices", Crumb{Key: "menu.billing_invoices"})
	p := &invoicesPage{billingFrame: f}
	if err == nil {
		p.Invoices, err = c.svc.Billing.Invoices(r.Context(), actor(r).TenantID, billing.InvoiceFilter{})
	}
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "billing_invoices", p)
}

func (c *Console) invoiceFrame(r *http.Request) (*invoicesPage, error) {
	f, err := c.billingFrame(r, "billing.invoice.title",
		Crumb{Key: "menu.billing_invoices", Href: invoicesURL}, Crumb{Key: "billing.invoice.title"})
	p := &invoicesPage{billingFrame: f}
	if err == nil {
		p.Invoice, err = c.svc.Billing.Invoice(r.Context(), actor(r).TenantID, r.PathValue("i"))
	}
	return p, err
}

// invoiceView shows the qualified invoice (適格請求書) as HTML.
func (c *Console) invoiceView(w http.ResponseWriter, r *http.Request) {
	p, err := c.invoiceFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "billing_invoice", p)
}

// invoicePDF downloads the invoice as a PDF in the page's language.
func (c *Console) invoicePDF(w http.ResponseWriter, r *http.Request) {
	p, err := c.invoiceFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	if c.svc.InvoicePDF == nil {
		c.fail(w, r, p.Page, errs.E(errs.FailedPrecondition, "billing.pdf_unavailable"))
		return
	}
	pdf, err := c.svc.InvoicePDF.Render(p.Invoice, p.Lang)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	sendPDF(w, p.Invoice.Number+".pdf", pdf)
}

// sendPDF answers with pdf as a download named name.
func sendPDF(w http.ResponseWriter, name string, pdf []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Content-Length", strconv.Itoa(len(pdf)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(pdf)
}
