package console

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/session"
)

func (c *Console) registerAuth(rt *router) {
	rt.page("/admin/login", c.loginPage("admin"))
	rt.post("/admin/login", c.login("admin"))
	rt.post("/admin/logout", c.member(c.logout("admin")))
	rt.page("/ops/login", c.loginPage("ops"))
	rt.post("/ops/login", c.login("ops"))
	rt.post("/ops/logout", c.operator(c.logout("ops")))
	rt.page("/partner/login", c.loginPage("partner"))
	rt.post("/partner/login", c.login("partner"))
	rt.post("/partner/logout", c.partnerUser(c.logout("partner")))
	rt.page("/signup", c.signupPage)
	rt.post("/signup", c.signup)
}

// member lets h run only for a signed-in member; anyone else goes to the
// sign-in page. The front door has put the actor in the request's context,
// from the session cookie or a bearer token, as for the API.
func (c *Console) member(h http.HandlerFunc) http.HandlerFunc {
	return c.signedIn("admin", auth.KindMember, h)
}

// operator lets h run only for a signed-in operator.
func (c *Console) operator(h http.HandlerFunc) http.HandlerFunc {
	return c.signedIn("ops", auth.KindOperator, h)
}

func (c *Console) signedIn(area string, kind auth.Kind, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := actor(r)
		if a == nil || a.Kind != kind {
			c.toLogin(w, r, area)
			return
		}
		if a.TwoFactorMissing && !twoFactorOpen(r.URL.Path) {
			wholePage(w, r, twoFactorURL)
			return
		}
		h(w, r)
	}
}

// toLogin sends the browser to the area's sign-in page, coming back to
// the page it asked for.
func (c *Console) toLogin(w http.ResponseWriter, r *http.Request, area string) {
	if area == "" {
		area = "admin"
	}
	to := "/" + area + "/login"
	if r.Method == http.MethodGet && r.URL.Path != to {
		to += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	wholePage(w, r, to)
}

// wholePage redirects the browser to to; an htmx request is told to load
// it as a whole page rather than swap it into the part it asked for.
func wholePage(w http.ResponseWriter, r *http.Request, to string) {
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// anonymous is the context of a visitor who has not signed in: sign-in,
// sign-up and an invitation act as nobody, even in a signed-in browser.
func anonymous(r *http.Request) context.Context {
	return auth.WithActor(r.Context(), api.Anonymous(r))
}

// loginPage is the sign-in form of an area.
type loginPage struct {
	Page
	Next       string
	SignupOpen bool // offer the sign-up page
}

func (c *Console) loginPage(area string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		p := &loginPage{Page: Page{Title: area + ".login.title", Flash: c.flash(r)}, Next: q.Get("next"), SignupOpen: c.cfg.SignupOpen}
		p.Form.Values = url.Values{"login_id": {q.Get("login_id")}}
		c.render(w, r, http.StatusOK, area+"_login", p)
	}
}

// login signs in and sets the session cookie; a refusal shows the form
// again with the reason (wrong password, too many attempts, …).
func (c *Console) login(area string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, err := formValues(r)
		p := &loginPage{Page: Page{Title: area + ".login.title", Form: Form{Values: v}}, Next: r.PostFormValue("next"), SignupOpen: c.cfg.SignupOpen}
		if err != nil {
			c.formFailed(w, r, area+"_login", p, err)
			return
		}
		var token string
		var s *session.Session
		if area == "ops" {
			token, s, err = c.svc.Sessions.LoginOperator(anonymous(r), v.Get("email"), v.Get("password"), api.Client(r))
		} else {
			signIn := c.signInMember
			if area == "partner" {
				signIn = c.signInPartner
			}
			if token, s, err = signIn(w, r, v, p); err == nil && s == nil {
				return // the second step's page is shown
			}
		}
		if err != nil {
			c.formFailed(w, r, area+"_login", p, err)
			return
		}
		ck := api.SessionCookie(c.cfg.Cookie, token, s.ExpiresAt)
		http.SetCookie(w, &ck)
		http.Redirect(w, r, localPath(p.Next, "/"+area), http.StatusSeeOther)
	}
}

// logout ends this session and clears the cookie.
func (c *Console) logout(area string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := c.svc.Sessions.Logout(r.Context()); err != nil {
			c.fail(w, r, Page{Area: area}, err)
			return
		}
		c.clearSession(w)
		redirect(w, r, "/"+area+"/login", "signed_out")
	}
}

func (c *Console) clearSession(w http.ResponseWriter) {
	ck := api.SessionCookie(c.cfg.Cookie, "", time.Time{})
	http.SetCookie(w, &ck)
}

// signupPage is the form that creates a tenant and its super admin.
type signupPage struct{ Page }

func (c *Console) signupPage(w http.ResponseWriter, r *http.Request) {
	if !c.cfg.SignupOpen {
		c.fail(w, r, Page{}, errs.E(errs.NotFound, "console.signup_closed"))
		return
	}
	c.render(w, r, http.StatusOK, "signup", &signupPage{Page{Title: "signup.title"}})
}

// signup creates the tenant, then sends its super admin to sign in.
func (c *Console) signup(w http.ResponseWriter, r *http.Request) {
	v, err := formValues(r)
	p := &signupPage{Page{Title: "signup.title", Form: Form{Values: v}}}
	if err != nil {
		c.formFailed(w, r, "signup", p, err)
		return
	}
	_, m, err := c.svc.Members.Signup(anonymous(r), member.SignupInput{WorksGroup: v.Get("works_group"),
		CompanyName: v.Get("company_name"), Phone: v.Get("phone"), Language: c.lang(r, ""),
		AdminLoginID: v.Get("admin_login_id"), AdminName: v.Get("admin_name"), AdminEmail: v.Get("admin_email"),
		AdminPassword: v.Get("admin_password")})
	if err != nil {
		c.formFailed(w, r, "signup", p, err)
		return
	}
	redirect(w, r, "/admin/login?login_id="+url.QueryEscape(m.LoginID), "signed_up")
}
