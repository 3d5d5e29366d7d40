package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/kanri/kanri/internal/partner"
)

// partnerURL is 購入/請求 > パートナーとの契約 (seed 001).
const partnerURL = billingURL + "/partner"

func (c *Console) registerPartnerContract(rt *router) {
	b := c.billingOnly
	rt.page(partnerURL, b(c.partnerContract))
	rt.post(partnerURL+"/code", b(c.partnerIssue))
	rt.post(partnerURL+"/approve", b(c.partnerApprove))
}

// partnerSteps are the seed's four steps, in order.
var partnerSteps = []string{"partner.step.issue", "partner.step.waiting", "partner.step.settle", "partner.step.done"}

// partnerPage is パートナーとの契約: the four steps with the current one
// marked, and what the current step asks for.
type partnerPage struct {
	Page
	Steps    []string
	Standing *partner.Standing
	Missing  map[string]bool // company information the approval still needs
	Confirm  bool            // the approval's "are you sure" step
}

// Current reports whether step i (0-based) is the current one.
func (p partnerPage) Current(i int) bool { return p.Standing.Step == i+1 }

// Done reports whether step i (0-based) is behind.
func (p partnerPage) Done(i int) bool { return p.Standing.Step > i+1 || p.Standing.Step == 4 }

// ExpiryDay is when the code expires, in the reader's zone, as the seed
// writes it: 2023.04.14.
func (p partnerPage) ExpiryDay() string {
	return p.Standing.Code.ExpiresAt.In(p.Zone).Format("2006.01.02")
}

func (c *Console) partnerFrame(r *http.Request) (*partnerPage, error) {
	p, err := c.adminPage(r, "menu.billing_partner", Crumb{Key: "menu.billing"}, Crumb{Key: "menu.billing_partner"})
	pp := &partnerPage{Page: p, Steps: partnerSteps}
	if err != nil {
		return pp, err
	}
	if pp.Standing, err = c.svc.Partners.Status(r.Context(), actor(r).TenantID); err != nil {
		return pp, err
	}
	pp.Missing = map[string]bool{}
	for _, f := range partner.Missing(pp.Standing.Tenant, pp.Standing.AdminEmail) {
		pp.Missing[f] = true
	}
	t := pp.Standing.Tenant
	pp.Form.Values = url.Values{"works_group": {t.WorksGroup}, "company_name": {t.CompanyName}, "phone": {t.Phone},
		"admin_email": {pp.Standing.AdminEmail}}
	return pp, nil
}

func (c *Console) partnerContract(w http.ResponseWriter, r *http.Request) {
	p, err := c.partnerFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "billing_partner", p)
}

// partnerIssue issues a code (コード発行), revoking the open one.
func (c *Console) partnerIssue(w http.ResponseWriter, r *http.Request) {
	if _, err := c.svc.Partners.Issue(r.Context(), actor(r).TenantID); err != nil {
		p, ferr := c.partnerFrame(r)
		if ferr != nil {
			err = ferr
		}
		c.formFailed(w, r, "billing_partner", p, err)
		return
	}
	redirect(w, r, partnerURL, "partner_code_issued")
}

// partnerApprove asks "are you sure" first (the seed's dialog, without
// script), then approves: the switch cannot be undone.
func (c *Console) partnerApprove(w http.ResponseWriter, r *http.Request) {
	p, err := c.partnerFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	for _, f := range []string{"works_group", "company_name", "phone", "admin_email"} {
		p.Form.Values.Set(f, r.PostFormValue(f))
	}
	if r.PostFormValue("confirmed") != "yes" {
		p.Confirm = true
		c.render(w, r, http.StatusOK, "billing_partner", p)
		return
	}
	v := func(f string) *string { s := strings.TrimSpace(p.Form.Values.Get(f)); return &s }
	in := partner.Approval{WorksGroup: v("works_group"), CompanyName: v("company_name"), Phone: v("phone"), AdminEmail: v("admin_email")}
	code := ""
	if p.Standing.Code != nil {
		code = p.Standing.Code.Code
	}
	if _, err := c.svc.Partners.Approve(r.Context(), actor(r).TenantID, code, in); err != nil {
		c.formFailed(w, r, "billing_partner", p, err)
		return
	}
	redirect(w, r, partnerURL, "partner_switched")
}
