package console

import (
	"net/http"
	"net/url"

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

// signInMember checks a member's password. It answers the second step's
// page itself and returns no session when the member signs in with two
// factors; a member who must enrol first is sent to the enrolment page.
func (c *Console) signInMember(w http.ResponseWriter, r *http.Request, v url.Values, p *loginPage) (string, *session.Session, error) {
	res, err := c.svc.Sessions.SignIn(anonymous(r), v.Get("login_id"), v.Get("password"), api.Client(r))
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
