package billing_test

import (
	"sync"
	"testing"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/notify"
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
		const start, n = 40, 64
		svc, hook, ten, first := raceStart(t, env, start)

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
		billedOnce(t, env, svc, hook, ten, first.ID, accepted, start, want)
		t.Logf("%d of %d changes accepted; %d → %d licenses", len(accepted), n, start, want)
	})
}

// raceStart is where the races begin: an annual contract of start
// licenses (quote first) that credits reductions at once, mid-term, with a
// webhook watching licenses.changed.
func raceStart(t *testing.T, env *storetest.Env, start int) (*billing.Service, *notify.Endpoint, *storetest.Tenant, *billing.Quote) {
	t.Helper()
	svc := withCatalog(env, catalogEdited(t, `"reduction": "at_renewal"`, `"reduction": "immediate_credit"`))
	hook := watchLicenses(t, env)
	ten := storetest.SignUp(t, env, "acme")
	addCard(t, svc, ten, testcard.Visa)
	first, _ := change(t, svc, ten, billing.Annual, start)
	advanceTo(t, env, "2026-09-14")
	return svc, hook, ten, first
}

// billedOnce checks a race's outcome: the final count is want, start plus
// the accepted changes (quote id → ±1), and each accepted change was
// billed exactly once, by one line of ±1 license at ±¥5,400 × 182/365 =
// ±¥2,693, and told once by the webhook (besides the first contract,
// quote firstID).
func billedOnce(t *testing.T, env *storetest.Env, svc *billing.Service, hook *notify.Endpoint, ten *storetest.Tenant, firstID string, accepted map[string]int, start, want int) {
	t.Helper()
	sub, err := svc.Subscription(ten.Ctx, ten.ID)
	if err != nil || sub.Licenses != want {
		t.Fatalf("final count %d (%v); want %d = %d + the %d accepted changes", sub.Licenses, err, want, start, len(accepted))
	}
	billed := map[string]int{}
	for _, inv := range invoices(t, svc, ten) {
		if inv.Reason == "quote "+firstID {
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
}

// TestRelativeLicenseChangeRace: 64 admins each ask for one license more
// or fewer (add_licenses ±1) at once on one annual subscription. A
// relative change does not go stale when another lands first, and this
// process queues the applies of one tenant: every change is accepted,
// billed exactly once, and the final count is exact.
func TestRelativeLicenseChangeRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		const start, n = 40, 64
		svc, hook, ten, first := raceStart(t, env, start)

		ids, failed := make([]string, n), make([]error, n)
		ready := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-ready
				q, err := svc.Quote(ten.Ctx, ten.ID, billing.QuoteInput{Add: 1 - 2*(i%2)})
				if err == nil {
					ids[i] = q.ID
					_, err = svc.Apply(ten.Ctx, ten.ID, q.ID)
				}
				failed[i] = err
			})
		}
		close(ready)
		wg.Wait()
		accepted := map[string]int{}
		for i, err := range failed {
			if err != nil {
				t.Errorf("change %+d: %v; want every relative change accepted", 1-2*(i%2), err)
				continue
			}
			accepted[ids[i]] = 1 - 2*(i%2)
		}
		billedOnce(t, env, svc, hook, ten, first.ID, accepted, start, start)
	})
}

// TestRelativeQuote: a quote for add_licenses is applied to the count of
// the moment, even after another change landed first, and bills its own
// licenses only; it goes stale when the price of those licenses moved
// (another plan); it goes alone, and below one license is refused.
func TestRelativeQuote(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		svc := env.BillingService()
		ten := storetest.SignUp(t, env, "acme")
		addCard(t, svc, ten, testcard.Visa)
		change(t, svc, ten, billing.Annual, 40)
		advanceTo(t, env, "2026-09-14")

		one, err := svc.Quote(ten.Ctx, ten.ID, billing.QuoteInput{Add: 1})
		if err != nil {
			t.Fatal(err)
		}
		two, err := svc.Quote(ten.Ctx, ten.ID, billing.QuoteInput{Add: 2})
		if err != nil {
			t.Fatal(err)
		}
		if one.From.Licenses != 40 || one.To.Licenses != 41 || one.Add != 1 {
			t.Errorf("quote of add 1: %d → %d (add %d); want 40 → 41", one.From.Licenses, one.To.Licenses, one.Add)
		}
		if _, err := svc.Apply(ten.Ctx, ten.ID, two.ID); err != nil {
			t.Fatal(err)
		}
		res, err := svc.Apply(ten.Ctx, ten.ID, one.ID) // priced at 40, applied at 42
		if err != nil {
			t.Fatalf("apply add 1 after add 2 landed: %v", err)
		}
		// One license, 2026-09-14 to 2027-03-15 of the term begun
		// 2026-03-15 (the clock's first day): ¥5,400 × 182/365 = ¥2,692.6 → ¥2,693.
		if res.Subscription.Licenses != 43 || res.Invoice == nil || res.Invoice.Subtotal != 2693 || len(res.Invoice.Lines) != 1 || res.Invoice.Lines[0].Quantity != 1 {
			t.Errorf("after add 2 then add 1: %d licenses, invoice %+v; want 43 and one line of 1 license, ¥2,693", res.Subscription.Licenses, res.Invoice)
		}

		stale, err := svc.Quote(ten.Ctx, ten.ID, billing.QuoteInput{Add: 1})
		if err != nil {
			t.Fatal(err)
		}
		q, err := svc.Quote(ten.Ctx, ten.ID, billing.QuoteInput{Terms: billing.Terms{Plan: "advanced", Contract: billing.Annual, Licenses: 43}, MailDomain: "acme.works.example"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Apply(ten.Ctx, ten.ID, q.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Apply(ten.Ctx, ten.ID, stale.ID); !errs.Is(err, errs.Conflict) {
			t.Errorf("apply add 1 priced on another plan: %v; want the quote stale (409)", err)
		}

		_, err = svc.Quote(ten.Ctx, ten.ID, billing.QuoteInput{Terms: billing.Terms{Plan: "advanced"}, Add: 1})
		if e, ok := errs.As(err); !ok || e.Field != "add_licenses" || e.Code != "billing.add_licenses_alone" {
			t.Errorf("add_licenses with a plan: %v; want billing.add_licenses_alone on add_licenses", err)
		}
		if _, err := svc.Quote(ten.Ctx, ten.ID, billing.QuoteInput{Add: -43}); !errs.Is(err, errs.Invalid) {
			t.Errorf("add_licenses -43 of 43: %v; want a refusal (at least one license)", err)
		}
		fewer, err := svc.Quote(ten.Ctx, ten.ID, billing.QuoteInput{Add: -1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Apply(ten.Ctx, ten.ID, fewer.ID); err != nil { // at the renewal: 42 scheduled
			t.Fatal(err)
		}
		_, err = svc.Quote(ten.Ctx, ten.ID, billing.QuoteInput{Add: 1})
		if e, ok := errs.As(err); !ok || e.Code != "billing.add_licenses_scheduled" || e.Params["licenses"] != 42 {
			t.Errorf("add_licenses 1 with 42 scheduled: %v; want billing.add_licenses_scheduled naming 42", err)
		}
		if sub, _ := svc.Subscription(ten.Ctx, ten.ID); sub.Licenses != 43 || sub.Plan != "advanced" {
			t.Errorf("after the refusals: %s with %d licenses; want advanced with 43", sub.Plan, sub.Licenses)
		}
	})
}
