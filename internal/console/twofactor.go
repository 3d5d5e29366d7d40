package console

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/session"
)

// twoFactorURL is セキュリティ > 2段階認証: the member's own two-factor
// sign-in, and the tenant's requirement for those who may set it.
const twoFactorURL = "/admin/two-factor"

// portalTwoFactorURL is a partner user's own two-factor sign-in: the same
// screen in the partner portal.
const portalTwoFactorURL = "/partner/two-factor"

func (c *Console) registerTwoFactor(rt *router) {
	rt.post("/admin/login/two-factor", c.loginSecondStep)
	for base, signedIn := range map[string]func(http.HandlerFunc) http.HandlerFunc{twoFactorURL: c.member, portalTwoFactorURL: c.partnerUser} {
		rt.page(base, signedIn(c.twoFactor))
		rt.post(base+"/start", signedIn(c.startTwoFactor))
		rt.post(base+"/confirm", signedIn(c.confirmTwoFactor))
		rt.post(base+"/recovery-codes", signedIn(c.regenerateCodes))
		rt.post(base+"/disable", signedIn(c.disableTwoFactor))
	}
	rt.post(twoFactorURL+"/policy", c.member(c.setTwoFactorPolicy))
	rt.page("/admin/members/{m}/two-factor", c.member(c.memberTwoFactor))
	rt.post("/admin/members/{m}/two-factor/reset", c.member(c.resetTwoFactor))
}

// twoFactorOpen reports whether path is open to a member who must enrol
// in two-factor sign-in first: its page, and signing out.
func twoFactorOpen(path string) bool {
	return path == twoFactorURL || strings.HasPrefix(path, twoFactorURL+"/") || path == "/admin/logout"
}

// twoFactorPage is the member's own two-factor sign-in.
type twoFactorPage struct {
	Page
	Status    *session.TwoFactorStatus
	QRCode    template.URL // the enrolment's QR code as a data: URL, made here (the CSP allows data: images)
	Policy    session.Policy
	SetPolicy bool // the member may change the tenant's requirement
	Policies  []session.Policy
	Codes     []string // new recovery codes, on the page that shows them once
	Base      string   // the screen's address: the admin console's or the portal's
	Home      string   // where the console's home is
}

// twoFactorBase is the address of the two-factor screen the actor of r
// uses, and its area's home.
func twoFactorBase(r *http.Request) (base, home string) {
	if actor(r).Kind == auth.KindPartner {
		return portalTwoFactorURL, "/partner"
	}
	return twoFactorURL, "/admin"
}

// twoFactorFrame is the page's frame; a member who must enrol first sees
// it without the menu, whose screens are closed to them.
func (c *Console) twoFactorFrame(r *http.Request) (*twoFactorPage, error) {
	a := actor(r)
	p := &twoFactorPage{Policies: []session.Policy{session.PolicyOff, session.PolicyAdmins, session.PolicyEveryone}}
	p.Base, p.Home = twoFactorBase(r)
	var err error
	switch {
	case a.Kind == auth.KindPartner:
		p.Page = c.portalPage(r, "menu.two_factor")
	case a.TwoFactorMissing:
		p.Page = Page{Area: "admin", Actor: a, Title: "menu.two_factor", Flash: c.flash(r)}
	default:
		p.Page, err = c.adminPage(r, "menu.two_factor", Crumb{Key: "menu.security"}, Crumb{Key: "menu.two_factor"})
	}
	if err == nil {
		p.Status, err = c.svc.Sessions.TwoFactorStatus(r.Context())
	}
	if err == nil && p.Status.Enrolment != nil {
		p.QRCode = template.URL(api.QRDataURL(p.Status.Enrolment.QRCode)) // our own PNG, base64: safe in src
	}
	if err == nil && a.Kind == auth.KindMember && !a.TwoFactorMissing && a.Can(auth.PermTenantManage) {
		p.SetPolicy = true
		p.Policy, err = c.svc.Sessions.TwoFactorPolicy(r.Context(), a.TenantID)
	}
	return p, err
}

func (c *Console) twoFactor(w http.ResponseWriter, r *http.Request) {
	p, err := c.twoFactorFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "two_factor", p)
}

// twoFactorFailed shows the page again with err next to the form at fault.
func (c *Console) twoFactorFailed(w http.ResponseWriter, r *http.Request, v url.Values, err error) {
	p, ferr := c.twoFactorFrame(r)
	if ferr != nil {
		c.fail(w, r, p.Page, ferr)
		return
	}
	p.Form.Values = v
	c.formFailed(w, r, "two_factor", p, err)
}

func (c *Console) startTwoFactor(w http.ResponseWriter, r *http.Request) {
	if _, err := c.svc.Sessions.StartTwoFactor(r.Context()); err != nil {
		c.twoFactorFailed(w, r, nil, err)
		return
	}
	base, _ := twoFactorBase(r)
	redirect(w, r, base, "")
}

// showCodes shows new recovery codes, once: it answers the POST that made
// them instead of redirecting, as no later GET may show them again.
func (c *Console) showCodes(w http.ResponseWriter, r *http.Request, flash string, codes []string) {
	p, err := c.twoFactorFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	p.Flash, p.Codes = flash, codes
	c.render(w, r, http.StatusOK, "two_factor_codes", p)
}

func (c *Console) confirmTwoFactor(w http.ResponseWriter, r *http.Request) {
	v, err := formValues(r)
	var codes []string
	if err == nil {
		codes, err = c.svc.Sessions.ConfirmTwoFactor(r.Context(), v.Get("code"))
	}
	if err != nil {
		c.twoFactorFailed(w, r, v, err)
		return
	}
	c.showCodes(w, r, "flash.two_factor_on", codes)
}

func (c *Console) regenerateCodes(w http.ResponseWriter, r *http.Request) {
	v, err := formValues(r)
	var codes []string
	if err == nil {
		codes, err = c.svc.Sessions.RegenerateRecoveryCodes(r.Context(), v.Get("password"), v.Get("code"))
	}
	if err != nil {
		c.twoFactorFailed(w, r, v, err)
		return
	}
	c.showCodes(w, r, "flash.two_factor_codes_new", codes)
}

func (c *Console) disableTwoFactor(w http.ResponseWriter, r *http.Request) {
	v, err := formValues(r)
	if err == nil {
		err = c.svc.Sessions.DisableTwoFactor(r.Context(), v.Get("password"), v.Get("code"))
	}
	if err != nil {
		c.twoFactorFailed(w, r, v, err)
		return
	}
	base, _ := twoFactorBase(r)
	redirect(w, r, base, "two_factor_off")
}

func (c *Console) setTwoFactorPolicy(w http.ResponseWriter, r *http.Request) {
	v, err := formValues(r)
	if err == nil {
		err = c.svc.Sessions.SetTwoFactorPolicy(r.Context(), actor(r).TenantID, session.Policy(v.Get("two_factor_required")))
	}
	if err != nil {
		c.twoFactorFailed(w, r, v, err)
		return
	}
	redirect(w, r, twoFactorURL, "two_factor_policy_saved")
}
