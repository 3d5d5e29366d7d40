package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/clock"
	"github.com/kanri/kanri/internal/console"
	"github.com/kanri/kanri/internal/dnscheck"
	"github.com/kanri/kanri/internal/domain"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/invoicepdf"
	"github.com/kanri/kanri/internal/jobs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/partner"
	"github.com/kanri/kanri/internal/password"
	"github.com/kanri/kanri/internal/session"
	"github.com/kanri/kanri/internal/store"
	"github.com/kanri/kanri/internal/tenant"
	"github.com/kanri/kanri/internal/testcard"
)

// App is a configured, migrated Kanri.
type App struct {
	Config   Config
	DB       *store.DB
	Clock    clock.Clock
	Logger   *slog.Logger
	Services api.Services
	// Jobs relays the outbox and works the background jobs.
	Jobs      jobs.Runner
	closeJobs func()
	riverLog  *slog.Logger
	console   *console.Console
	testClk   *clock.Adjustable

	// instance names this process in the instances table (lease.go);
	// wall times its lease: the system clock, even under --test-clock.
	instance string
	wall     clock.Clock
	endLease func()
}

// Open checks cfg, opens and migrates the database and builds the services.
// Logs go to logOut.
func Open(ctx context.Context, cfg Config, logOut io.Writer) (*App, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	// River reports routine work at info level: show only its warnings unless debugging.
	riverLevel := max(level, slog.LevelWarn)
	if level == slog.LevelDebug {
		riverLevel = level
	}
	a := &App{Config: cfg, Clock: clock.System{}, wall: clock.System{}, Logger: slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: level})),
		riverLog: slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: riverLevel}))}
	if cfg.TestClock {
		a.testClk = &clock.Adjustable{}
		a.Clock = a.testClk
	}
	ids := id.Sortable{Clock: a.Clock}
	db, err := store.Open(cfg.DatabaseURL, ids, store.Options{SQLiteSynchronous: cfg.SQLiteSynchronous})
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	a.DB = db
	if err := a.startLease(ctx, ids); err != nil {
		db.Close()
		return nil, err
	}
	if err := a.build(ctx, ids); err != nil {
		a.endLease()
		db.Close()
		return nil, err
	}
	return a, nil
}

// build makes the services and the job runner on a.DB.
func (a *App) build(ctx context.Context, ids id.Generator) error {
	cfg, db := a.Config, a.DB
	rec := audit.Recorder{IDs: ids}
	tpl, err := notify.LoadTemplates()
	if err != nil {
		return err
	}
	ntf := &notify.Service{Store: db, Clock: a.Clock, Wall: a.wall, Instance: a.instance, IDs: ids, Templates: tpl,
		Post: notify.HTTPPoster(webhookClient(cfg.AllowPrivateWebhooks), a.Clock)}
	if ntf.Send, err = smtpSender(cfg); err != nil {
		return err
	}
	sealer, err := twoFactorSealer(ctx, db, a.Clock)
	if err != nil {
		return err
	}
	a.Services = api.Services{
		Tenants: &tenant.Service{Store: db, Clock: a.Clock, Audit: rec, Notify: ntf},
		Members: &member.Service{Store: db, Clock: a.Clock, IDs: ids, Audit: rec, ProvidedBase: cfg.ProvidedBase,
			SignupOpen: cfg.SignupOpen, InvitationTTL: 7 * 24 * time.Hour, Notify: ntf, BaseURL: cfg.BaseURL},
		Sessions: &session.Service{Store: db, Clock: a.Clock, IDs: ids, Audit: rec, SessionTTL: cfg.SessionTTL,
			Limits: session.Limits{PerAccount: 10, PerIP: 100, Window: 15 * time.Minute}, Secrets: sealer},
		Audit: &audit.Service{Store: db},
		Notify: &notify.Ops{Service: ntf, Audit: rec, AppendAuditEvents: db.AppendAuditEvents, AllowPrivate: cfg.AllowPrivateWebhooks,
			Resolve: func(ctx context.Context, host string) ([]netip.Addr, error) {
				return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
			}},
	}
	a.Services.Domains = &domain.Service{Store: db, Clock: a.Clock, IDs: ids, Audit: rec, Notify: ntf,
		DNS: &dnscheck.Resolver{Addr: cfg.DNSResolver, Log: a.Logger}, ProvidedBase: cfg.ProvidedBase, VerifyWindow: cfg.DomainDeadline,
		ChangeLock: 24 * time.Hour, BaseURL: cfg.BaseURL, MailBatch: 25, MailPause: 10 * time.Millisecond}
	if store.IsPostgres(cfg.DatabaseURL) { // measured: docs/PERFORMANCE.md
		a.Services.Domains.MailBatch = 250
	}
	billingZone := billing.CalendarZone()
	a.Services.Members.Zone = billingZone
	a.Services.Billing = &billing.Service{Store: db, Clock: a.Clock, IDs: ids, Audit: rec, Notify: ntf, Catalog: cfg.Billing.Catalog,
		Provider: testcard.New(a.Clock), Issuer: cfg.Billing.Issuer, Zone: billingZone, QuoteTTL: 30 * time.Minute,
		Retention: cfg.Billing.Retention, Grace: 7 * 24 * time.Hour, BaseURL: cfg.BaseURL, Log: a.Logger}
	a.Services.Members.Seats, a.Services.Members.Follow = a.Services.Billing.SeatLimit, a.Services.Billing.FollowMembers
	a.Services.Members.Features, a.Services.Members.Log = cfg.Billing.Catalog.Features(), a.Logger
	a.Services.Passwords = &password.Service{Store: db, Clock: a.Clock, Audit: rec, Notify: ntf, IDs: ids, BaseURL: cfg.BaseURL,
		Sessions: a.Services.Sessions, Requests: session.Limits{PerAccount: 5, PerIP: 30, Window: time.Hour},
		TTL: 30 * time.Minute, AdminTTL: 24 * time.Hour}
	a.Services.Members.ConfirmPassword = a.Services.Passwords.Reconfirm
	a.Services.Partners = &partner.Service{Store: db, Clock: a.Clock, IDs: ids, Audit: rec, Notify: ntf, Billing: a.Services.Billing,
		Guess: a.Services.Sessions.Guess, CodeTTL: 30 * 24 * time.Hour, InvitationTTL: 7 * 24 * time.Hour, Zone: cfg.Zone, BaseURL: cfg.BaseURL}
	a.Services.InvoicePDF = invoicepdf.New()
	if a.console, err = console.New(a.Services, console.Config{Cookie: cfg.cookieName(), SignupOpen: cfg.SignupOpen, Clock: a.Clock, Logger: a.Logger, Zone: cfg.Zone}); err != nil {
		return err
	}
	h := jobHandler{Service: ntf, domains: a.Services.Domains, billing: a.Services.Billing, passwords: a.Services.Passwords, db: db, clock: a.Clock}
	opts := jobs.Options{Logger: a.riverLog, DomainCheckEvery: cfg.DomainCheckEvery, BillingEvery: cfg.Billing.Every,
		MailSenders: cfg.SMTP.Connections, ID: a.instance, Lapsed: a.lapsed}
	if store.IsPostgres(cfg.DatabaseURL) {
		a.Jobs, a.closeJobs, err = jobs.NewPostgres(ctx, cfg.DatabaseURL, h, opts)
	} else {
		a.Jobs, err = jobs.NewSQLite(db.Writer(), h, opts)
	}
	if err != nil {
		return err
	}
	a.Services.Passwords.Later = func(ctx context.Context, r password.Request) error {
		return a.Jobs.Insert(ctx, jobs.PasswordResetArgs{Request: r})
	}
	return a.Jobs.Migrate(ctx)
}

// Close stops the job runner's pool and closes the database.
func (a *App) Close() error {
	if a.closeJobs != nil {
		a.closeJobs()
	}
	a.endLease()
	return a.DB.Close()
}

// Handler returns everything Kanri serves over HTTP: the API's and the
// console's routes on one mux behind one chain (api.Server.Handler).
func (a *App) Handler() http.Handler {
	h, _ := a.handlers()
	return h
}

// handlers returns the front door and the handler of the metrics listener,
// which share one registry.
func (a *App) handlers() (front, metrics http.Handler) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	mux := http.NewServeMux()
	srv := api.New(a.Services, api.Config{Version: Version, Cookie: a.Config.cookieName(), TestClock: a.testClk,
		Idempotency: a.DB, Instance: a.instance, Clock: a.wall, Ping: a.DB.Ping, Logger: a.Logger, Registry: reg,
		Mux: mux, Page: a.console.Refuse, Metrics: a.Config.MetricsListen == "", Zone: a.Config.Zone})
	a.console.Register(mux)
	only := http.NewServeMux()
	only.Handle("GET /metrics", api.MetricsHandler(reg))
	return srv.Handler(), api.SecurityHeaders(only)
}

// Serve serves Handler on the configured address, and /metrics on its own
// address when one is set, until ctx ends or a server fails; then it shuts
// them all down gracefully. ready, when not nil, is called once listening.
func (a *App) Serve(ctx context.Context, ready func()) error {
	front, metrics := a.handlers()
	servers, err := a.listenAll(ctx, front, metrics)
	if err != nil {
		return err
	}
	if ready != nil {
		ready()
	}
	// Starting (migrations, templates, catalogs) leaves garbage that Go
	// would hand back to the system only slowly: hand it back now, so an
	// idle instance's resident memory is what it keeps (issue 18).
	debug.FreeOSMemory()
	errc := make(chan error, 3)
	for _, s := range servers {
		go func() { errc <- s.serve() }()
	}
	// The job runner stops before Serve returns, so the database it uses
	// is never closed under it.
	jobsCtx, stopJobs := context.WithCancel(ctx)
	jobsDone := make(chan struct{})
	go func() {
		defer close(jobsDone)
		if !a.Config.Workers {
			return
		}
		if err := a.Jobs.Run(jobsCtx); err != nil {
			errc <- fmt.Errorf("background jobs: %w", err)
		}
	}()
	select {
	case err = <-errc:
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if serr := shutdownAll(shut, servers); err == nil {
		err = serr
	}
	stopJobs()
	<-jobsDone
	return err
}

// Describe prints where Kanri is and what it runs on.
func (a *App) Describe(w io.Writer) {
	fmt.Fprintf(w, "Kanri %s is running.\n", Version)
	fmt.Fprintf(w, "  Console:      %s/admin   (operators: %s/ops, partners: %s/partner)\n", a.Config.BaseURL, a.Config.BaseURL, a.Config.BaseURL)
	fmt.Fprintf(w, "  API:          %s/api/v1\n", a.Config.BaseURL)
	fmt.Fprintf(w, "  API document: %s/api/v1/openapi.json\n", a.Config.BaseURL)
	fmt.Fprintf(w, "  Health:       %s/healthz\n", a.Config.BaseURL)
	if a.Config.MetricsListen != "" {
		fmt.Fprintf(w, "  Metrics:      http://%s/metrics   (--metrics-listen; not on the public address)\n", a.Config.MetricsListen)
	} else {
		fmt.Fprintf(w, "  Metrics:      %s/metrics   (operators' bearer tokens only; or give it its own --metrics-listen)\n", a.Config.BaseURL)
	}
	fmt.Fprintf(w, "  Database:     %s\n", a.Config.DescribeDB())
	fmt.Fprintf(w, "  Mail:         %s\n", a.Config.describeMail())
	fmt.Fprintf(w, "  Payments:     test cards only (4242 4242 4242 4242 succeeds): no real money moves\n")
	if !a.Config.Workers {
		fmt.Fprintf(w, "  Jobs:         not run here (--workers=false): run \"kanri worker\" beside it\n")
	}
	if a.testClk != nil {
		fmt.Fprintf(w, "  Test clock:   on (PUT /api/v1/ops/clock)\n")
	}
}

// ConsolePages lists the GET pattern of every console page, for the test
// that renders them all.
func (a *App) ConsolePages() []string { return a.console.Pages() }

// ConsoleActions lists the pattern of every console POST route, for the
// cross-tenant test.
func (a *App) ConsoleActions() []string { return a.console.Actions() }
