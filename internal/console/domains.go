package console

import (
	"net/http"
	"net/url"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/domain"
	"github.com/kanri/kanri/internal/errs"
)

// domainsURL is 基本設定 > ドメイン.
const domainsURL = "/admin/settings/domains"

func (c *Console) registerDomains(rt *router) {
	manage := func(h http.HandlerFunc) http.HandlerFunc { return c.member(c.managesTenant(h)) }
	rt.page(domainsURL, manage(c.domainsList))
	rt.page(domainsURL+"/new", manage(c.domainNew))
	rt.post(domainsURL+"/new", manage(c.domainAdd))
	rt.page(domainsURL+"/{d}/verify", manage(c.domainVerifyPage))
	rt.post(domainsURL+"/{d}/verify", manage(c.domainVerify))
	rt.page(domainsURL+"/{d}/primary", manage(c.domainPrimaryPage))
	rt.post(domainsURL+"/{d}/primary", manage(c.domainMakePrimary))
	rt.page(domainsURL+"/{d}/delete", manage(c.domainDeletePage))
	rt.post(domainsURL+"/{d}/delete", manage(c.domainDelete))
}

// managesTenant shows the domain screens only to admins who may manage
// the tenant; the service checks every call again.
func (c *Console) managesTenant(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := auth.Require(r.Context(), actor(r).TenantID, auth.PermTenantManage); err != nil {
			p, _ := c.adminPage(r, "error.title")
			c.fail(w, r, p, err)
			return
		}
		h(w, r)
	}
}

// domainsFrame is what the pages of ドメイン share: the frame, and how
// dates and domains read.
type domainsFrame struct{ Page }

// Display is how a domain name reads: its Unicode form for an IDN.
func (domainsFrame) Display(name string) string { return displayDomain(name) }

// domainsFrame returns the frame of a page under ドメイン; with no
// crumbs it is the list itself.
func (c *Console) domainsFrame(r *http.Request, title string, crumbs ...Crumb) (domainsFrame, error) {
	trail := []Crumb{{Key: "menu.settings"}, {Key: "menu.domains", Href: domainsURL}}
	if len(crumbs) == 0 {
		trail[1].Href = ""
	}
	p, err := c.adminPage(r, title, append(trail, crumbs...)...)
	return domainsFrame{p}, err
}

// domainsPage is the list: ドメイン / 使用状況 / 管理, and the progress of
// a primary-domain change while one runs.
type domainsPage struct {
	domainsFrame
	Domains     []*domain.Domain
	Change      *domain.Change // the newest change while it runs or locks the next; else nil
	LockedUntil time.Time      // no other change before; zero when none is locked
}

// Changing reports whether a primary-domain change is still running: the
// page then refreshes its live block.
func (p *domainsPage) Changing() bool { return p.Change != nil && p.Change.Status != domain.ChangeDone }

func (c *Console) domainsList(w http.ResponseWriter, r *http.Request) {
	f, err := c.domainsFrame(r, "menu.domains")
	p := &domainsPage{domainsFrame: f}
	tenantID := actor(r).TenantID
	if err == nil {
		p.Domains, err = c.svc.Domains.List(r.Context(), tenantID)
	}
	if err == nil {
		p.Change, err = c.svc.Domains.LatestChange(r.Context(), tenantID)
		if errs.Is(err, errs.NotFound) {
			p.Change, err = nil, nil
		}
	}
	if until := c.svc.Domains.LockedUntil(p.Change); c.cfg.Clock.Now().Before(until) {
		p.LockedUntil = until
	} else if p.Change != nil && p.Change.Status == domain.ChangeDone {
		p.Change = nil // reported while it locks the next change
	}
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	w.Header().Add("Vary", "HX-Request")
	if membersPartial(r) { // the live block polls itself during a change
		c.renderBlock(w, r, http.StatusOK, "domains_list", "live", p)
		return
	}
	c.render(w, r, http.StatusOK, "domains_list", p)
}

// domainAddPage is ドメイン追加, step 1: ドメインを入力.
type domainAddPage struct{ domainsFrame }

func (c *Console) domainAddFrame(r *http.Request) (*domainAddPage, error) {
	f, err := c.domainsFrame(r, "domains.add", Crumb{Key: "domains.add"})
	return &domainAddPage{f}, err
}

func (c *Console) domainNew(w http.ResponseWriter, r *http.Request) {
	p, err := c.domainAddFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "domains_add", p)
}

// domainAdd adds the domain and goes on to step 2, 所有権の確認: the
// records to publish and the deadline.
func (c *Console) domainAdd(w http.ResponseWriter, r *http.Request) {
	p, err := c.domainAddFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	var d *domain.Domain
	if p.Form.Values, err = formValues(r); err == nil {
		d, err = c.svc.Domains.Add(r.Context(), actor(r).TenantID, p.Form.Values.Get("name"))
	}
	if err != nil {
		c.formFailed(w, r, "domains_add", p, err)
		return
	}
	redirect(w, r, domainURL(d.ID, "verify"), "domains_added")
}

// domainURL is the page action of domain id.
func domainURL(id, action string) string { return domainsURL + "/" + url.PathEscape(id) + "/" + action }

// customDomainInUse reports whether one of ds is a custom domain whose
// ownership is proven: the set-up checklist's domain step.
func customDomainInUse(ds []*domain.Domain) bool {
	for _, d := range ds {
		if d.Kind == domain.KindCustom && d.Status != domain.StatusPending && d.Status != domain.StatusExpired {
			return true
		}
	}
	return false
}
