package app_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/jobs"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/password"
	"github.com/kanri/kanri/internal/store"
)

// handler is the job handler the app builds: its notify service, and the purge.
type handler struct {
	*notify.Service
	app *app.App
}

func (h handler) Cleanup(ctx context.Context) error { return h.app.DB.Purge(ctx, h.app.Clock.Now()) }

func (h handler) ChangeDomain(ctx context.Context, id string) error {
	return h.app.Services.Domains.RunChange(ctx, id)
}

func (h handler) CheckDomains(ctx context.Context) error {
	return errors.Join(h.app.Services.Domains.ResumeChanges(ctx), h.app.Services.Domains.CheckPending(ctx))
}

func (h handler) SendPasswordReset(ctx context.Context, r password.Request) error {
	return h.app.Services.Passwords.Send(ctx, r)
}

func (h handler) SettleInvoice(ctx context.Context, id string) error {
	return h.app.Services.Billing.Settle(ctx, id)
}

func (h handler) RunBilling(ctx context.Context) error {
	_, err := h.app.Services.Billing.Run(ctx)
	return err
}

func (h handler) ResumeApplies(ctx context.Context) error {
	return h.app.Services.Billing.ResumeApplies(ctx)
}

// quickRetry replaces the retry schedules, which wait seconds to hours.
func quickRetry(int) time.Duration { return 100 * time.Millisecond }

// newWorker returns a job runner on s's database with short polls and
// retries, as "kanri worker" runs beside a server.
func newWorker(t *testing.T, s *apptest.Server) jobs.Runner {
	t.Helper()
	return newWorkerWith(t, s, handler{Service: s.App.Services.Notify.Service, app: s.App})
}

// newWorkerWith is newWorker doing the jobs' work with h.
func newWorkerWith(t *testing.T, s *apptest.Server, h jobs.Handler) jobs.Runner {
	t.Helper()
	ctx := context.Background()
	opts := jobs.Options{Logger: testLogger(t), Poll: 50 * time.Millisecond, MailDelay: quickRetry, WebhookDelay: quickRetry}
	var (
		r   jobs.Runner
		err error
	)
	if url := s.App.Config.DatabaseURL; store.IsPostgres(url) {
		var closePool func()
		if r, closePool, err = jobs.NewPostgres(ctx, url, h, opts); err == nil {
			t.Cleanup(closePool)
		}
	} else {
		r, err = jobs.NewSQLite(s.App.DB.Writer(), h, opts)
	}
	if err != nil {
		t.Fatalf("new runner: %v", err)
	}
	if err := r.Migrate(ctx); err != nil {
		t.Fatalf("migrate River: %v", err)
	}
	return r
}

// run runs r until the returned stop is called (or t ends); stop cancels
// Run's context, as a killed worker's would be, and waits for Run to return.
func run(t *testing.T, r jobs.Runner) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("run: %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Errorf("run did not return 15s after its context ended")
			}
		})
	}
	t.Cleanup(stop) // before apptest's cleanup closes the database
	return stop
}

// testLogger logs warnings and errors to t while it runs.
func testLogger(t *testing.T) *slog.Logger {
	w := &testWriter{t: t}
	t.Cleanup(w.close)
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// testWriter drops what comes after its test ended, which t.Log refuses.
type testWriter struct {
	mu   sync.Mutex
	t    *testing.T
	done bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimSuffix(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testWriter) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.done = true
}
