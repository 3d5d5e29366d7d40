package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/kanri/kanri/internal/billing"
)

// opsAgingPage is 売掛金の年齢表: every tenant's open invoices by days past
// due, each bucket with its count and totals and a link to its invoices.
type opsAgingPage struct {
	Page
	opsMoney
	Aging    *billing.Aging
	Currency string // the catalog's: an empty bucket's total is 0 of it
}

// Link is the search of bucket key's open invoices.
func (opsAgingPage) Link(key string) string {
	return opsInvoicesURL + "?" + url.Values{"aging": {key}, "status": {billing.InvoiceOpen}}.Encode()
}

// Anchor is bucket key as an id: "90+" reads "90plus".
func (opsAgingPage) Anchor(key string) string { return strings.ReplaceAll(key, "+", "plus") }

// Count is how many open invoices the view holds.
func (p *opsAgingPage) Count() int {
	n := 0
	for _, b := range p.Aging.Buckets {
		n += b.Count
	}
	return n
}

func (c *Console) opsAging(w http.ResponseWriter, r *http.Request) {
	p := &opsAgingPage{Page: c.opsPage(r, "ops.aging.title", Crumb{Key: "ops.invoices.title", Href: opsInvoicesURL},
		Crumb{Key: "ops.aging.title"}), Currency: c.svc.Billing.Plans().Currency}
	var err error
	if p.Aging, err = c.svc.Billing.InvoiceAging(r.Context()); err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "ops_invoices_aging", p)
}
