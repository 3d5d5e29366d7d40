package console

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

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

// Device is how a session's User-Agent reads: its browser and OS,
// "Chrome 120(Windows)"; one it does not know, shortened (the page keeps
// the whole of it in a title).
func (p securityFrame) Device(ua string) (string, error) {
	browser, os := parseUserAgent(ua)
	switch {
	case ua == "":
		return p.T("security.unknown")
	case browser != "" && os != "":
		return p.T("security.browser_on", browser, os)
	case browser != "":
		return browser, nil
	}
	return shorten(ua, uaShown), nil
}

// uaShown is how many characters of a User-Agent Device shows when it
// does not know it.
const uaShown = 60

// parseUserAgent names the browser (with its major version) and the OS of
// a User-Agent, for the common families; "" for what it does not know. The
// order of the checks matters: Edge and Opera say Chrome too, Chrome says
// Safari, and iPads and iPhones say "like Mac OS X".
func parseUserAgent(ua string) (browser, os string) {
	return uaBrowser(ua), uaOS(ua)
}

func uaBrowser(ua string) string {
	named := func(name string, tokens ...string) string {
		for _, t := range tokens {
			if v, ok := uaVersion(ua, t); ok {
				return strings.TrimSpace(name + " " + v)
			}
		}
		return ""
	}
	for _, b := range []string{
		named("Edge", "Edg/", "EdgA/", "EdgiOS/", "Edge/"),
		named("Opera", "OPR/"),
		named("Samsung Internet", "SamsungBrowser/"),
		named("Firefox", "Firefox/", "FxiOS/"),
		named("Chrome", "CriOS/", "Chrome/"),
	} {
		if b != "" {
			return b
		}
	}
	switch {
	case !strings.Contains(ua, "Safari/"):
		return ""
	case strings.Contains(ua, "Android"):
		return named("Android Browser", "Version/")
	case strings.Contains(ua, "Mobile") && strings.Contains(ua, "like Mac OS X"):
		return named("Mobile Safari", "Version/")
	}
	return named("Safari", "Version/")
}

func uaOS(ua string) string {
	switch {
	case strings.Contains(ua, "Windows Phone"): // says Android and iPhone too
		return "Windows Phone"
	case strings.Contains(ua, "iPhone") || strings.Contains(ua, "iPad") || strings.Contains(ua, "iPod"):
		v, _ := uaVersion(ua, " OS ")
		return strings.TrimSpace("iOS " + v)
	case strings.Contains(ua, "Android"):
		v, _ := uaVersion(ua, "Android ")
		return strings.TrimSpace("Android " + v)
	case strings.Contains(ua, "Windows"):
		return "Windows"
	case strings.Contains(ua, "Macintosh") || strings.Contains(ua, "Mac OS X"):
		return "macOS"
	case strings.Contains(ua, "CrOS"):
		return "ChromeOS"
	case strings.Contains(ua, "Linux"):
		return "Linux"
	}
	return ""
}

// uaVersion is the major version after token in ua ("120" of
// "Chrome/120.0.6099.71"), and whether token is there at all.
func uaVersion(ua, token string) (string, bool) {
	i := strings.Index(ua, token)
	if i < 0 {
		return "", false
	}
	rest := ua[i+len(token):]
	end := strings.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if end < 0 {
		end = len(rest)
	}
	return rest[:end], true
}

// shorten cuts s to n characters, an ellipsis last.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
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
