package console

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
)

// csp keeps pages to their own scripts and styles, and out of frames.
const csp = "default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Page is what every screen shows around its content: language, who is
// signed in, menu, breadcrumb, set-up banner, a notice and the form state.
// Page structs embed it.
type Page struct {
	Lang    string
	Path    string // the request's path and query: where a language switch returns
	Title   string // catalog key
	Area    string // "admin", "ops" or "" (signed out)
	Actor   *auth.Actor
	Company string // the tenant's company name, shown in the header (as LINE WORKS does)
	Menu    []MenuItem
	Crumbs  []Crumb
	Setup   []SetupItem // unfinished set-up items: the banner shows while any
	Flash   string      // catalog key of a notice after a redirect
	Form    Form
	// Zone is the reader's time zone: the tenant's on admin pages, the
	// server's --time-zone elsewhere.
	Zone *time.Location
	cat  *i18n.Catalog
}

// Time is t in the reader's zone to the minute, the zone named:
// 2026/04/01 09:30 JST, or Apr 1, 2026 09:30 JST.
func (p Page) Time(t time.Time) string {
	t = t.In(p.Zone)
	if p.Lang == langEN {
		return t.Format("Jan 2, 2006 15:04 MST")
	}
	return t.Format("2006/01/02 15:04 MST")
}

// Date is t's day in the reader's zone: 2026年12月16日, or December 16, 2026.
func (p Page) Date(t time.Time) string {
	t = t.In(p.Zone)
	if p.Lang == langEN {
		return t.Format("January 2, 2006")
	}
	return t.Format("2006年1月2日")
}

// Form is a submitted form: its values and, when refused, the reasons,
// per field where the service named one.
type Form struct {
	Values  url.Values
	Errors  map[string]string
	Error   string        // a reason not tied to one field
	Details []errs.Detail // several reasons at once, e.g. per CSV line
}

// Crumb is one step of the breadcrumb: メイン > 基本設定 > 会社情報.
type Crumb struct {
	Key  string // catalog key
	Href string // empty for the current page
}

// T returns key's text in the page's language; a missing key fails the
// render, so the every-page test finds it.
func (p Page) T(key string, args ...any) (string, error) { return p.cat.Text(p.Lang, key, args...) }

// Detail is one of several reasons in the page's language: where (12行目)
// and what.
func (p Page) Detail(d errs.Detail) (string, error) {
	where := d.Location
	if d.Line > 0 {
		w, err := p.T("members.import.line_n", d.Line)
		if err != nil {
			return "", err
		}
		where = w
	}
	return where + ": " + d.Message(p.Lang), nil
}

// Value is the submitted value of the form field name.
func (p Page) Value(name string) string { return p.Form.Values.Get(name) }

// Err is the reason field name was refused, or "".
func (p Page) Err(name string) string { return p.Form.Errors[name] }

func (p *Page) page() *Page { return p }

// view is a page struct embedding Page.
type view interface{ page() *Page }

// refuse records err on the form: a field's reason next to it, others at
// the top. It reports false for errors users cannot fix (internal ones).
func (p *Page) refuse(err error) bool {
	e, ok := errs.As(err)
	if !ok || e.Kind == errs.Internal {
		return false
	}
	p.Form.Details = e.Details
	if e.Field != "" {
		if p.Form.Errors == nil {
			p.Form.Errors = map[string]string{}
		}
		p.Form.Errors[e.Field] = e.MessageIn(p.Lang, p.Zone)
		return true
	}
	p.Form.Error = e.MessageIn(p.Lang, p.Zone)
	return true
}

// templates are layout.html and partials.html, and each page file parsed
// on a clone of them. Every page is parsed at start, so that a broken one
// fails there, but kept only from its first rendering on: an idle process
// does not hold seventy copies of the layout (issue 18's idle memory).
type templates struct {
	base  *template.Template
	fsys  fs.FS
	files map[string]string // page name → its file

	mu     sync.Mutex
	parsed map[string]*template.Template
}

var funcs = template.FuncMap{
	"join": strings.Join,
	"inc":  func(i int) int { return i + 1 },
	// args builds the argument of a partial: (args "Name" "phone" "Label" …).
	"args": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
}

func parseTemplates(fsys fs.FS) (*templates, error) {
	base, err := template.New("").Funcs(funcs).ParseFS(fsys, "templates/layout.html", "templates/partials.html")
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(fsys, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	t := &templates{base: base, fsys: fsys, files: map[string]string{}, parsed: map[string]*template.Template{}}
	for _, f := range files {
		name := strings.TrimSuffix(path.Base(f), ".html")
		t.files[name] = f
		if _, err := t.parse(name); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// parse parses page name on a clone of the layout.
func (t *templates) parse(name string) (*template.Template, error) {
	return template.Must(t.base.Clone()).ParseFS(t.fsys, t.files[name])
}

// page returns page name's templates, parsing them at their first use.
func (t *templates) page(name string) (*template.Template, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if set, ok := t.parsed[name]; ok {
		return set, nil
	}
	if _, ok := t.files[name]; !ok {
		return nil, fmt.Errorf("no page template %q", name)
	}
	set, err := t.parse(name)
	if err == nil {
		t.parsed[name] = set
	}
	return set, err
}

// render writes page name with v in the layout, or only its block when
// block is not empty (htmx partial updates). It renders into a buffer
// first, so a template error answers 500 instead of half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, v view) {
	c.renderBlock(w, r, status, name, "layout", v)
}

func (c *Console) renderBlock(w http.ResponseWriter, r *http.Request, status int, name, block string, v view) {
	p := v.page()
	p.cat = c.cat
	if p.Zone == nil {
		p.Zone = c.cfg.Zone
	}
	if p.Lang == "" {
		p.Lang = c.lang(r, "")
	}
	if p.Path == "" {
		p.Path = r.URL.RequestURI()
	}
	var buf bytes.Buffer
	set, err := c.tpl.page(name)
	if err == nil {
		err = set.ExecuteTemplate(&buf, block, v)
	}
	if err != nil {
		c.log.ErrorContext(r.Context(), "render page", "page", name, "block", block, "err", err)
		http.Error(w, "ページを表示できませんでした(記録済みです)。 / The page could not be shown; it has been logged.", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", csp)
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// errorPage shows why a request could not be done.
type errorPage struct {
	Page
	Status  int
	Message string
}

// fail answers err: an expired session goes to the sign-in page, anything
// else is shown with the status the API would give it. Internal errors are
// logged here, once, and shown without their cause.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, p Page, err error) {
	if errs.Is(err, errs.Unauthenticated) {
		c.toLogin(w, r, p.Area)
		return
	}
	status := api.Status(err)
	e, ok := errs.As(err)
	msg := ""
	switch {
	case status == http.StatusRequestEntityTooLarge:
		msg = c.text(r, &p, "frontdoor.too_large")
	case errors.Is(err, api.ErrCrossOrigin):
		msg = c.text(r, &p, "frontdoor.cross_origin")
	case ok && status < 500:
		if p.Lang == "" {
			p.Lang = c.lang(r, "")
		}
		msg = e.MessageIn(p.Lang, p.Zone)
	default:
		c.log.ErrorContext(r.Context(), "console request failed", "path", r.URL.Path, "err", err)
	}
	p.Title = "error.title"
	c.render(w, r, status, "error", &errorPage{Page: p, Status: status, Message: msg})
}

// Refuse answers every request with err on the console's error page: how
// the front door refuses a console request before its route (CSRF, a body
// over the limit, a bearer token that is not valid).
func (c *Console) Refuse(err error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { c.fail(w, r, Page{}, err) })
}

// formFailed shows v again with err's reasons, with the API's status (and,
// for a limit, the API's Retry-After); an internal error goes to fail.
func (c *Console) formFailed(w http.ResponseWriter, r *http.Request, name string, v view, err error) {
	if errs.Is(err, errs.TooManyRequests) {
		w.Header().Set("Retry-After", api.RetryAfter(err))
	}
	if p := v.page(); p.Lang == "" { // a signed-out page: its reason reads in the visitor's language
		p.Lang = c.lang(r, "")
	}
	if !v.page().refuse(err) {
		c.fail(w, r, *v.page(), err)
		return
	}
	c.render(w, r, api.Status(err), name, v)
}

// redirect ends a successful POST (post/redirect/get), with a notice key.
func redirect(w http.ResponseWriter, r *http.Request, to, flash string) {
	if flash != "" {
		sep := "?"
		if strings.Contains(to, "?") {
			sep = "&"
		}
		to += sep + "flash=" + url.QueryEscape(flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// flash returns the notice key of the request, if the catalog has it.
func (c *Console) flash(r *http.Request) string {
	key := "flash." + r.URL.Query().Get("flash")
	if c.cat.Has(key) {
		return key
	}
	return ""
}

// localPath returns next when it is a path on this site, else fallback:
// a redirect after sign-in must never leave the site.
func localPath(next, fallback string) string {
	if strings.ContainsFunc(next, func(r rune) bool { return r <= ' ' || r == '\\' || r == 0x7f }) {
		return fallback
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return fallback
	}
	if !strings.HasPrefix(next, "/") || strings.Contains(u.Path, "//") || strings.HasPrefix(path.Clean(u.Path), "//") {
		return fallback
	}
	return next
}

// formValues reads the request's form; a body too large is an error the
// user can act on.
func formValues(r *http.Request) (url.Values, error) {
	if err := r.ParseForm(); err != nil {
		return nil, errs.Wrap(errs.Invalid, err, "console.form_unreadable")
	}
	return r.PostForm, nil
}

// field returns a pointer to the trimmed form value, for partial updates.
func field(v url.Values, name string) *string {
	s := strings.TrimSpace(v.Get(name))
	return &s
}
