package console

import (
	"net/http"
	"strings"

	"golang.org/x/net/idna"

	"github.com/kanri/kanri/internal/domain"
)

// displayDomain is name as people read it: the Unicode form of an
// internationalised name (xn--bcher-kva.example reads bücher.example).
func displayDomain(name string) string {
	if u, err := idna.Display.ToUnicode(name); err == nil {
		return u
	}
	return name
}

// domainPage is a page about one domain: 所有権の確認, プライマリドメインに
// 変更 or 削除.
type domainPage struct {
	domainsFrame
	Domain  *domain.Domain
	Proof   domain.Proof
	Check   *domain.Check  // what 所有権の確認 found, on its answer
	Primary *domain.Domain // the current primary domain (プライマリドメインに変更)
	LoginID string         // the admin's own login id, before the change
	// Addresses stop receiving mail if the domain is deleted (削除).
	Addresses *domain.Addresses
}

// NewLoginID is the admin's login id after the change: the same local
// part at the new domain.
func (p *domainPage) NewLoginID() string {
	local, _, _ := strings.Cut(p.LoginID, "@")
	return local + "@" + p.Domain.Name
}

// domainFrame loads the domain of the request's path; another tenant's
// domain, or an expired one, is NotFound.
func (c *Console) domainFrame(r *http.Request, title string) (*domainPage, error) {
	f, err := c.domainsFrame(r, title, Crumb{Key: title})
	p := &domainPage{domainsFrame: f}
	if err != nil {
		return p, err
	}
	if p.Domain, err = c.svc.Domains.Get(r.Context(), actor(r).TenantID, r.PathValue("d")); err != nil {
		return p, err
	}
	p.Proof = c.svc.Domains.Proof(p.Domain)
	return p, nil
}

func (c *Console) domainVerifyPage(w http.ResponseWriter, r *http.Request) {
	p, err := c.domainFrame(r, "domains.verify")
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "domains_verify", p)
}

// domainVerify looks for the domain's record now. Verified (or expired)
// goes back to the list; otherwise the page shows what was found and what
// is expected. A record not visible yet is not a failure: DNS may take
// time, and the background check keeps looking.
func (c *Console) domainVerify(w http.ResponseWriter, r *http.Request) {
	p, err := c.domainFrame(r, "domains.verify")
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	if p.Check, err = c.svc.Domains.Verify(r.Context(), actor(r).TenantID, p.Domain.ID); err != nil {
		c.formFailed(w, r, "domains_verify", p, err)
		return
	}
	switch p.Check.Outcome {
	case domain.OutcomeVerified:
		redirect(w, r, domainsURL, "domains_verified")
		return
	case domain.OutcomeExpired:
		redirect(w, r, domainsURL, "domains_expired")
		return
	}
	p.Domain = p.Check.Domain
	c.render(w, r, http.StatusOK, "domains_verify", p)
}

// primaryFrame is the confirmation of a primary-domain change: the
// current primary and the admin's login id before and after.
func (c *Console) primaryFrame(r *http.Request) (*domainPage, error) {
	p, err := c.domainFrame(r, "domains.primary")
	if err != nil {
		return p, err
	}
	ds, err := c.svc.Domains.List(r.Context(), actor(r).TenantID)
	if err != nil {
		return p, err
	}
	for _, d := range ds {
		if d.Primary {
			p.Primary = d
		}
	}
	m, err := c.svc.Members.Get(r.Context(), actor(r).TenantID, actor(r).ID)
	if err != nil {
		return p, err
	}
	p.LoginID = m.LoginID
	return p, nil
}

func (c *Console) domainPrimaryPage(w http.ResponseWriter, r *http.Request) {
	p, err := c.primaryFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "domains_primary", p)
}

// domainMakePrimary starts the change (the API's 202): its job renames
// every login id and signs everyone out, this admin too. The list shows
// its progress until then.
func (c *Console) domainMakePrimary(w http.ResponseWriter, r *http.Request) {
	p, err := c.primaryFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	if _, err := c.svc.Domains.MakePrimary(r.Context(), actor(r).TenantID, p.Domain.ID); err != nil {
		c.formFailed(w, r, "domains_primary", p, err)
		return
	}
	redirect(w, r, domainsURL, "domains_primary_started")
}

func (c *Console) domainDeletePage(w http.ResponseWriter, r *http.Request) {
	p, err := c.domainFrame(r, "domains.delete")
	if err == nil {
		p.Addresses, err = c.svc.Domains.Addresses(r.Context(), actor(r).TenantID, p.Domain.ID)
	}
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "domains_delete", p)
}

// domainDelete deletes a domain that is not primary; the provided domain
// needs its name typed into confirm.
func (c *Console) domainDelete(w http.ResponseWriter, r *http.Request) {
	p, err := c.domainFrame(r, "domains.delete")
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	if p.Form.Values, err = formValues(r); err == nil {
		err = c.svc.Domains.Delete(r.Context(), actor(r).TenantID, p.Domain.ID, p.Form.Values.Get("confirm"))
	}
	if err != nil {
		p.Addresses, _ = c.svc.Domains.Addresses(r.Context(), actor(r).TenantID, p.Domain.ID) // the page shows them again
		c.formFailed(w, r, "domains_delete", p, err)
		return
	}
	redirect(w, r, domainsURL, "domains_deleted")
}
