package billing_test

import (
	"sync"
	"testing"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/store/storetest"
	"github.com/kanri/kanri/internal/testcard"
)

// licenseTry is one admin's attempt at a license change: read the count,
// quote it ±1, and confirm the quote if it shows that change (the screen
// shows 35 → 36: had another change moved the count meanwhile, it would
// show another, which this admin did not ask for).
type licenseTry struct {
	delta    int
	quoteID  string
	err      error
	repriced bool // the quote showed another change: not confirmed
}

func tryLicenses(svc *billing.Service, ten *storetest.Tenant, delta int) licenseTry {
	sub, err := svc.Subscription(ten.Ctx, ten.ID)
	if err != nil {
		return licenseTry{delta: delta, err: err}
	}
	q, err := svc.Quote(ten.Ctx, ten.ID, billing.QuoteInput{Terms: billing.Terms{Plan: sub.Plan, Contract: sub.Contract, Licenses: sub.Licenses + delta}})
	if err != nil {
		return licenseTry{delta: delta, err: err}
	}
	if q.From.Licenses != sub.Licenses {
		return licenseTry{delta: delta, quoteID: q.ID, repriced: true}
	}
	_, err = svc.Apply(ten.Ctx, ten.ID, q.ID)
	return licenseTry{delta: delta, quoteID: q.ID, err: err}
}

// refusedByRace reports whether err is how a change priced on a state that
// another change moved is refused: stale, being paid for, or (the count
// moved to the very number asked) nothing to change.
func refusedByRace(err error) bool {
	e, ok := errs.As(err)
	return ok && (e.Kind == errs.Conflict || e.Code == "billing.already_current")
}

// TestLicenseChangeRace: 64 admins change one annual subscription's
// licenses by +1 or −1 at once, mid-term, credits given at once: the final
// count is the start plus the accepted changes, and each accepted change is
// billed exactly once (one invoice or credit note of one line of ±1 license,
// ±¥5,400 × 182/365 = ±¥2,693) and told once by the webhook; every refused
// one is refused as stale and bills nothing. Quotes are for a count, so
// one priced after another change moved it shows a change its admin did
// not ask for: such a quote is not confirmed.
func TestLicenseChangeRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		svc := withCatalog(env, catalogEdited(t, `"reduction": "at_renewal"`, `"reduction": "immediate_credit"`))
		hook := watchLicenses(t, env)
		ten := storetest.SignUp(t, env, "acme")
		addCard(t, svc, ten, testcard.Visa)
		const start, n = 40, 64
		first, _ := change(t, svc, ten, billing.Annual, start)
		advanceTo(t, env, "2026-09-14")

		tries := make([]licenseTry, n)
		ready := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-ready
				tries[i] = tryLicenses(svc, ten, 1-2*(i%2))
			})
		}
		close(ready)
		wg.Wait()

		accepted, want := map[string]int{}, start
		for _, tr := range tries {
			switch {
			case tr.repriced:
			case tr.err == nil:
				accepted[tr.quoteID] = tr.delta
				want += tr.delta
			case !refusedByRace(tr.err):
				t.Errorf("a change of %+d failed otherwise than stale: %v", tr.delta, tr.err)
			}
		}
		if len(accepted) == 0 {
			t.Fatal("no change was accepted")
		}
		sub, err := svc.Subscription(ten.Ctx, ten.ID)
		if err != nil || sub.Licenses != want {
			t.Fatalf("final count %d (%v); want %d = %d + the %d accepted changes", sub.Licenses, err, want, start, len(accepted))
		}
		billed := map[string]int{}
		for _, inv := range invoices(t, svc, ten) {
			if inv.Reason == "quote "+first.ID {
				continue
			}
			full, err := svc.Invoice(ten.Ctx, ten.ID, inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			id := inv.Reason[len("quote "):]
			delta, ok := accepted[id]
			if !ok || len(full.Lines) != 1 || full.Lines[0].Quantity != int64(delta) || full.Lines[0].Amount != int64(delta)*2693 {
				t.Errorf("%s %s for %q: lines %+v; want one line of %+d license for an accepted change", inv.Kind, inv.Number, inv.Reason, full.Lines, delta)
			}
			billed[id]++
		}
		for id := range accepted {
			if billed[id] != 1 {
				t.Errorf("accepted change %s billed %d times; want once", id, billed[id])
			}
		}
		if len(billed) != len(accepted) {
			t.Errorf("%d changes billed; want the %d accepted", len(billed), len(accepted))
		}
		if got := licensesEvents(t, env, hook, ten.ID); len(got) != len(accepted)+1 {
			t.Errorf("%d licenses.changed webhooks; want %d: the first contract and each accepted change", len(got), len(accepted)+1)
		}
		t.Logf("%d of %d changes accepted; %d → %d licenses", len(accepted), n, start, want)
	})
}
