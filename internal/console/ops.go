package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/tenant"
)

// The tenants list's page size; ?limit= changes it within these bounds.
const (
	opsPageSize    = 50
	opsMaxPageSize = 200
)

func (c *Console) registerOps(rt *router) {
	rt.page("/ops", c.operator(c.opsTenants))
	rt.page("/ops/tenants/{t}", c.operator(c.opsTenant))
	c.registerOpsBilling(rt)
	c.registerOpsInvoices(rt)
	c.registerOpsRuns(rt)
	c.registerOpsMore(rt)
}

// opsTenantsPage is the operator's list of every tenant, searched by
// works-group or company name and paged by cursor.
type opsTenantsPage struct {
	Page
	Query   string
	Tenants []*tenant.Tenant
	Next    string // the next page's URL, "" on the last page
	First   string // the first page's URL, "" on the first page
}

func (c *Console) opsTenants(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := &opsTenantsPage{Page: c.opsPage(r, "ops.tenants.title"), Query: strings.TrimSpace(q.Get("q"))}
	p.Crumbs = nil // the list is the console's main page
	limit := opsPageSize
	if n, err := strconv.Atoi(q.Get("limit")); err == nil {
		limit = min(max(n, 1), opsMaxPageSize)
	}
	ts, next, err := c.svc.Tenants.List(r.Context(), tenant.Filter{Query: p.Query, After: q.Get("after"), Limit: limit})
	status := http.StatusOK
	if err != nil {
		if !c.refuseCursor(r, &p.Page, err) {
			c.fail(w, r, p.Page, err)
			return
		}
		status = http.StatusBadRequest
	}
	p.Tenants = ts
	keep := url.Values{}
	if p.Query != "" {
		keep.Set("q", p.Query)
	}
	if q.Has("limit") {
		keep.Set("limit", strconv.Itoa(limit))
	}
	if q.Get("after") != "" {
		p.First = opsListURL(keep)
	}
	if next != "" {
		keep.Set("after", next)
		p.Next = opsListURL(keep)
	}
	c.render(w, r, status, "ops_tenants", p)
}

func opsListURL(v url.Values) string {
	if len(v) == 0 {
		return "/ops"
	}
	return "/ops?" + v.Encode()
}

// opsTenantPage is one tenant as operators see it: its information, its
// contract and billable members, payment methods, latest invoices,
// domains and latest audit events.
type opsTenantPage struct {
	Page
	opsMoney
	Info       *tenant.Tenant
	Billable   int
	SuperAdmin *member.Member
	Account    *billing.TenantAccount
	Catalog    *billing.Catalog
}

func (c *Console) opsTenant(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("t")
	p := &opsTenantPage{Page: c.opsPage(r, "ops.tenant.title", Crumb{Key: "ops.tenant.title"}), Catalog: c.svc.Billing.Plans()}
	var err error
	if p.Info, err = c.svc.Tenants.GetAny(r.Context(), id); err == nil {
		p.Billable, err = c.svc.Members.BillableCount(r.Context(), id)
	}
	if err == nil {
		p.SuperAdmin, err = c.svc.Members.SuperAdmin(r.Context(), id)
	}
	if err == nil {
		p.Account, err = c.svc.Billing.TenantAccount(r.Context(), id)
	}
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "ops_tenant", p)
}

// PlanName is plan id's name in the page's language.
func (p *opsTenantPage) PlanName(id string) string {
	if pl := p.Catalog.Plan(id); pl != nil {
		return pl.Name.In(p.Lang)
	}
	return id
}

// Contract is a contract's name in the page's language.
func (p *opsTenantPage) Contract(contract string) string {
	return billing.ContractName(contract, p.Lang)
}

// Method is how a payment method reads: "Visa •••• 4242 (12/2099)" or 請求書払い.
func (p *opsTenantPage) Method(m *billing.PaymentMethod) (string, error) {
	if m.Kind == billing.MethodInvoice {
		return p.T("billing.method.invoice")
	}
	brand := m.Brand
	if brand != "" {
		brand = strings.ToUpper(brand[:1]) + brand[1:]
	}
	return fmt.Sprintf("%s •••• %s (%02d/%d)", brand, m.Last4, m.ExpMonth, m.ExpYear), nil
}

// Action is an audit action as the catalog names it, else its code.
func (p *opsTenantPage) Action(action string) (string, error) {
	if !p.cat.Has("audit.action." + action) {
		return action, nil
	}
	return p.T("audit.action." + action)
}

// AllInvoices is the invoice search for this tenant's works group.
func (p *opsTenantPage) AllInvoices() string {
	return opsInvoicesURL + "?" + url.Values{"counterparty": {p.Info.WorksGroup}}.Encode()
}
