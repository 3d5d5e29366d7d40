package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/jobs"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/password"
	"github.com/kanri/kanri/internal/store"
	"github.com/kanri/kanri/internal/store/storetest"
	"github.com/kanri/kanri/internal/webhook"
)

// handler is what the app gives a runner: the notify service (posting
// every webhook with success), and the purge.
type handler struct {
	*notify.Service
	env *storetest.Env
}

func (h handler) Cleanup(ctx context.Context) error { return h.env.DB.Purge(ctx, h.env.Clock.Now()) }

// The domain jobs are tested with the domain service; these tests relay
// mail and webhooks only.
func (h handler) ChangeDomain(context.Context, string) error                { return nil }
func (h handler) CheckDomains(context.Context) error                        { return nil }
func (h handler) RunBilling(context.Context) error                          { return nil }
func (h handler) ResumeApplies(context.Context) error                       { return nil }
func (h handler) SendPasswordReset(context.Context, password.Request) error { return nil }
func (h handler) SettleInvoice(context.Context, string) error               { return nil }

// newRunner returns a runner on env's database, for its engine, with
// River's tables migrated.
func newRunner(t *testing.T, env *storetest.Env) jobs.Runner {
	t.Helper()
	return runnerWith(t, env, jobs.Options{Logger: slog.New(slog.DiscardHandler)})
}

func runnerWith(t *testing.T, env *storetest.Env, opts jobs.Options) jobs.Runner {
	t.Helper()
	ctx := context.Background()
	svc := env.NotifyService()
	svc.Post = func(context.Context, *notify.Endpoint, *notify.Delivery) (int, error) {
		return http.StatusNoContent, nil
	}
	h := handler{Service: svc, env: env}
	var (
		r   jobs.Runner
		err error
	)
	if store.IsPostgres(env.URL) {
		var closePool func()
		if r, closePool, err = jobs.NewPostgres(ctx, env.URL, h, opts); err == nil {
			t.Cleanup(closePool)
		}
	} else {
		r, err = jobs.NewSQLite(env.DB.Writer(), h, opts)
	}
	if err != nil {
		t.Fatalf("new runner: %v", err)
	}
	if err := r.Migrate(ctx); err != nil {
		t.Fatalf("migrate River: %v", err)
	}
	return r
}

// job is a row to start or a started job, as "kind ref": "webhook dlv_…".
type job = string

// outbox returns the outbox's rows.
func outbox(t *testing.T, env *storetest.Env) []job {
	t.Helper()
	return queryJobs(t, env, `SELECT kind, ref_id FROM outbox`)
}

// riverJobs returns River's delivery jobs, whatever their state; the
// outbox kind names them so that they compare with outbox rows.
func riverJobs(t *testing.T, env *storetest.Env) []job {
	t.Helper()
	// ->> reads River's args on both engines (jsonb in each).
	return queryJobs(t, env, `SELECT 'webhook', args->>'delivery_id' FROM river_job WHERE kind = 'deliver_webhook'`)
}

func queryJobs(t *testing.T, env *storetest.Env, query string) []job {
	t.Helper()
	rows, err := env.DB.Writer().QueryContext(context.Background(), query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	var out []job
	for rows.Next() {
		var kind, ref string
		if err := rows.Scan(&kind, &ref); err != nil {
			t.Fatal(err)
		}
		out = append(out, kind+" "+ref)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// newEndpoint registers an endpoint straight in the store.
func newEndpoint(t *testing.T, env *storetest.Env, types []string, disabled bool) *notify.Endpoint {
	t.Helper()
	now := env.Clock.Now()
	e := &notify.Endpoint{ID: env.IDs.New("whe"), URL: "https://hooks.example.com/" + types[0], EventTypes: types,
		Secrets: []string{webhook.NewSecret()}, CreatedAt: now}
	if disabled {
		e.DisabledAt, e.DisabledCause = now, "disabled by an operator"
	}
	if err := env.DB.CreateEndpoint(context.Background(), e); err != nil {
		t.Fatalf("create endpoint: %v", err)
	}
	return e
}

// relay runs r.Relay and checks how many rows it moved.
func relay(t *testing.T, r jobs.Runner, want int) {
	t.Helper()
	got, err := r.Relay(context.Background())
	if err != nil {
		t.Fatalf("relay: %v", err)
	}
	if got != want {
		t.Errorf("relay moved %d rows, want %d", got, want)
	}
}

func TestOutboxFollowsTransaction(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := context.Background()
		r := newRunner(t, env)
		svc := env.NotifyService()
		all := newEndpoint(t, env, []string{"*"}, false)
		added := newEndpoint(t, env, []string{"member.added"}, false)
		newEndpoint(t, env, []string{"tenant.updated"}, false) // not subscribed
		newEndpoint(t, env, []string{"*"}, true)               // disabled
		to := notify.Recipient{Address: "hanako@example.com", Name: "山田 花子", Language: "ja"}
		data := notify.MailData{CompanyName: "Example Inc.", WorksGroup: "example", MemberName: "山田 花子", LoginID: "hanako@example.works.example"}
		write := func(ctx context.Context) error {
			if err := svc.MailTo(ctx, "ten_1", to, "member_added", data); err != nil {
				return err
			}
			return svc.Emit(ctx, "ten_1", "member.added", map[string]string{"id": "mem_1"})
		}

		boom := errors.New("the change failed")
		if err := env.DB.InTx(ctx, func(ctx context.Context) error {
			if err := write(ctx); err != nil {
				return err
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatalf("rolled-back transaction: got %v, want %v", err, boom)
		}
		mails, deliveries := written(t, env, all, added)
		if len(mails)+len(deliveries) != 0 {
			t.Errorf("rolled back: %d mails and %d deliveries remain, want none", len(mails), len(deliveries))
		}
		if got := outbox(t, env); len(got) != 0 {
			t.Errorf("rolled back: outbox has %v, want nothing", got)
		}
		relay(t, r, 0)
		if got := riverJobs(t, env); len(got) != 0 {
			t.Errorf("rolled back: River has jobs %v, want none", got)
		}

		if err := env.DB.InTx(ctx, write); err != nil {
			t.Fatalf("committed transaction: %v", err)
		}
		mails, deliveries = written(t, env, all, added)
		if len(mails) != 1 || len(deliveries) != 2 {
			t.Fatalf("committed: %d mails and %d deliveries, want 1 and 2 (one per subscribed, enabled endpoint)", len(mails), len(deliveries))
		}
		if mails[0].Status != notify.MailKept {
			t.Errorf("committed without SMTP: the mail is %s, want kept at once (no job)", mails[0].Status)
		}
		var want []job
		for _, d := range deliveries {
			want = append(want, "webhook "+d.ID)
		}
		slices.Sort(want)
		if diff := cmp.Diff(want, outbox(t, env)); diff != "" {
			t.Errorf("committed: outbox rows (-want +got):\n%s", diff)
		}
		relay(t, r, len(want))
		if got := outbox(t, env); len(got) != 0 {
			t.Errorf("after relay: outbox still has %v", got)
		}
		if diff := cmp.Diff(want, riverJobs(t, env)); diff != "" {
			t.Errorf("after relay: River jobs (-want +got):\n%s", diff)
		}
		relay(t, r, 0)
		if diff := cmp.Diff(want, riverJobs(t, env)); diff != "" {
			t.Errorf("after a second relay: River jobs (-want +got):\n%s", diff)
		}
	})
}

// written returns every mail and the deliveries to the given endpoints.
func written(t *testing.T, env *storetest.Env, endpoints ...*notify.Endpoint) ([]*notify.Mail, []*notify.Delivery) {
	t.Helper()
	ctx := context.Background()
	mails, err := env.DB.ListMails(ctx, notify.Page{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var deliveries []*notify.Delivery
	for _, e := range endpoints {
		ds, err := env.DB.ListDeliveries(ctx, e.ID, notify.Page{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		deliveries = append(deliveries, ds...)
	}
	return mails, deliveries
}

// TestRelayManyAtOnce relays more rows than one batch holds from several
// runners at once, as several workers do: every row becomes exactly one job.
func TestRelayManyAtOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := context.Background()
		runners := []jobs.Runner{newRunner(t, env), newRunner(t, env), newRunner(t, env)}
		const n = 1234 // two full batches of 500 and a partial one
		var want []job
		err := env.DB.InTx(ctx, func(ctx context.Context) error {
			for i := range n {
				ref := fmt.Sprintf("dlv_%04d", i)
				want = append(want, notify.KindWebhook+" "+ref)
				if err := env.DB.Enqueue(ctx, notify.KindWebhook, env.Clock.Now(), ref); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(want)

		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			moved int
		)
		for _, r := range runners {
			wg.Go(func() {
				m, err := r.Relay(ctx)
				if err != nil {
					t.Errorf("relay: %v", err)
				}
				mu.Lock()
				moved += m
				mu.Unlock()
			})
		}
		wg.Wait()
		if moved != n {
			t.Errorf("the runners moved %d rows in all, want %d", moved, n)
		}
		if got := outbox(t, env); len(got) != 0 {
			t.Errorf("outbox still has %d rows", len(got))
		}
		if diff := cmp.Diff(want, riverJobs(t, env)); diff != "" {
			t.Errorf("River jobs (-want +got):\n%s", diff)
		}
	})
}

// TestRunOutlivesRelayFailure breaks the outbox under a running runner
// built without a logger: Run keeps going, and once the outbox is back it
// relays what is written and works it.
func TestRunOutlivesRelayFailure(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx, stop := context.WithCancel(context.Background())
		r := runnerWith(t, env, jobs.Options{Poll: 20 * time.Millisecond})
		exec(t, env, `ALTER TABLE outbox RENAME TO outbox_away`)
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		t.Cleanup(func() { // before the database closes
			stop()
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
		})
		time.Sleep(100 * time.Millisecond) // a few relays fail
		exec(t, env, `ALTER TABLE outbox_away RENAME TO outbox`)
		endpoint := newEndpoint(t, env, []string{"*"}, false)
		emit(t, env, "member.added")
		eventually(t, 10*time.Second, func() string {
			_, deliveries := written(t, env, endpoint)
			if deliveries[0].Status != notify.DeliveryDelivered {
				return fmt.Sprintf("delivery is %s, want %s", deliveries[0].Status, notify.DeliveryDelivered)
			}
			return ""
		})
	})
}

func exec(t *testing.T, env *storetest.Env, query string) {
	t.Helper()
	if _, err := env.DB.Writer().ExecContext(context.Background(), query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// eventually polls check until it returns "" or the timeout passes, then
// fails with check's last complaint.
func eventually(t *testing.T, timeout time.Duration, check func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		msg := check()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", timeout, msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
