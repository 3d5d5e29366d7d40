package app_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/store/storetest"
)

// TestInstanceLease: a running Kanri renews its instance's lease every few
// seconds, so that its claims hold however long its requests and jobs run,
// and a clean stop ends the lease at once.
func TestInstanceLease(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		s := apptest.Start(t, env.URL, nil)
		leases := func() (n int, until time.Time) {
			db := apptest.RawDB(t, env.URL)
			defer db.Close()
			var raw any
			if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*), MAX(lease_until) FROM instances`).Scan(&n, &raw); err != nil {
				t.Fatal(err)
			}
			if n > 0 {
				until = parseTime(t, raw)
			}
			return n, until
		}
		n, first := leases()
		if n != 1 || time.Until(first) < 10*time.Second {
			t.Fatalf("%d instances, lease until %v; want 1, lasting 20 s", n, first)
		}
		eventually(t, 15*time.Second, func() string {
			if _, until := leases(); !until.After(first) {
				return fmt.Sprintf("the lease still ends at %v", until)
			}
			return ""
		})
		other, err := app.Open(context.Background(), s.App.Config, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := leases(); n != 2 {
			t.Errorf("with a second process: %d instances, want 2", n)
		}
		if err := other.Close(); err != nil {
			t.Fatal(err)
		}
		if n, _ := leases(); n != 1 {
			t.Errorf("after a clean stop: %d instances, want 1", n)
		}
	})
}

// parseTime reads a time as either engine returns it: timestamptz, or the
// store's fixed-width UTC text.
func parseTime(t *testing.T, raw any) time.Time {
	t.Helper()
	switch v := raw.(type) {
	case time.Time:
		return v
	case string:
		if p, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return p
		}
	}
	t.Fatalf("lease_until %v (%T) is not a time", raw, raw)
	return time.Time{}
}

// TestLeaseOnSystemClock: a Kanri whose test clock an operator moved 40
// days ahead still renews its lease on the system clock, so other
// processes neither see it alive for 40 days after it dies nor (moving
// their own clocks) see it dead while it lives.
func TestLeaseOnSystemClock(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		s := apptest.Start(t, env.URL, func(c *app.Config) { c.TestClock = true })
		setClock(t, s, operatorToken(t, s), time.Now().Add(40*24*time.Hour))
		moved := time.Now()
		const leaseTTL = 20 * time.Second // renewed after the move, it ends later than this after it
		eventually(t, 15*time.Second, func() string {
			db := apptest.RawDB(t, env.URL)
			defer db.Close()
			var raw any
			if err := db.QueryRowContext(context.Background(), `SELECT MAX(lease_until) FROM instances`).Scan(&raw); err != nil {
				t.Fatal(err)
			}
			if until := parseTime(t, raw); !until.After(moved.Add(leaseTTL)) || until.After(time.Now().Add(time.Minute)) {
				return fmt.Sprintf("the lease ends at %v, want renewed on the system clock (now %v)", until, time.Now())
			}
			return ""
		})
	})
}
