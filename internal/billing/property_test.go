package billing_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/store/storetest"
	"github.com/kanri/kanri/internal/testcard"
)

// TestBilledIsQuoted walks random contracts of random tenants through
// random days, changes and billing runs: whatever an apply bills is the
// quote's lines and total exactly, an apply that bills now always issues
// its invoice, and every refusal is a 4xx kind that changed nothing.
func TestBilledIsQuoted(t *testing.T) {
	t.Parallel()
	env := storetest.Open(t, t.TempDir()+"/kanri.db")
	svc := env.BillingService()
	var n atomic.Int64
	rapid.Check(t, func(rt *rapid.T) {
		ten := storetest.NewTenant(rt, env, fmt.Sprintf("prop-%d", n.Add(1)))
		owner := storetest.NewMember(rt, env, ten, "owner", storetest.MemberOpts{SuperAdmin: true})
		for i := range rapid.IntRange(0, 4).Draw(rt, "members") {
			storetest.NewMember(rt, env, ten, fmt.Sprintf("m%d", i), storetest.MemberOpts{})
		}
		ctx := storetest.Actor(rt, env, owner)
		if _, err := svc.AddCard(ctx, ten.ID, billingCard(testcard.Visa)); err != nil {
			rt.Fatalf("add card: %v", err)
		}
		for range rapid.IntRange(1, 6).Draw(rt, "steps") {
			env.Clock.Advance(time.Duration(rapid.IntRange(0, 40*24).Draw(rt, "hours")) * time.Hour)
			if rapid.Bool().Draw(rt, "run") {
				if _, err := svc.Run(context.Background()); err != nil {
					rt.Fatalf("run: %v", err)
				}
			}
			in := billing.QuoteInput{Terms: billing.Terms{Plan: rapid.SampledFrom([]string{"standard", "advanced"}).Draw(rt, "plan"),
				Contract: rapid.SampledFrom(billing.Contracts).Draw(rt, "contract")}, MailDomain: ten.PrimaryDomain}
			if in.Contract != billing.Monthly {
				in.Licenses = rapid.IntRange(1, 20).Draw(rt, "licenses")
			}
			checkApply(rt, svc, ctx, ten.ID, in)
		}
	})
}

// checkApply quotes and applies in and checks what was billed.
func checkApply(rt *rapid.T, svc *billing.Service, ctx context.Context, tenantID string, in billing.QuoteInput) {
	q, err := svc.Quote(ctx, tenantID, in)
	if err != nil {
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.FailedPrecondition && k != errs.Conflict {
			rt.Fatalf("quote %+v: %v (%v)", in, err, k)
		}
		return
	}
	res, err := svc.Apply(ctx, tenantID, q.ID)
	if err != nil {
		rt.Fatalf("apply %+v (%s, %d): %v", in, q.Kind, q.Total, err)
	}
	billedNow := q.Invoicing == billing.InvoiceNow && len(q.Lines) > 0
	switch {
	case billedNow && res.Invoice == nil:
		rt.Fatalf("a quote billed now (%d) issued no invoice", q.Total)
	case !billedNow && res.Invoice != nil:
		rt.Fatalf("a quote not billed now (%s) issued invoice %s", q.Invoicing, res.Invoice.Number)
	case res.Invoice != nil && (res.Invoice.Total != q.Total || res.Invoice.Tax != q.Tax || len(res.Invoice.Lines) != len(q.Lines)):
		rt.Fatalf("billed %d (tax %d, %d lines); quoted %d (tax %d, %d lines)", res.Invoice.Total, res.Invoice.Tax,
			len(res.Invoice.Lines), q.Total, q.Tax, len(q.Lines))
	case res.Subscription.Version != q.Version+1:
		rt.Fatalf("version %d after a quote on %d", res.Subscription.Version, q.Version)
	}
}
