package console

import (
	"net/http"
	"time"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/session"
)

func (c *Console) registerSecurity(rt *router) {
	rt.page("/admin/security", c.member(c.security))
	rt.page("/admin/security/sessions/{s}/revoke", c.member(c.confirmRevoke))
	rt.post("/admin/security/sessions/{s}/revoke", c.member(c.revokeSession))
	rt.page("/admin/security/signout-all", c.member(c.confirmSignOutAll))
	rt.post("/admin/security/signout-all", c.member(c.signOutAll))
}

// securityFrame is what the pages of セキュリティ share: the frame, and
// times shown in Japan's time zone, written the page language's way.
type securityFrame struct {
	Page
	Current string // the session of this request
}

// Time is t in the reader's zone (Page.Time); a zero time (a token that
// never expires) reads "none".
func (p securityFrame) Time(t time.Time) (string, error) {
	if t.IsZero() {
		return p.T("security.never")
	}
	return p.Page.Time(t), nil
}

func (c *Console) securityFrame(r *http.Request, title string, crumbs ...Crumb) (securityFrame, error) {
	trail := []Crumb{{Key: "menu.security"}, {Key: "menu.sessions", Href: "/admin/security"}}
	if len(crumbs) == 0 {
		trail[1].Href = ""
	}
	p, err := c.adminPage(r, title, append(trail, crumbs...)...)
	return securityFrame{Page: p, Current: actor(r).SessionID}, err
}

// securityPage lists the member's own signed-in sessions and API tokens.
type securityPage struct {
	securityFrame
	Sessions []*session.Session
}

func (c *Console) security(w http.ResponseWriter, r *http.Request) {
	f, err := c.securityFrame(r, "menu.sessions")
	p := &securityPage{securityFrame: f}
	if err == nil {
		p.Sessions, err = c.svc.Sessions.Mine(r.Context(), actor(r).TenantID)
	}
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "security_sessions", p)
}

// revokePage says which session will end before it is ended.
type revokePage struct {
	securityFrame
	Session *session.Session
}

func (c *Console) confirmRevoke(w http.ResponseWriter, r *http.Request) {
	f, err := c.securityFrame(r, "security.revoke", Crumb{Key: "security.revoke"})
	p := &revokePage{securityFrame: f}
	if err == nil {
		p.Session, err = c.mySession(r, r.PathValue("s"))
	}
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "security_revoke", p)
}

// mySession finds one of the member's own live sessions.
func (c *Console) mySession(r *http.Request, id string) (*session.Session, error) {
	mine, err := c.svc.Sessions.Mine(r.Context(), actor(r).TenantID)
	if err != nil {
		return nil, err
	}
	for _, s := range mine {
		if s.ID == id {
			return s, nil
		}
	}
	return nil, errs.E(errs.NotFound, "session.not_found")
}

// revokeSession ends one session; ending this one signs the member out.
func (c *Console) revokeSession(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("s")
	if err := c.svc.Sessions.RevokeMine(r.Context(), actor(r).TenantID, id); err != nil {
		f, _ := c.securityFrame(r, "security.revoke", Crumb{Key: "security.revoke"})
		c.fail(w, r, f.Page, err)
		return
	}
	if id == actor(r).SessionID {
		c.clearSession(w)
		redirect(w, r, "/admin/login", "signed_out")
		return
	}
	redirect(w, r, "/admin/security", "security_session_revoked")
}

// signOutAllPage says what signing out everywhere does.
type signOutAllPage struct{ securityFrame }

func (c *Console) confirmSignOutAll(w http.ResponseWriter, r *http.Request) {
	f, err := c.securityFrame(r, "security.signout_all", Crumb{Key: "security.signout_all"})
	if err != nil {
		c.fail(w, r, f.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "security_signout_all", &signOutAllPage{f})
}

// signOutAll ends every session and API token of the member, this one
// included.
func (c *Console) signOutAll(w http.ResponseWriter, r *http.Request) {
	a := actor(r)
	if _, err := c.svc.Sessions.RevokeMember(r.Context(), a.TenantID, a.ID); err != nil {
		f, _ := c.securityFrame(r, "security.signout_all", Crumb{Key: "security.signout_all"})
		c.fail(w, r, f.Page, err)
		return
	}
	c.clearSession(w)
	redirect(w, r, "/admin/login", "security_signed_out_everywhere")
}
