package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/session"
)

// secondStepPage asks for the code after a right password. The pending
// token rides in a hidden field: it is single-use, short-lived, and never
// in a URL.
type secondStepPage struct {
	Page
	Pending string
	Next    string
}

// Back is the password step to go back to: the portal's for a partner
// user on the way to it, else the admin console's.
func (p secondStepPage) Back() string {
	if p.Next == "/partner" || strings.HasPrefix(p.Next, "/partner/") {
		return "/partner/login"
	}
	return "/admin/login"
}

// signInMember checks a member's password. It answers the second step's
// page itself and returns no session when the member signs in with two
// factors; a member who must enrol first is sent to the enrolment page.
func (c *Console) signInMember(w http.ResponseWriter, r *http.Request, v url.Values, p *loginPage) (string, *session.Session, error) {
	res, err := c.svc.Sessions.SignIn(anonymous(r), v.Get("login_id"), v.Get("password"), api.Client(r))
	return c.firstStep(w, r, res, err, p)
}

// signInPartner is signInMember for a partner user, who comes back to the
// portal after the second step.
func (c *Console) signInPartner(w http.ResponseWriter, r *http.Request, v url.Values, p *loginPage) (string, *session.Session, error) {
	res, err := c.svc.Sessions.LoginPartner(anonymous(r), v.Get("email"), v.Get("password"), api.Client(r))
	if p.Next == "" {
		p.Next = "/partner"
	}
	return c.firstStep(w, r, res, err, p)
}

// firstStep ends a right password: a session, or the second step's page
// (then no session and no error).
func (c *Console) firstStep(w http.ResponseWriter, r *http.Request, res *session.Result, err error, p *loginPage) (string, *session.Session, error) {
	if err != nil {
		return "", nil, err
	}
	if res.Session == nil {
		c.render(w, r, http.StatusOK, "admin_login_two_factor", &secondStepPage{Page: Page{Title: "two_factor.step_title"},
			Pending: res.PendingToken, Next: p.Next})
		return "", nil, nil
	}
	if res.EnrolTwoFactor {
		p.Next = twoFactorURL
	}
	return res.Token, res.Session, nil
}

// loginSecondStep takes the code (or a recovery code) and signs in; a
// refusal shows the step again with the reason, and an expired or used
// pending token goes back to the password.
func (c *Console) loginSecondStep(w http.ResponseWriter, r *http.Request) {
	v, err := formValues(r)
	p := &secondStepPage{Page: Page{Title: "two_factor.step_title", Form: Form{Values: v}}, Pending: v.Get("pending_token"), Next: v.Get("next")}
	var res *session.Result
	if err == nil {
		res, err = c.svc.Sessions.LoginTwoFactor(anonymous(r), p.Pending, v.Get("code"), v.Get("recovery_code"), api.Client(r))
	}
	if err != nil {
		c.formFailed(w, r, "admin_login_two_factor", p, err)
		return
	}
	ck := api.SessionCookie(c.cfg.Cookie, res.Token, res.Session.ExpiresAt)
	http.SetCookie(w, &ck)
	http.Redirect(w, r, localPath(p.Next, "/admin"), http.StatusSeeOther)
}
