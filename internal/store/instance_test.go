package store_test

import (
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/idempotency"
	"github.com/kanri/kanri/internal/store/storetest"
)

// TestIdempotencyClaimLeases: a running claim is held while its instance's
// lease lives and is taken over, by the same request only, once it lapses.
func TestIdempotencyClaimLeases(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		now := env.Clock.Now()
		must(t, "lease", env.DB.RenewInstance(ctx, "ins_live", now, now.Add(20*time.Second)))
		must(t, "lease", env.DB.RenewInstance(ctx, "ins_other", now, now.Add(time.Minute)))
		claim := func(key, hash, instance string, at time.Time) bool {
			t.Helper()
			_, first, err := env.DB.ClaimIdempotencyKey(ctx, "mem_a", key, hash, instance, at)
			must(t, "claim", err)
			return first
		}
		steps := []struct {
			name            string
			key, hash, inst string
			at              time.Time
			want            bool
		}{
			{"first claim", "k1", "h1", "ins_live", now, true},
			{"the same instance's own claim is held", "k1", "h1", "ins_live", now, false},
			{"another instance waits while the lease lives", "k1", "h1", "ins_other", now.Add(19 * time.Second), false},
			{"a claim of an instance without a lease row is taken over", "k2", "h1", "ins_gone", now, true},
			{"taken over", "k2", "h1", "ins_other", now, true},
			{"another request does not take over a dead claim", "k1", "h2", "ins_other", now.Add(21 * time.Second), false},
			{"the same request takes over once the lease lapsed", "k1", "h1", "ins_other", now.Add(21 * time.Second), true},
			{"and holds it: its instance's lease lives", "k1", "h1", "ins_new", now.Add(21 * time.Second), false},
		}
		for _, s := range steps {
			if got := claim(s.key, s.hash, s.inst, s.at); got != s.want {
				t.Errorf("%s: claimed %v, want %v", s.name, got, s.want)
			}
		}
		err := env.DB.CompleteIdempotencyKey(ctx, "mem_a", "k1", "ins_live", idempotency.Response{Status: 201})
		if !errs.Is(err, errs.Conflict) {
			t.Errorf("completing a claim taken over: got %v, want Conflict", err)
		}
		must(t, "complete", env.DB.CompleteIdempotencyKey(ctx, "mem_a", "k1", "ins_other", idempotency.Response{Status: 201, Body: "{}"}))
		r, first, err := env.DB.ClaimIdempotencyKey(ctx, "mem_a", "k1", "h1", "ins_new", now.Add(time.Hour))
		must(t, "claim", err)
		if diff := cmp.Diff(&idempotency.Response{RequestHash: "h1", Status: 201, Body: "{}"}, r); first || diff != "" {
			t.Errorf("claim of a completed key: first %v (-want +got):\n%s", first, diff)
		}
	})
}

// TestIdempotencyTakeoverOnce: of 64 concurrent retries of a request whose
// process died, exactly one takes the key over.
func TestIdempotencyTakeoverOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		now := env.Clock.Now()
		if _, _, err := env.DB.ClaimIdempotencyKey(ctx, "mem_a", "k", "h", "ins_dead", now); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		claimed := 0
		for i := range 64 {
			inst := []string{"ins_a", "ins_b"}[i%2]
			must(t, "lease", env.DB.RenewInstance(ctx, inst, now, now.Add(time.Minute)))
			wg.Go(func() {
				_, first, err := env.DB.ClaimIdempotencyKey(ctx, "mem_a", "k", "h", inst, now)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				defer mu.Unlock()
				if first {
					claimed++
				}
			})
		}
		wg.Wait()
		if claimed != 1 {
			t.Errorf("%d of 64 concurrent retries claimed the key, want 1", claimed)
		}
	})
}

// TestLapsedInstances: an instance is lapsed without a row, after its lease,
// and after it ended.
func TestLapsedInstances(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		now := env.Clock.Now()
		must(t, "lease", env.DB.RenewInstance(ctx, "ins_a", now, now.Add(20*time.Second)))
		must(t, "lease", env.DB.RenewInstance(ctx, "ins_b", now, now.Add(5*time.Second)))
		must(t, "lease", env.DB.RenewInstance(ctx, "ins_c", now, now.Add(20*time.Second)))
		must(t, "renew", env.DB.RenewInstance(ctx, "ins_b", now, now.Add(30*time.Second)))
		must(t, "end", env.DB.EndInstance(ctx, "ins_c"))
		got, err := env.DB.LapsedInstances(ctx, []string{"ins_a", "ins_b", "ins_c", "ins_never"}, now.Add(25*time.Second))
		must(t, "lapsed", err)
		if diff := cmp.Diff([]string{"ins_a", "ins_c", "ins_never"}, got); diff != "" {
			t.Errorf("lapsed (-want +got):\n%s", diff)
		}
	})
}
