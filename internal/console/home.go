package console

import (
	"net/http"
	"strings"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/domain"
	"github.com/kanri/kanri/internal/tenant"
)

// MenuItem is an entry of the left menu; a group lists the screens under it.
type MenuItem struct {
	Key      string // catalog key; a tile's description is Key+".desc"
	Href     string
	Active   bool
	Children []MenuItem
}

// menuEntry is a screen of the admin console and who may open it.
type menuEntry struct {
	group, key, href string
	can              func(*auth.Actor) bool
}

func holds(perms ...auth.Permission) func(*auth.Actor) bool {
	return func(a *auth.Actor) bool {
		for _, p := range perms {
			if a.Can(p) {
				return true
			}
		}
		return false
	}
}

func everyone(*auth.Actor) bool { return true }

// superAdmin: 購入/請求 is the super admin's alone (SPEC §1).
func superAdmin(a *auth.Actor) bool { return a.SuperAdmin }

// adminMenu lists the admin console's screens in menu order. A screen is
// listed here only once it exists, so the menu never has dead links.
var adminMenu = []menuEntry{
	{"menu.settings", "menu.company", "/admin/settings/company", holds(auth.PermTenantManage)},
	{"menu.settings", "menu.domains", "/admin/settings/domains", holds(auth.PermTenantManage)},
	{"menu.members", "menu.member_list", "/admin/members", holds(auth.PermMembersManage)},
	{"menu.members", "menu.departments", departmentsURL, holds(auth.PermMembersManage)},
	{"menu.members", "menu.groups", groupsURL, holds(auth.PermMembersManage)},
	{"menu.members", "menu.positions", positionsURL, holds(auth.PermMembersManage)},
	{"menu.members", "menu.fields", fieldsURL, holds(auth.PermMembersManage)},
	{"menu.members", "menu.rules", rulesURL, holds(auth.PermMembersManage)},
	{"menu.security", "menu.roles", "/admin/roles", holds(auth.PermRolesManage)},
	{"menu.security", "menu.sessions", "/admin/security", everyone},
	{"menu.security", "menu.two_factor", twoFactorURL, everyone},
	{"menu.stats", "menu.stats_members", "/admin/stats", holds(auth.PermMembersManage, auth.PermAuditRead)},
	{"menu.audit", "menu.audit_events", "/admin/audit", holds(auth.PermAuditRead)},
	{"menu.billing", "menu.billing_contract", "/admin/billing", superAdmin},
	{"menu.billing", "menu.billing_licenses", licensesURL, holds(auth.PermLicensesManage)},
	{"menu.billing", "menu.billing_methods", "/admin/billing/payment-methods", superAdmin},
	{"menu.billing", "menu.billing_invoices", "/admin/billing/invoices", superAdmin},
	{"menu.billing", "menu.billing_partner", partnerURL, superAdmin},
}

var opsMenu = []menuEntry{
	{"menu.ops", "menu.ops_tenants", "/ops", everyone},
	{"menu.ops_partners", "menu.ops_partners", "/ops/partners", everyone},
	{"menu.ops_billing", "menu.ops_invoices", "/ops/invoices", everyone},
	{"menu.ops_billing", "menu.ops_billing_runs", "/ops/billing-runs", everyone},
	{"menu.ops_mail", "menu.ops_mail", "/ops/mail", everyone},
	{"menu.ops_webhooks", "menu.ops_webhooks", "/ops/webhooks", everyone},
	{"menu.ops_operators", "menu.ops_operators", "/ops/operators", everyone},
	{"menu.ops_stats", "menu.ops_stats", "/ops/stats", everyone},
}

// menu groups the entries a may open, marking the one at path: the
// screen whose address is the longest start of it (ライセンスの管理 at
// /admin/billing/licenses, not 商品の契約/変更 at /admin/billing).
func menu(entries []menuEntry, a *auth.Actor, path string) []MenuItem {
	at := ""
	for _, e := range entries {
		if (path == e.href || strings.HasPrefix(path, e.href+"/")) && len(e.href) > len(at) {
			at = e.href
		}
	}
	var items []MenuItem
	for _, e := range entries {
		if !e.can(a) {
			continue
		}
		child := MenuItem{Key: e.key, Href: e.href, Active: e.href == at}
		if n := len(items); n > 0 && items[n-1].Key == e.group {
			items[n-1].Children = append(items[n-1].Children, child)
			items[n-1].Active = items[n-1].Active || child.Active
			continue
		}
		items = append(items, MenuItem{Key: e.group, Href: child.Href, Active: child.Active, Children: []MenuItem{child}})
	}
	return items
}

// SetupItem is one step of the initial set-up checklist.
type SetupItem struct {
	Key      string // catalog key
	Href     string
	Done     bool
	Optional bool // listed, but never keeps the set-up banner up
}

// setupItems is the set-up checklist of t with its domains ds and payment
// methods ms. A payment method is optional: the free plan needs none, and
// the upgrade asks for one (SPEC §4). A custom domain is optional: a tenant needs one only to use its own
// domain for mail and login ids (the seed asks for it with the advanced
// plan), so it never keeps the banner up.
func setupItems(t *tenant.Tenant, ds []*domain.Domain, ms []*billing.PaymentMethod) []SetupItem {
	return []SetupItem{
		{Key: "setup.company", Href: "/admin/settings/company", Done: t.CompanyName != "" && t.Phone != ""},
		{Key: "setup.domain", Href: "/admin/settings/domains", Done: customDomainInUse(ds), Optional: true},
		{Key: "setup.payment", Href: methodsURL, Done: len(ms) > 0, Optional: true},
	}
}

func unfinished(items []SetupItem) bool {
	for _, it := range items {
		if !it.Done && !it.Optional {
			return true
		}
	}
	return false
}

// adminPage is the frame of an admin console page for the signed-in
// member: language, menu, breadcrumb (メイン > …) and the set-up banner.
func (c *Console) adminPage(r *http.Request, title string, crumbs ...Crumb) (Page, error) {
	a := actor(r)
	p := Page{Area: "admin", Actor: a, Title: title, Flash: c.flash(r), cat: c.cat} // handlers translate before render
	t, err := c.svc.Tenants.Get(r.Context(), a.TenantID)
	if err != nil {
		return p, err
	}
	p.Lang, p.Company, p.Zone = c.lang(r, t.Language), t.CompanyName, t.Location()
	p.Menu = menu(adminMenu, a, r.URL.Path)
	p.Crumbs = append([]Crumb{{Key: "menu.main", Href: "/admin"}}, crumbs...)
	// Only required steps keep the banner up, so the domains are not read here.
	if items := setupItems(t, nil, nil); a.Can(auth.PermTenantManage) && unfinished(items) {
		p.Setup = items
	}
	return p, nil
}

// opsPage is the frame of an operator console page.
func (c *Console) opsPage(r *http.Request, title string, crumbs ...Crumb) Page {
	a := actor(r)
	return Page{Area: "ops", Actor: a, Title: title, Flash: c.flash(r), Lang: c.lang(r, ""),
		Menu:   menu(opsMenu, a, r.URL.Path),
		Crumbs: append([]Crumb{{Key: "menu.ops_main", Href: "/ops"}}, crumbs...)}
}

func (c *Console) registerHome(rt *router) {
	rt.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/admin", http.StatusSeeOther)
	})
	rt.page("/admin", c.member(c.home))
	rt.page("/admin/setup", c.member(c.setup))
	rt.page("/admin/profile", c.member(c.profile))
	rt.post("/admin/profile", c.member(c.profileUpdate))
}

// homePage greets the member and shows a tile per screen they may open.
type homePage struct {
	Page
	Name  string
	Tiles []MenuItem
}

func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	p, err := c.adminPage(r, "home.title")
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	p.Crumbs = nil
	h := &homePage{Page: p, Name: actor(r).Name}
	if m, err := c.svc.Members.Get(r.Context(), actor(r).TenantID, actor(r).ID); err == nil && m.DisplayName != "" {
		h.Name = m.DisplayName
	}
	for _, g := range p.Menu {
		h.Tiles = append(h.Tiles, g.Children...)
	}
	c.render(w, r, http.StatusOK, "home", h)
}

// setupPage is the set-up checklist the banner links to.
type setupPage struct {
	Page
	Items []SetupItem
}

func (c *Console) setup(w http.ResponseWriter, r *http.Request) {
	p, err := c.adminPage(r, "setup.title", Crumb{Key: "setup.title"})
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	t, err := c.svc.Tenants.Get(r.Context(), actor(r).TenantID)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	var ds []*domain.Domain
	if actor(r).Can(auth.PermTenantManage) {
		if ds, err = c.svc.Domains.List(r.Context(), t.ID); err != nil {
			c.fail(w, r, p, err)
			return
		}
	}
	var ms []*billing.PaymentMethod
	if actor(r).SuperAdmin {
		if ms, err = c.svc.Billing.PaymentMethods(r.Context(), t.ID); err != nil {
			c.fail(w, r, p, err)
			return
		}
	}
	c.render(w, r, http.StatusOK, "setup", &setupPage{Page: p, Items: setupItems(t, ds, ms)})
}
