package console

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/text/width"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/partner"
)

func (c *Console) registerOpsPartners(rt *router) {
	rt.page("/ops/partners", c.operator(c.opsPartners))
	rt.post("/ops/partners", c.operator(c.opsPartnerCreate))
	rt.page("/ops/partners/{p}", c.operator(c.opsPartner))
	rt.post("/ops/partners/{p}", c.operator(c.opsPartnerUpdate))
	rt.post("/ops/partners/{p}/suspend", c.operator(c.opsPartnerStatus(partner.StatusSuspended, "ops_partner_suspended")))
	rt.post("/ops/partners/{p}/reactivate", c.operator(c.opsPartnerStatus(partner.StatusActive, "ops_partner_reactivated")))
	rt.post("/ops/partners/{p}/users", c.operator(c.opsPartnerAddUser))
	rt.page("/ops/partners/{p}/statements/{month}", c.operator(c.opsStatement))
	rt.file("/ops/partners/{p}/statements/{month}/csv", c.operator(c.opsStatementCSV))
}

// opsPartnersPage lists the partners, with the form that adds one.
type opsPartnersPage struct {
	Page
	Partners []*partner.Partner
}

func (c *Console) opsPartners(w http.ResponseWriter, r *http.Request) {
	p, err := c.loadOpsPartners(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "ops_partners", p)
}

func (c *Console) loadOpsPartners(r *http.Request) (*opsPartnersPage, error) {
	p := &opsPartnersPage{Page: c.opsPage(r, "ops.partners.title", Crumb{Key: "ops.partners.title"})}
	var err error
	p.Partners, err = c.svc.Partners.List(r.Context())
	return p, err
}

// opsPartnerCreate adds a partner and opens its page, where its users are
// added next.
func (c *Console) opsPartnerCreate(w http.ResponseWriter, r *http.Request) {
	v, err := formValues(r)
	var created *partner.Partner
	if err == nil {
		var f partner.Fields
		if f, err = partnerFields(v); err == nil {
			created, err = c.svc.Partners.Create(r.Context(), f)
		}
	}
	if err != nil {
		p, lerr := c.loadOpsPartners(r)
		if lerr != nil {
			c.fail(w, r, p.Page, lerr)
			return
		}
		p.Form.Values = v
		c.formFailed(w, r, "ops_partners", p, err)
		return
	}
	redirect(w, r, "/ops/partners/"+created.ID, "ops_partner_created")
}

// partnerFields reads a partner's form. Every field is sent, so an empty
// one clears it; an empty discount is none (0%). Digits typed full-width
// (２０) are read as the same number.
func partnerFields(v url.Values) (partner.Fields, error) {
	f := partner.Fields{Name: field(v, "name"), ContactName: field(v, "contact_name"), ContactEmail: field(v, "contact_email"),
		Registration: field(v, "registration")}
	raw, n := width.Narrow.String(strings.TrimSpace(v.Get("discount_percent"))), 0
	if raw != "" {
		var err error
		if n, err = strconv.Atoi(raw); err != nil {
			return f, errs.Field("discount_percent", "partner.discount_invalid", "percent", raw)
		}
	}
	f.DiscountPercent = &n
	if _, sent := v["prices"]; sent { // the edit form's price list
		prices, err := parsePrices(v.Get("prices"))
		if err != nil {
			return f, err
		}
		f.Prices = &prices
	}
	return f, nil
}

// parsePrices reads a price list as the form shows it: a line per
// "plan/contract price" (blank lines skipped; digits may be full-width).
func parsePrices(text string) (map[string]int64, error) {
	prices := map[string]int64{}
	for i, line := range strings.Split(width.Narrow.String(text), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		price, err := strconv.ParseInt(fields[len(fields)-1], 10, 64)
		if len(fields) != 2 || err != nil {
			return nil, errs.Field("prices", "partner.prices_unreadable", "line", i+1)
		}
		prices[fields[0]] = price
	}
	return prices, nil
}

// pricesText writes a price list as the form shows it, by key.
func pricesText(prices map[string]int64) string {
	var lines []string
	for _, key := range slices.Sorted(maps.Keys(prices)) {
		lines = append(lines, key+" "+strconv.FormatInt(prices[key], 10))
	}
	return strings.Join(lines, "\n")
}

// opsPartnerPage is one partner: its terms and the form that edits them,
// its status, its users with the form that adds one, its customers and
// the months of its statements.
type opsPartnerPage struct {
	Page
	Detail    *partner.Detail
	Customers []customerRow
	Months    []monthLink
	// Submitted names the form Page.Form holds, refused: "partner" (the
	// edit form) or "user"; the other one shows its initial values.
	Submitted string
}

// FormFor is form which as shown: the refused one with its values and reasons,
// else the partner's current terms or an empty user in the reader's
// language.
func (p *opsPartnerPage) FormFor(which string) Form {
	switch {
	case p.Submitted == which:
		return p.Form
	case which == "user":
		return Form{Values: url.Values{"user_language": {p.Lang}}}
	}
	d := p.Detail.Partner
	return Form{Values: url.Values{"name": {d.Name}, "contact_name": {d.ContactName}, "contact_email": {d.ContactEmail},
		"registration": {d.Registration}, "discount_percent": {strconv.Itoa(d.DiscountPercent)}, "prices": {pricesText(d.Prices)}}}
}

func (c *Console) opsPartner(w http.ResponseWriter, r *http.Request) {
	p, err := c.loadOpsPartner(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "ops_partner", p)
}

func (c *Console) loadOpsPartner(r *http.Request) (*opsPartnerPage, error) {
	p := &opsPartnerPage{Page: c.opsPage(r, "ops.partner.title",
		Crumb{Key: "ops.partners.title", Href: "/ops/partners"}, Crumb{Key: "ops.partner.title"})}
	var err error
	if p.Detail, err = c.svc.Partners.Get(r.Context(), r.PathValue("p")); err != nil {
		return p, err
	}
	p.Customers = c.customerRows(p.Detail.Customers, p.Lang)
	p.Months = c.statementMonths(p.Detail.Customers, p.Lang)
	return p, nil
}

// opsPartnerFailed shows the partner's page again with form which refused.
func (c *Console) opsPartnerFailed(w http.ResponseWriter, r *http.Request, which string, v url.Values, err error) {
	p, lerr := c.loadOpsPartner(r)
	if lerr != nil {
		c.fail(w, r, p.Page, lerr)
		return
	}
	p.Form.Values, p.Submitted = v, which
	c.formFailed(w, r, "ops_partner", p, err)
}

func (c *Console) opsPartnerUpdate(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("p")
	v, err := formValues(r)
	if err == nil {
		var f partner.Fields
		if f, err = partnerFields(v); err == nil {
			_, err = c.svc.Partners.Update(r.Context(), id, f)
		}
	}
	if err != nil {
		c.opsPartnerFailed(w, r, "partner", v, err)
		return
	}
	redirect(w, r, "/ops/partners/"+id, "ops_partner_saved")
}

// opsPartnerStatus suspends a partner or lifts its suspension.
func (c *Console) opsPartnerStatus(status, flash string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("p")
		if _, err := c.svc.Partners.SetStatus(r.Context(), id, status); err != nil {
			c.fail(w, r, c.opsPage(r, "error.title"), err)
			return
		}
		redirect(w, r, "/ops/partners/"+id, flash)
	}
}

// opsPartnerAddUser adds a partner user with the initial password the
// operator hands over. The form's fields are named user_… so that they do
// not clash with the edit form's on the same page.
func (c *Console) opsPartnerAddUser(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("p")
	v, err := formValues(r)
	if err == nil {
		_, err = c.svc.Partners.AddUser(r.Context(), id, partner.NewUser{Email: v.Get("user_email"), Name: v.Get("user_name"),
			Language: v.Get("user_language"), Password: v.Get("user_password")})
	}
	if err != nil {
		c.opsPartnerFailed(w, r, "user", v, err)
		return
	}
	redirect(w, r, "/ops/partners/"+id, "ops_partner_user_added")
}
