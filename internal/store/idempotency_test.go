package store_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/idempotency"
	"github.com/kanri/kanri/internal/store/storetest"
)

func TestIdempotencyKeys(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		now := env.Clock.Now()
		must(t, "lease", env.DB.RenewInstance(ctx, "ins_a", now, now.Add(time.Minute)))
		claim := func(scope, key, hash string) (*idempotency.Response, bool) {
			t.Helper()
			r, first, err := env.DB.ClaimIdempotencyKey(ctx, scope, key, hash, "ins_a", now)
			must(t, "claim", err)
			return r, first
		}
		type result struct {
			Response *idempotency.Response
			First    bool
		}
		check := func(step string, r *idempotency.Response, first bool, want result) {
			t.Helper()
			if diff := cmp.Diff(want, result{r, first}); diff != "" {
				t.Errorf("%s (-want +got):\n%s", step, diff)
			}
		}

		r, first := claim("mem_a", "k1", "h1")
		check("first claim", r, first, result{First: true})
		r, first = claim("mem_a", "k1", "h1")
		check("claim while running", r, first, result{Response: &idempotency.Response{RequestHash: "h1"}})
		r, first = claim("mem_b", "k1", "h2")
		check("same key, another scope", r, first, result{First: true})

		done := idempotency.Response{Status: 201, ContentType: "application/json", Body: `{"id":"mem_1"}`}
		must(t, "complete", env.DB.CompleteIdempotencyKey(ctx, "mem_a", "k1", "ins_a", done))
		r, first = claim("mem_a", "k1", "other-hash")
		done.RequestHash = "h1"
		check("claim after completion replays", r, first, result{Response: &done})

		must(t, "release", env.DB.ReleaseIdempotencyKey(ctx, "mem_b", "k1", "ins_a"))
		r, first = claim("mem_b", "k1", "h3")
		check("claim after release", r, first, result{First: true})
		r, first = claim("mem_a", "k1", "h1")
		check("release of another scope kept this one", r, first, result{Response: &done})
	})
}
