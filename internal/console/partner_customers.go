package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/width"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
)

// A partner changes its customers' contracts here with the billing
// service's own quote → apply, as the tenants' screens do: the change is
// billed on the partner's wholesale statement, nothing to the customer.

func (c *Console) registerPartnerCustomers(rt *router) {
	base := customerURL("{c}")
	rt.page(base, c.partnerUser(c.portalCustomer))
	rt.post(base+"/licenses", c.partnerUser(c.portalCustomerLicenses))
	rt.post(base+"/terms", c.partnerUser(c.portalCustomerTerms))
	rt.post(base+"/apply", c.partnerUser(c.portalCustomerApply))
}

// customerURL is a customer's page in the portal; customerURL("") is
// where the pages that link customers start.
func customerURL(tenantID string) string { return "/partner/customers/" + tenantID }

// The customer page's two forms.
const (
	changeLicenses = "licenses" // the license count alone (annual contracts)
	changeTerms    = "terms"    // plan, contract and licenses
)

// portalCustomerPage is one customer of the partner: its contract and the
// forms that change it, or (Quote set) the change to confirm.
type portalCustomerPage struct {
	billingFrame
	Customer customerRow
	// Change is the form Form holds, refused, or the one Quote prices.
	Change string
	Quote  *billing.Quote
	// Notice is a catalog key shown above the confirmation: why it shows again.
	Notice string
}

// Paid reports whether the customer is on a plan of the catalog that is
// not free.
func (p *portalCustomerPage) Paid() bool {
	pl := p.Catalog.Plan(p.Customer.Plan)
	return pl != nil && !pl.Free
}

// Licensed reports whether the customer has a license count to change: a
// monthly contract bills its billable members instead.
func (p *portalCustomerPage) Licensed() bool {
	return p.Paid() && p.Customer.Contract != billing.Monthly
}

// Plans are the plans the terms form offers: a partner cannot move a
// customer back to the free plan (no plan of the catalog allows it).
func (p *portalCustomerPage) Plans() []*billing.Plan {
	var out []*billing.Plan
	for _, pl := range p.Catalog.Plans {
		if !pl.Free {
			out = append(out, pl)
		}
	}
	return out
}

// Contracts lists the contracts in screen order.
func (*portalCustomerPage) Contracts() []string { return billing.Contracts }

// FormFor is form which as shown: the refused one with its values and
// reasons, else the customer's current terms.
func (p *portalCustomerPage) FormFor(which string) Form {
	if p.Change == which {
		return p.Form
	}
	cu := p.Customer
	if which == changeLicenses {
		return Form{Values: url.Values{"licenses": {strconv.Itoa(cu.Licenses)}}}
	}
	v := url.Values{"plan": {cu.Plan}, "contract": {cu.Contract}, "licenses": {strconv.Itoa(max(cu.Licenses, cu.Billable, 1))}}
	if plans := p.Plans(); !p.Paid() && len(plans) > 0 {
		v.Set("plan", plans[0].ID)
		v.Set("contract", billing.Annual)
	}
	return Form{Values: v}
}

// Scheduled reports whether the quoted change waits for the renewal.
func (p *portalCustomerPage) Scheduled() bool { return scheduled(p.Quote, p.Calendar) }

// scheduled reports whether q takes effect after the day it was priced on
// (a reduction or downgrade at the renewal).
func scheduled(q *billing.Quote, calendar *time.Location) bool {
	return q.Effective.After(billing.Day(q.CreatedAt, calendar))
}

// customerFrame reads the customer of the path among the partner's own:
// another partner's tenant, or one that is no customer, is NotFound.
func (c *Console) customerFrame(r *http.Request) (*portalCustomerPage, error) {
	page := c.portalPage(r, "partner.customer.title", Crumb{Key: "partner.portal.title", Href: "/partner"}, Crumb{Key: "partner.customer.title"})
	p := &portalCustomerPage{billingFrame: c.withCatalog(page)}
	cs, err := c.svc.Partners.Customers(r.Context())
	if err != nil {
		return p, err
	}
	for _, row := range c.customerRows(cs, p.Lang) {
		if row.TenantID == r.PathValue("c") {
			p.Customer = row
			return p, nil
		}
	}
	return p, errs.E(errs.NotFound, "auth.tenant_not_found")
}

func (c *Console) portalCustomer(w http.ResponseWriter, r *http.Request) {
	p, err := c.customerFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "partner_customer", p)
}

// customerForm reads the customer and the posted form, or answers why not.
func (c *Console) customerForm(w http.ResponseWriter, r *http.Request, which string) (*portalCustomerPage, bool) {
	p, err := c.customerFrame(r)
	if err == nil {
		p.Form.Values, err = formValues(r)
	}
	if err != nil {
		c.fail(w, r, p.Page, err)
		return nil, false
	}
	p.Change = which
	return p, true
}

// portalCustomerLicenses is 確認へ進む on the license form.
func (c *Console) portalCustomerLicenses(w http.ResponseWriter, r *http.Request) {
	p, ok := c.customerForm(w, r, changeLicenses)
	if !ok {
		return
	}
	in, refusal := p.licensesAsked()
	c.customerConfirm(w, r, p, in, refusal, "")
}

// portalCustomerTerms is 確認へ進む on the plan and contract form.
func (c *Console) portalCustomerTerms(w http.ResponseWriter, r *http.Request) {
	p, ok := c.customerForm(w, r, changeTerms)
	if !ok {
		return
	}
	c.customerConfirm(w, r, p, p.termsAsked(), nil, "")
}

// licensesAsked is the license form's change. The count the customer has
// is refused here, on the field, as the service would refuse it on "plan".
func (p *portalCustomerPage) licensesAsked() (billing.QuoteInput, error) {
	cu := p.Customer
	n := count(p.Value("licenses"))
	in := billing.QuoteInput{Terms: billing.Terms{Plan: cu.Plan, Contract: cu.Contract, Licenses: n}}
	switch {
	case !p.Licensed(): // a page shown before the contract became monthly
		return in, errs.Field("licenses", "partner.customer.no_licenses")
	case n == cu.Licenses:
		return in, errs.Field("licenses", "billing.already_current")
	}
	return in, nil
}

// termsAsked is the terms form's change, or the one the confirmation
// carries in hidden fields; the service refuses a missing or unsold choice
// on its field. A monthly contract has no license count.
func (p *portalCustomerPage) termsAsked() billing.QuoteInput {
	in := billing.QuoteInput{Terms: billing.Terms{Plan: p.Value("plan"), Contract: p.Value("contract")},
		MailDomain: strings.TrimSpace(p.Value("mail_domain"))}
	if in.Contract != billing.Monthly {
		in.Licenses = count(p.Value("licenses"))
	}
	return in
}

// count reads a number as typed, full-width digits (１５) included; 0 when
// it is none.
func count(s string) int {
	n, err := strconv.Atoi(width.Narrow.String(strings.TrimSpace(s)))
	if err != nil {
		return 0
	}
	return n
}

// customerConfirm prices in and shows 変更内容の確認, or the form again
// with refusal (the form's own) or the service's; notice (a catalog key)
// says why the confirmation shows again.
func (c *Console) customerConfirm(w http.ResponseWriter, r *http.Request, p *portalCustomerPage, in billing.QuoteInput,
	refusal error, notice string) {
	err := refusal
	if err == nil {
		p.Quote, err = c.svc.Billing.Quote(r.Context(), p.Customer.TenantID, in)
	}
	if err != nil {
		p.Quote = nil
		c.formFailed(w, r, "partner_customer", p, err)
		return
	}
	p.Notice, p.Title = notice, "partner.customer.confirm.title"
	p.Crumbs[len(p.Crumbs)-1].Href = customerURL(p.Customer.TenantID)
	p.Crumbs = append(p.Crumbs, Crumb{Key: "partner.customer.confirm.title"})
	c.render(w, r, http.StatusOK, "partner_customer", p)
}

// portalCustomerApply is 変更する: the confirmed quote is applied and the
// customer's page says when it takes effect. A quote that no longer holds
// (the customer's members or contract moved) is priced again for another
// look.
func (c *Console) portalCustomerApply(w http.ResponseWriter, r *http.Request) {
	p, ok := c.customerForm(w, r, "")
	if !ok {
		return
	}
	p.Change = p.Value("change")
	id := p.Customer.TenantID
	res, err := c.svc.Billing.Apply(r.Context(), id, p.Value("quote_id"))
	switch {
	case errs.Is(err, errs.NotFound):
		c.fail(w, r, p.Page, err)
	case errs.Is(err, errs.Conflict) || errs.Is(err, errs.FailedPrecondition):
		c.customerConfirm(w, r, p, p.termsAsked(), nil, "billing.quote.stale")
	case err != nil:
		c.formFailed(w, r, "partner_customer", p, err)
	case scheduled(res.Quote, p.Calendar):
		redirect(w, r, customerURL(id), "partner_customer_scheduled")
	default:
		redirect(w, r, customerURL(id), "partner_customer_changed")
	}
}
