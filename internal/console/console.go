// Package console is Kanri's web console: server-rendered pages on
// html/template, parsed once at start. For now it has the page an
// invitation mail links to; the admin console builds on it.
package console

import (
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/web"
)

// Console serves the console's pages.
type Console struct {
	members *member.Service
	log     *slog.Logger
	tpl     *template.Template
}

// New parses the templates; a template error stops the server at start.
func New(members *member.Service, log *slog.Logger) (*Console, error) {
	tpl, err := template.ParseFS(web.Templates, "templates/*.html")
	if err != nil {
		return nil, err
	}
	return &Console{members: members, log: log, tpl: tpl}, nil
}

// Register adds the console's routes to mux.
func (c *Console) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /invite", c.invite)
	mux.HandleFunc("POST /invite", c.acceptInvite)
}

// invitePage is what invite.html shows.
type invitePage struct {
	Token   string
	Error   string
	Done    bool
	LoginID string
}

func (c *Console) invite(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c.render(w, r, http.StatusOK, invitePage{Token: q.Get("token"), Done: q.Get("done") == "1", LoginID: q.Get("login_id")})
}

// acceptInvite sets the password, then redirects (post/redirect/get) to
// the confirmation; a refusal shows the form again with the reason.
func (c *Console) acceptInvite(w http.ResponseWriter, r *http.Request) {
	token := r.PostFormValue("token")
	ip, _, _ := net.SplitHostPort(r.RemoteAddr)
	ctx := auth.WithActor(r.Context(), &auth.Actor{Kind: auth.KindAnonymous, IP: ip, UserAgent: r.UserAgent()})
	m, err := c.members.AcceptInvitation(ctx, token, r.PostFormValue("password"))
	if err != nil {
		e, ok := errs.As(err)
		if !ok || e.Kind == errs.Internal {
			c.log.ErrorContext(r.Context(), "accept invitation", "err", err)
			c.render(w, r, http.StatusInternalServerError, invitePage{Token: token, Error: "something went wrong on our side: try again later"})
			return
		}
		c.render(w, r, http.StatusUnprocessableEntity, invitePage{Token: token, Error: e.Message})
		return
	}
	http.Redirect(w, r, "/invite?done=1&login_id="+url.QueryEscape(m.LoginID), http.StatusSeeOther)
}

func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, page invitePage) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	w.WriteHeader(status)
	if err := c.tpl.ExecuteTemplate(w, "invite.html", page); err != nil {
		c.log.ErrorContext(r.Context(), "render invite page", "err", err)
	}
}
