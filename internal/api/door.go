package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
)

// Handler returns every route on cfg.Mux, the API's and the console's,
// behind Kanri's one front door, outermost first:
//
//	the .pdf alias → security headers → metrics → cross-origin protection
//	(CSRF) → body limit → authentication → Idempotency-Key (API routes
//	only) → the mux.
//
// Headers and metrics come first so that every answer, refusals included,
// carries nosniff and is counted under its route. A refusal is a problem
// on API routes and cfg.Page's error page on the others.
func (s *Server) Handler() http.Handler {
	csrf := http.NewCrossOriginProtection()
	refused := errs.Wrap(errs.PermissionDenied, ErrCrossOrigin, "request.cross_origin")
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.refuse(w, r, refused) }))
	inner := s.limitBody(s.authenticate(s.idempotent(s.mux)))
	return rewritePDF(SecurityHeaders(instrument(s.cfg.Registry, s.mux, csrf.Handler(withLang(inner)))))
}

// langKey carries the language of a request's API answers in its context.
type langKey struct{}

// withLang puts the language the request's Accept-Language asks for in its
// context, for the problems its handler may answer.
func withLang(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), langKey{}, requestLang(r.Header.Get("Accept-Language")))))
	})
}

// langOf is the language of ctx's request's answers, English by default.
func langOf(ctx context.Context) string {
	if l, ok := ctx.Value(langKey{}).(string); ok {
		return l
	}
	return i18n.EN
}

// ErrCrossOrigin is the cause of the refusal of a state change sent from
// another site (CSRF), so that the console can say it in its own words.
var ErrCrossOrigin = errors.New("cross-origin request")

// SecurityHeaders sets the headers every answer carries: nosniff, so that
// no browser runs an upload or a JSON body as a script or a page. Pages
// add their own Content-Security-Policy.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// isAPI reports whether r is for the JSON API (or a machine endpoint beside
// it), which answers refusals as problems rather than pages.
func isAPI(r *http.Request) bool {
	p := r.URL.Path
	return strings.HasPrefix(p, "/api/") || p == "/healthz" || p == "/metrics"
}

// refuse answers err before the request reached its route: as a problem on
// API routes, on the console's error page elsewhere.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, err error) {
	if isAPI(r) || s.cfg.Page == nil {
		s.writeProblem(w, r, err)
		return
	}
	s.cfg.Page(err).ServeHTTP(w, r)
}

// bodyLimit is the most a request to path may send: member imports (the
// API's and the console's form) may be large, everything else is small.
func bodyLimit(path string) int64 {
	if strings.HasSuffix(path, "/members/import") {
		return maxImportBody
	}
	return maxBody
}

// metrics serves GET /metrics to operators only (401 without a token, 404
// to members, like every /api/v1/ops route), or, when the metrics have a
// listener of their own, to nobody here.
func (s *Server) metrics(reg *prometheus.Registry) http.Handler {
	h := MetricsHandler(reg)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, err := auth.RequireOperator(r.Context())
		switch {
		case !s.cfg.Metrics:
			err = errs.E(errs.NotFound, "request.metrics_elsewhere")
		case r.Method != http.MethodGet:
			err = errs.E(errs.NotFound, "request.no_route", "method", r.Method, "path", "/metrics")
		case err == nil:
			h.ServeHTTP(w, r)
			return
		}
		s.writeProblem(w, r, err)
	})
}

// Anonymous is the actor of a caller who has not signed in: its IP and user
// agent, for the audit trail and the sign-in limits.
func Anonymous(r *http.Request) *auth.Actor {
	c := Client(r)
	return &auth.Actor{Kind: auth.KindAnonymous, IP: c.IP, UserAgent: c.UserAgent}
}
