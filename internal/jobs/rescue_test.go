package jobs_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/jobs"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/store"
	"github.com/kanri/kanri/internal/store/storetest"
)

// TestDeadProcessesJobsRunAgain: webhook jobs marked running by a process whose
// lease lapsed run again at once; those of a live process, and the runner's
// own, are left to them.
func TestDeadProcessesJobsRunAgain(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx, stop := context.WithCancel(context.Background())
		live := []string{"ins_me", "ins_live"}
		r := runnerWith(t, env, jobs.Options{Poll: 20 * time.Millisecond, ID: "ins_me",
			Lapsed: func(_ context.Context, ids []string) (out []string, _ error) {
				for _, id := range ids {
					if !slices.Contains(live, id) {
						out = append(out, id)
					}
				}
				return out, nil
			}})
		owners := []string{"ins_dead", "ins_live", "ins_me"}
		endpoint := newEndpoint(t, env, []string{"*"}, false)
		for _, owner := range owners {
			emit(t, env, owner)
		}
		if _, err := r.Relay(ctx); err != nil {
			t.Fatal(err)
		}
		for _, owner := range owners {
			markRunning(t, env, owner)
		}
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		t.Cleanup(func() {
			stop()
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
		})
		eventually(t, 10*time.Second, func() string {
			_, deliveries := written(t, env, endpoint)
			got := map[string]string{}
			for _, d := range deliveries {
				got[d.EventType] = d.Status
			}
			want := map[string]string{"ins_dead": notify.DeliveryDelivered, "ins_live": notify.DeliveryPending, "ins_me": notify.DeliveryPending}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				return fmt.Sprintf("deliveries %v, want %v", got, want)
			}
			if got := queryJobs(t, env, `SELECT state, '' FROM river_job WHERE kind = 'deliver_webhook'`); !slices.Equal(got, []string{"completed ", "running ", "running "}) {
				return fmt.Sprintf("jobs %q, want one completed and the live ones running", got)
			}
			return ""
		})
	})
}

// emit writes an event of type owner (every endpoint takes it) and its
// deliveries, as a change does.
func emit(t *testing.T, env *storetest.Env, owner string) {
	t.Helper()
	err := env.DB.InTx(context.Background(), func(ctx context.Context) error {
		return env.NotifyService().Emit(ctx, "", owner, map[string]string{})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// markRunning marks the webhook job of the event of type owner as running
// in instance owner since a minute ago, as a crash leaves it.
func markRunning(t *testing.T, env *storetest.Env, owner string) {
	t.Helper()
	markRunningBy(t, env, owner, owner, time.Now().Add(-time.Minute))
}

// markRunningBy marks the webhook job of the event of type event as
// running in instance owner since since.
func markRunningBy(t *testing.T, env *storetest.Env, event, owner string, since time.Time) {
	t.Helper()
	var at any = since.UTC()
	by := `ARRAY[?]::text[]`
	if !store.IsPostgres(env.URL) { // River's SQLite driver compares times as text in this format
		by, at = `json_array(?)`, at.(time.Time).Format("2006-01-02 15:04:05.000")
	}
	_, err := env.DB.Writer().ExecContext(context.Background(), store.Rebind(`UPDATE river_job SET state = 'running', attempt = 1,
		attempted_at = ?, attempted_by = `+by+` WHERE kind = 'deliver_webhook'
		AND args->>'delivery_id' = (SELECT id FROM webhook_deliveries WHERE event_type = ?)`), at, owner, event)
	if err != nil {
		t.Fatal(err)
	}
}

// TestRescueLeavesRestartedJob: a dead process's job that another runner
// rescued and a live process started again while this runner's pass was
// deciding is left running, not made available a second time (it would run
// twice at once: two deliveries).
func TestRescueLeavesRestartedJob(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx, stop := context.WithCancel(context.Background())
		asked := make(chan struct{})
		r := runnerWith(t, env, jobs.Options{Poll: 20 * time.Millisecond, ID: "ins_me",
			Lapsed: func(_ context.Context, ids []string) ([]string, error) {
				if slices.Contains(ids, "ins_dead") { // meanwhile, ins_live restarted it
					time.Sleep(20 * time.Millisecond)
					markRunningBy(t, env, "ins_dead", "ins_live", time.Now())
					close(asked)
				}
				return []string{"ins_dead"}, nil
			}})
		endpoint := newEndpoint(t, env, []string{"*"}, false)
		emit(t, env, "ins_dead")
		if _, err := r.Relay(ctx); err != nil {
			t.Fatal(err)
		}
		markRunning(t, env, "ins_dead")
		done := make(chan error, 1)
		go func() { done <- r.Run(ctx) }()
		<-asked
		time.Sleep(time.Second) // a job made available again runs in 20 ms
		stop()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		if _, deliveries := written(t, env, endpoint); len(deliveries) != 1 || deliveries[0].Status != notify.DeliveryPending {
			t.Errorf("deliveries %+v; want the one left pending to ins_live", deliveries)
		}
		if got := queryJobs(t, env, `SELECT state, '' FROM river_job WHERE kind = 'deliver_webhook'`); !slices.Equal(got, []string{"running "}) {
			t.Errorf("jobs %q; want the job left running in ins_live", got)
		}
	})
}
