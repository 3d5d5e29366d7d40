// Package console is Kanri's web console: the tenant admin console at
// /admin, the operator console at /ops and the invitation page, rendered
// on the server with html/template (parsed once at start) and htmx for
// partial updates. Handlers call the same services as the JSON API, with
// the signed-in actor in the context, so every rule and permission check
// is the API's.
package console

import (
	"io/fs"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/clock"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/tenant"
	"github.com/kanri/kanri/web"
)

// Config is what the console needs besides the services.
type Config struct {
	Cookie     string // the session cookie's name, shared with the API
	SignupOpen bool   // show the sign-up page
	Clock      clock.Clock
	Logger     *slog.Logger
	// Zone is the time zone of the operator console and of signed-out
	// pages; tenants' pages use the tenant's own.
	Zone *time.Location
}

// Console serves the console's pages.
type Console struct {
	svc     api.Services
	cfg     Config
	log     *slog.Logger
	tpl     *templates
	cat     *i18n.Catalog
	pages   []string // GET patterns of every page, for the every-page test
	actions []string // POST patterns, for the cross-tenant test
}

// New parses the templates; an error stops the server at start.
func New(svc api.Services, cfg Config) (*Console, error) {
	tpl, err := parseTemplates(web.Templates)
	if err != nil {
		return nil, err
	}
	if cfg.Zone == nil {
		if cfg.Zone, err = tenant.LoadZone(tenant.DefaultTimeZone); err != nil {
			return nil, err
		}
	}
	return &Console{svc: svc, cfg: cfg, log: cfg.Logger, tpl: tpl, cat: i18n.Messages()}, nil
}

// Pages returns the GET pattern of every page, e.g. "/admin/members/{m}".
func (c *Console) Pages() []string { return c.pages }

// Actions returns the pattern of every POST route.
func (c *Console) Actions() []string { return c.actions }

// router registers the console's routes and remembers its pages.
type router struct {
	mux            *http.ServeMux
	pages, actions []string
}

// page registers a GET page; its path goes into the every-page test.
func (rt *router) page(pattern string, h http.HandlerFunc) {
	rt.pages = append(rt.pages, pattern)
	rt.mux.HandleFunc("GET "+pattern, h)
}

// post registers a state change; console GETs never change anything.
func (rt *router) post(pattern string, h http.HandlerFunc) {
	rt.actions = append(rt.actions, pattern)
	rt.mux.HandleFunc("POST "+pattern, h)
}

// file registers a GET download (CSV) that is not a page.
func (rt *router) file(pattern string, h http.HandlerFunc) {
	rt.mux.HandleFunc("GET "+pattern, h)
}

// Register adds the console's routes to mux.
func (c *Console) Register(mux *http.ServeMux) {
	static, _ := fs.Sub(web.Static, "static")
	mux.Handle("GET /static/", c.files(http.StripPrefix("/static/", cacheFor(time.Hour, http.FileServerFS(static)))))
	mux.HandleFunc("/", c.notFound)
	rt := &router{mux: mux}
	rt.post("/lang", c.setLang)
	c.registerAuth(rt)
	c.registerHome(rt)
	c.registerCompany(rt)
	c.registerDomains(rt)
	c.registerMembers(rt)
	c.registerDirectory(rt)
	c.registerRoles(rt)
	c.registerSecurity(rt)
	c.registerTwoFactor(rt)
	c.registerAudit(rt)
	c.registerStats(rt)
	c.registerBilling(rt)
	c.registerOps(rt)
	c.registerOpsPartners(rt)
	c.registerPartnerPortal(rt)
	c.registerStatementPDF(rt)
	c.registerInvite(rt)
	c.registerPasswords(rt)
	c.pages, c.actions = rt.pages, rt.actions
}

// files serves the static files but never a listing of their folders.
func (c *Console) files(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			c.notFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func cacheFor(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(d.Seconds())))
		h.ServeHTTP(w, r)
	})
}

// lang is the request's language: the language this browser chose (the
// switch's cookie), else the signed-in member's own choice (プロフィール),
// else the browser's Accept-Language when it names Japanese or English,
// else the tenant's language, else Japanese.
func (c *Console) lang(r *http.Request, tenantLang string) string {
	if ck, err := r.Cookie(langCookie); err == nil {
		if l := pickLang(ck.Value); l != "" {
			return l
		}
	}
	if a := actor(r); a != nil {
		if l := pickLang(a.Language); l != "" {
			return l
		}
	}
	if l := i18n.FromHeader(r.Header.Get("Accept-Language")); l != "" {
		return l
	}
	if l := pickLang(tenantLang); l != "" {
		return l
	}
	return langJA
}

// setLang remembers the chosen language for a year and goes back.
func (c *Console) setLang(w http.ResponseWriter, r *http.Request) {
	l := pickLang(r.PostFormValue("lang"))
	if l == "" {
		l = langJA
	}
	c.rememberLang(w, l)
	http.Redirect(w, r, localPath(r.PostFormValue("next"), "/admin"), http.StatusSeeOther)
}

// rememberLang keeps l as this browser's language for a year; "" forgets
// the choice, so that the member's, the browser's or the tenant's applies.
func (c *Console) rememberLang(w http.ResponseWriter, l string) {
	ck := &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
		HttpOnly: true, Secure: strings.HasPrefix(c.cfg.Cookie, "__Host-"), SameSite: http.SameSiteLaxMode}
	if l == "" {
		ck.MaxAge = -1
	}
	http.SetCookie(w, ck)
}

// actor is the request's actor, put in its context by the front door.
func actor(r *http.Request) *auth.Actor { return auth.FromContext(r.Context()) }
