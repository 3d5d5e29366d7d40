package billing_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/store/storetest"
	"github.com/kanri/kanri/internal/testcard"
)

// TestRunBillsPastOneBatch: one run with the default batch size bills all
// of 1,200 monthly subscriptions due; those that fail every time (a plan
// that left the catalog, first in id order and on both sides of a batch
// boundary; cards that always decline) are reported without holding up
// the rest. It logs the run's rate. Skipped by -short (~1 min per engine).
func TestRunBillsPastOneBatch(t *testing.T) {
	if os.Getenv("KANRI_TEST_LONG") == "" {
		t.Skip("signs up 1,200 tenants: a long test, run with KANRI_TEST_LONG=1")
	}
	const n = 1200
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		svc := env.BillingService()
		started := time.Now()
		tenants := make([]*storetest.Tenant, n)
		declining := map[int]bool{1: true, 700: true, n - 1: true}
		for i := range tenants {
			tenants[i] = storetest.SignUp(t, env, fmt.Sprintf("many%04d", i))
			card := testcard.Visa
			if declining[i] {
				card = testcard.ChargeFails
			}
			addCard(t, svc, tenants[i], card)
			q, err := svc.Quote(tenants[i].Ctx, tenants[i].ID, billing.QuoteInput{Terms: billing.Terms{Plan: "standard", Contract: billing.Monthly}})
			if err == nil {
				_, err = svc.Apply(tenants[i].Ctx, tenants[i].ID, q.ID)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%d monthly subscriptions made in %v", n, time.Since(started).Round(time.Millisecond))
		broken := []*storetest.Tenant{tenants[0], tenants[499], tenants[500]}
		for _, ten := range broken {
			if _, err := env.DB.Writer().Exec(`UPDATE subscriptions SET plan = 'retired' WHERE tenant_id = '` + ten.ID + `'`); err != nil {
				t.Fatal(err)
			}
		}
		env.Clock.Advance(40 * 24 * time.Hour)
		started = time.Now()
		rep, err := svc.Run(context.Background())
		took := time.Since(started)
		t.Logf("one run: %+v in %v (%.0f subscriptions/s)", rep, took.Round(time.Millisecond), float64(n)/took.Seconds())
		for _, ten := range broken {
			if err == nil || !strings.Contains(err.Error(), ten.ID) {
				t.Errorf("run error does not report the broken subscription %s", ten.ID)
			}
		}
		want := billing.RunReport{Renewed: n - len(broken), Charged: n - len(broken) - len(declining), Declined: len(declining)}
		if rep != want {
			t.Errorf("run = %+v; want %+v", rep, want)
		}
	})
}
