// Package api is Kanri's JSON API (huma): one file per resource, wire types
// separate from domain types, errors as RFC 9457 problem details.
package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/clock"
	"github.com/kanri/kanri/internal/domain"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/idempotency"
	"github.com/kanri/kanri/internal/invoicepdf"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/partner"
	"github.com/kanri/kanri/internal/password"
	"github.com/kanri/kanri/internal/session"
	"github.com/kanri/kanri/internal/tenant"
)

// Request body limits: 1 MiB, except member imports (100,000 rows).
const (
	maxBody       = 1 << 20
	maxImportBody = 64 << 20
)

// Services are the domain services the API calls.
type Services struct {
	Tenants  *tenant.Service
	Members  *member.Service
	Sessions *session.Service
	Audit    *audit.Service
	Notify   *notify.Ops
	Domains  *domain.Service
	Billing  *billing.Service
	// InvoicePDF renders an invoice as a PDF with Japanese text.
	InvoicePDF *invoicepdf.Renderer
	// Passwords changes and resets passwords.
	Passwords *password.Service
	// Partners manages resellers and the partner codes of tenants.
	Partners *partner.Service
}

// Config is the API's own configuration.
type Config struct {
	Version string
	// Cookie is the session cookie's name; "__Host-" names are Secure.
	Cookie string
	// TestClock, when set, enables PUT /api/v1/ops/clock.
	TestClock   *clock.Adjustable
	Idempotency idempotency.Store
	// Clock times Idempotency-Key claims against instances' leases: the
	// system clock, also under the test clock.
	Clock    clock.Clock
	Ping     func(context.Context) error
	Logger   *slog.Logger
	Registry *prometheus.Registry
	// Mux holds every route: the API adds its own, the console its pages.
	Mux *http.ServeMux
	// Page shows a refusal of the front door (CSRF, 413, a bad bearer
	// token) on a route outside the API: the console's error page.
	Page func(error) http.Handler
	// Metrics serves GET /metrics here, to operators; off when
	// --metrics-listen gives it a listener of its own.
	Metrics bool
	// Instance is this process's instance lease, named by Idempotency-Key claims.
	Instance string
	// Zone is the server's time zone (--time-zone): problems' times are
	// in it, except a member's, in their tenant's.
	Zone *time.Location
}

// Server serves the API.
type Server struct {
	svc Services
	cfg Config
	log *slog.Logger
	api huma.API
	mux *http.ServeMux
}

// New returns the API server with every route registered.
func New(svc Services, cfg Config) *Server {
	s := &Server{svc: svc, cfg: cfg, log: cfg.Logger, mux: cfg.Mux}
	hc := huma.DefaultConfig("Kanri API", cfg.Version)
	hc.OpenAPIPath, hc.DocsPath, hc.SchemasPath, hc.CreateHooks = "/api/v1/openapi", "", "", nil
	hc.Transformers = append(hc.Transformers, tidyProblem, redactSecrets)
	hc.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer"},
	}
	s.api = humago.New(s.mux, hc)
	s.registerAuth()
	s.registerTenants()
	s.registerMembers()
	s.registerRoles()
	s.registerDirectory()
	s.registerDomains()
	s.registerAudit()
	s.registerOps()
	s.registerNotify()
	s.registerOpsMore()
	s.registerBilling()
	s.registerPasswords()
	s.registerPartners()
	s.mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeProblem(w, r, errs.E(errs.NotFound, "request.no_route", "method", r.Method, "path", r.URL.Path))
	})
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.Handle("/metrics", s.metrics(cfg.Registry))
	return s
}

// idempotent replays retried API requests by their Idempotency-Key; the
// console's forms redirect after a change instead.
func (s *Server) idempotent(next http.Handler) http.Handler {
	idem := &idempotency.Middleware{Store: s.cfg.Idempotency, Clock: s.cfg.Clock, Instance: s.cfg.Instance, Scope: callerScope, Fail: s.writeProblem,
		Skip: func(r *http.Request) bool { return !isAPI(r) || unstored(r) }, Logger: s.log}
	return idem.Wrap(next)
}

// unstored exempts from the Idempotency-Key store the sign-ins and
// two-factor routes, whose answers are bearer tokens and one-time secrets,
// and the routes whose body carries a password: the stored request hash
// would be a fast, unsalted hash of it. A retried reset request or admin
// reset is replayed (no second mail).
func unstored(r *http.Request) bool {
	switch p := r.URL.Path; p {
	case "/api/v1/auth/password", "/api/v1/auth/password-reset/confirm", "/api/v1/auth/accept-invitation", "/api/v1/partner/accept-invitation":
		return true
	default:
		return strings.HasSuffix(p, "/login") || strings.HasPrefix(p, "/api/v1/auth/login/") || strings.HasPrefix(p, "/api/v1/auth/two-factor")
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if err := s.cfg.Ping(r.Context()); err != nil {
		s.writeProblem(w, r, fmt.Errorf("database unreachable: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"status":"ok"}`)
}

func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := bodyLimit(r.URL.Path)
		if r.ContentLength > limit {
			s.refuse(w, r, &http.MaxBytesError{Limit: limit})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if r.ContentLength < 0 {
			// A body of unknown length (chunked) is read here, so that one
			// over the limit gets the same 413 as one that announced its size.
			b, err := io.ReadAll(r.Body)
			if err != nil {
				var tooBig *http.MaxBytesError
				if !errors.As(err, &tooBig) {
					err = errs.Wrap(errs.Invalid, err, "request.body_unreadable")
				}
				s.refuse(w, r, err)
				return
			}
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		}
		next.ServeHTTP(w, r)
	})
}

// authenticate puts the caller's actor in the request context. A bearer
// token that is not valid is refused at once; a stale cookie is ignored so
// that the sign-in page still works.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, bearer := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !bearer {
			if ck, err := r.Cookie(s.cfg.Cookie); err == nil {
				token = ck.Value
			}
		}
		a := Anonymous(r)
		if token != "" {
			got, err := s.svc.Sessions.Authenticate(r.Context(), token, Client(r))
			switch {
			case err == nil:
				a = got
			case bearer || !errs.Is(err, errs.Unauthenticated):
				s.refuse(w, r, err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(auth.WithActor(r.Context(), a)))
	})
}

// callerScope keeps Idempotency-Keys of different callers apart.
func callerScope(r *http.Request) string {
	a := auth.FromContext(r.Context())
	if a.Kind == auth.KindAnonymous {
		return "anonymous:" + a.IP
	}
	return string(a.Kind) + ":" + a.ID
}

// Client is who sent r: its IP and user agent, as sessions record them.
func Client(r *http.Request) session.Client {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	return session.Client{IP: ip, UserAgent: r.UserAgent()}
}

func jsonEncode(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }
