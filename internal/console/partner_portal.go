package console

import (
	"net/http"
	"net/url"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/partner"
)

// The partner portal (/partner) is where a reseller's staff authenticate
// the partner codes their customers give them and follow those customers,
// change their contracts (partner_customers.go) and read the wholesale
// statements (partner_statements.go). Its sign-in and sign-out are in
// auth.go, with the other areas'.

func (c *Console) registerPartnerPortal(rt *router) {
	rt.page("/partner", c.partnerUser(c.portalHome))
	rt.post("/partner/codes", c.partnerUser(c.portalAuthenticate))
	c.registerPartnerCustomers(rt)
	c.registerPartnerStatements(rt)
}

// partnerUser lets h run only for a signed-in partner user.
func (c *Console) partnerUser(h http.HandlerFunc) http.HandlerFunc {
	return c.signedIn("partner", auth.KindPartner, h)
}

// portalMenu lists the portal's screens, as adminMenu does the console's.
var portalMenu = []menuEntry{
	{"menu.partner_portal", "menu.partner_portal", "/partner", everyone},
	{"menu.partner_statements", "menu.partner_statements", statementsURL, everyone},
	{"menu.two_factor", "menu.two_factor", portalTwoFactorURL, everyone},
}

// portalPage is the frame of a portal screen, as opsPage is the operators'.
func (c *Console) portalPage(r *http.Request, title string, crumbs ...Crumb) Page {
	a := actor(r)
	return Page{Area: "partner", Actor: a, Title: title, Flash: c.flash(r), Lang: c.lang(r, ""),
		Menu: menu(portalMenu, a, r.URL.Path), Crumbs: crumbs}
}

// portalHomePage is the portal's home: the code form, the codes the
// partner authenticated and its customers.
type portalHomePage struct {
	Page
	// Authenticated is the request just made, which the notice names;
	// nil on other visits.
	Authenticated *partner.Request
	Requests      []*partner.Request
	Customers     []customerRow
}

func (c *Console) portalHome(w http.ResponseWriter, r *http.Request) {
	p, err := c.loadPortalHome(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	p.Authenticated = awaiting(p.Requests, r.URL.Query().Get("authenticated"))
	c.render(w, r, http.StatusOK, "partner_home", p)
}

// portalAuthenticate authenticates the code typed in the form; a refusal
// (unknown, used, expired, too many tries …) shows on the form.
func (c *Console) portalAuthenticate(w http.ResponseWriter, r *http.Request) {
	v, err := formValues(r)
	var req *partner.Request
	if err == nil {
		req, err = c.svc.Partners.Authenticate(r.Context(), v.Get("code"))
	}
	if err != nil {
		p, lerr := c.loadPortalHome(r)
		if lerr != nil {
			c.fail(w, r, p.Page, lerr)
			return
		}
		p.Form.Values = v
		c.formFailed(w, r, "partner_home", p, err)
		return
	}
	redirect(w, r, "/partner?authenticated="+url.QueryEscape(req.Code.TenantID), "")
}

// awaiting is the request of tenantID awaiting its approval, or nil. The
// notice after an authentication takes the tenant from the query but names
// it only from the partner's own requests, so a crafted link shows nothing.
func awaiting(reqs []*partner.Request, tenantID string) *partner.Request {
	for _, req := range reqs {
		if tenantID != "" && req.Code.TenantID == tenantID && req.Code.Status == partner.CodeAuthenticated {
			return req
		}
	}
	return nil
}

// loadPortalHome reads the partner's requests and customers.
func (c *Console) loadPortalHome(r *http.Request) (*portalHomePage, error) {
	p := &portalHomePage{Page: c.portalPage(r, "partner.portal.title")}
	var err error
	if p.Requests, err = c.svc.Partners.Requests(r.Context()); err != nil {
		return p, err
	}
	cs, err := c.svc.Partners.Customers(r.Context())
	p.Customers = c.customerRows(cs, p.Lang)
	return p, err
}

// customerRow is a partner's customer as the portal's and the operators'
// tables show it: plan and contract named in the reader's language.
type customerRow struct {
	*partner.Customer
	PlanName     string
	ContractName string // "" on the free plan
	// Scheduled is the change scheduled for the period's end, in words
	// ("" for none): 2028/03/01 から スタンダード 年額契約(一括) 12ライセンス.
	Scheduled string
}

func (c *Console) customerRows(cs []*partner.Customer, lang string) []customerRow {
	cat := c.svc.Billing.Plans()
	rows := make([]customerRow, 0, len(cs))
	for _, cu := range cs {
		row := customerRow{Customer: cu, PlanName: cu.Plan, ContractName: billing.ContractName(cu.Contract, lang)}
		plan := cat.Plan(cu.Plan)
		if plan != nil { // a plan since taken out of the catalog keeps its id
			row.PlanName = plan.Name.In(lang)
		}
		if plan != nil && plan.Free { // nothing to contract for
			row.ContractName = ""
		}
		row.Scheduled = c.scheduled(cu, lang)
		rows = append(rows, row)
	}
	return rows
}

// scheduled writes cu's scheduled change in lang, or "".
func (c *Console) scheduled(cu *partner.Customer, lang string) string {
	if cu.Next == nil {
		return ""
	}
	name := cu.Next.Plan
	if plan := c.svc.Billing.Plans().Plan(name); plan != nil {
		name = plan.Name.In(lang)
	}
	text, err := c.cat.Text(lang, "billing.scheduled_change", billing.FormatDay(cu.PeriodEnd), name, billing.ContractName(cu.Next.Contract, lang))
	if err == nil && cu.Next.Licenses > 0 {
		var n string
		n, err = c.cat.Text(lang, "billing.n_licenses", cu.Next.Licenses)
		text += " " + n
	}
	if err != nil {
		return ""
	}
	return text
}
