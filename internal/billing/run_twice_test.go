package billing_test

import (
	"context"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/money"
	"github.com/kanri/kanri/internal/store/storetest"
	"github.com/kanri/kanri/internal/testcard"
)

// overlapping is a gateway that, on its first charge, lets a whole second
// billing run go first, as a run that a crash left behind runs beside a new
// one (jobs runs a dead process's jobs again). It counts refunds.
type overlapping struct {
	*testcard.Provider
	other   func()
	refunds int
}

func (g *overlapping) Charge(ctx context.Context, token string, amount money.Money, key string) (string, error) {
	if other := g.other; other != nil {
		g.other = nil
		other()
	}
	return g.Provider.Charge(ctx, token, amount, key)
}

func (g *overlapping) Refund(ctx context.Context, chargeID string, amount money.Money, key string) (string, error) {
	g.refunds++
	return g.Provider.Refund(ctx, chargeID, amount, key)
}

// TestOverlappingRunsChargeOnce: two billing runs at once bill a month once
// and charge its card once; the later record of the same charge is not
// mistaken for an operator's receipt and refunded.
func TestOverlappingRunsChargeOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		svc := env.BillingService()
		gw := &overlapping{Provider: testcard.New(env.Clock)}
		svc.Provider = gw
		ten := storetest.SignUp(t, env, "acme")
		addCard(t, svc, ten, testcard.Visa)
		q, err := svc.Quote(ten.Ctx, ten.ID, billing.QuoteInput{Terms: billing.Terms{Plan: "standard", Contract: billing.Monthly}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Apply(ten.Ctx, ten.ID, q.ID); err != nil {
			t.Fatal(err)
		}
		env.Clock.Advance(17 * 24 * time.Hour) // 1 April: March is billed
		gw.other = func() {
			if rep, err := svc.Run(context.Background()); err != nil || rep.Charged != 1 {
				t.Errorf("the second run = %+v, %v; want 1 charged", rep, err)
			}
		}
		if _, err := svc.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		invs := invoices(t, svc, ten)
		paid := 0
		for _, inv := range invs {
			if inv.Status == billing.InvoicePaid && inv.ChargeID != "" {
				paid++
			}
		}
		if len(invs) != 1 || paid != 1 || gw.refunds != 0 {
			t.Errorf("%d invoices, %d paid by card, %d refunds; want March's, paid, no refund", len(invs), paid, gw.refunds)
		}
	})
}
