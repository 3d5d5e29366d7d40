package billing_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/money"
	"github.com/kanri/kanri/internal/store/storetest"
	"github.com/kanri/kanri/internal/testcard"
)

// The numbers of the all_employees tests. The standard plan is ¥450 per
// license per month: ¥5,400 a license for the annual term. Ten licenses
// bought on 15 March 2026 run to 15 March 2027 (365 days); on 14 September
// 2026 (JST) 182 of them are left.
const (
	// One license for 182 of 365 days: 5,400 × 1 × 182/365 = 2,692.6 →
	// ¥2,693 (half away from zero); tax 269.3 → ¥269 (down); ¥2,962.
	oneLicense = 2962
	// Three: 5,400 × 3 × 182/365 = 8,077.8 → ¥8,078; tax ¥807; ¥8,885.
	threeLicenses = 8885
)

// following is a tenant on the standard plan in all_employees mode.
type following struct {
	env     *storetest.Env
	svc     *billing.Service
	members *member.Service
	ten     *storetest.Tenant
	card    *countingCard
}

// allEmployees returns the default catalog with the standard plan in
// all_employees mode, reducing and invoicing added licenses as given.
func allEmployees(reduction, invoicing string) *billing.Catalog {
	cat := billing.DefaultCatalog()
	p := cat.Plan("standard")
	p.Mode, p.Reduction, p.ProrationInvoicing = billing.PricingAllEmployees, reduction, invoicing
	return cat
}

// newFollowing signs up a tenant with 10 billable members (the super admin
// and nine active), and buys standard on contract with 10 licenses on
// 15 March 2026, paid by card.
func newFollowing(t *testing.T, env *storetest.Env, cat *billing.Catalog, contract string) *following {
	t.Helper()
	f := &following{env: env, svc: env.BillingService(), members: env.MemberService(), card: &countingCard{Provider: testcard.New(env.Clock)}}
	f.svc.Catalog, f.svc.Provider = cat, f.card
	f.members.Seats, f.members.Follow = f.svc.SeatLimit, f.svc.FollowMembers
	f.ten = storetest.SignUp(t, env, "acme")
	for i := range 9 {
		storetest.NewMember(t, env, f.ten.Tenant, fmt.Sprintf("m%d", i), storetest.MemberOpts{})
	}
	addCard(t, f.svc, f.ten, testcard.Visa)
	q, err := f.svc.Quote(f.ten.Ctx, f.ten.ID, billing.QuoteInput{Terms: billing.Terms{Plan: "standard", Contract: contract, Licenses: 10}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Apply(f.ten.Ctx, f.ten.ID, q.ID); err != nil {
		t.Fatal(err)
	}
	return f
}

// add invites a member and returns it with what it did to the licenses.
func (f *following) add(t *testing.T, local string) (*member.Member, member.Seated) {
	t.Helper()
	m, added, err := f.members.Add(f.ten.Ctx, f.ten.ID, member.AddInput{LoginID: local, Profile: member.Profile{DisplayName: ptr(local)}})
	if err != nil {
		t.Fatalf("add %s: %v", local, err)
	}
	return m, added.Seats
}

func (f *following) setStatus(t *testing.T, m *member.Member, action string) {
	t.Helper()
	if _, err := f.members.SetStatus(f.ten.Ctx, f.ten.ID, m.ID, action); err != nil {
		t.Fatalf("%s %s: %v", action, m.LoginID, err)
	}
}

// check fails unless the tenant has licenses licenses and, when next is
// not 0, a reduction to next waiting for the renewal; the billable members
// are as many as the licenses, or as next.
func (f *following) check(t *testing.T, licenses, next int) {
	t.Helper()
	sub, err := f.svc.Subscription(f.ten.Ctx, f.ten.ID)
	if err != nil {
		t.Fatal(err)
	}
	billable, err := f.env.DB.CountBillable(context.Background(), f.ten.ID)
	if err != nil {
		t.Fatal(err)
	}
	gotNext, want := 0, licenses
	if sub.Next != nil {
		gotNext = sub.Next.Licenses
	}
	if next != 0 {
		want = next
	}
	if sub.Licenses != licenses || gotNext != next || billable != want {
		t.Fatalf("licenses %d, from the renewal %d, billable members %d; want %d, %d and %d", sub.Licenses, gotNext, billable, licenses, next, want)
	}
}

// latest returns the tenant's invoices and credit notes, the last issued
// first: by number, as many are issued at the same instant.
func (f *following) latest(t *testing.T) []*billing.Invoice {
	t.Helper()
	invs := invoices(t, f.svc, f.ten)
	slices.SortFunc(invs, func(a, b *billing.Invoice) int { return strings.Compare(b.Number, a.Number) })
	return invs
}

// settle charges what a member change billed, as its job does after the
// commit.
func (f *following) settle(t *testing.T, inv *billing.Invoice) *billing.Invoice {
	t.Helper()
	if err := f.svc.Settle(context.Background(), inv.ID); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Invoice(f.ten.Ctx, f.ten.ID, inv.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// settleJobs is how many charge-or-refund jobs wait in the outbox.
func settleJobs(t *testing.T, env *storetest.Env) int {
	t.Helper()
	var n int
	if err := env.DB.Writer().QueryRow(`SELECT COUNT(*) FROM outbox WHERE kind = '` + billing.SettleJobKind + `'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// countingCard is the test gateway, counting what it charged: a charge
// retried with the same key counts once, as the gateway takes it once.
type countingCard struct {
	*testcard.Provider
	mu      sync.Mutex
	charged map[string]int64
}

func (c *countingCard) Charge(ctx context.Context, token string, amount money.Money, key string) (string, error) {
	id, err := c.Provider.Charge(ctx, token, amount, key)
	if err == nil {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.charged == nil {
			c.charged = map[string]int64{}
		}
		c.charged[key] = amount.Amount
	}
	return id, err
}

// total is every charge's amount added up, and how many there were.
func (c *countingCard) total() (int64, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var sum int64
	for _, a := range c.charged {
		sum += a
	}
	return sum, len(c.charged)
}

// TestAllEmployeesFollowMembers: on a plan in all_employees mode, adding,
// inviting, importing and reactivating members add licenses, each billed at
// once as the same license change in flexible mode would be and charged to
// the card once; a deactivation (at_renewal) leaves the licenses paid for
// until the renewal, which then bills the members there are.
func TestAllEmployeesFollowMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		f := newFollowing(t, env, allEmployees(billing.ReduceAtRenewal, billing.InvoiceImmediately), billing.Annual)
		// The same contract in flexible mode, to compare the bills with.
		flex := env.BillingService()
		other := storetest.SignUp(t, env, "flex")
		for i := range 9 {
			storetest.NewMember(t, env, other.Tenant, fmt.Sprintf("m%d", i), storetest.MemberOpts{})
		}
		addCard(t, flex, other, testcard.Visa)
		if q, err := flex.Quote(other.Ctx, other.ID, standardAnnual(10)); err != nil {
			t.Fatal(err)
		} else if _, err := flex.Apply(other.Ctx, other.ID, q.ID); err != nil {
			t.Fatal(err)
		}
		env.Clock.Advance(183 * 24 * time.Hour) // 14 September 2026, 18:00 JST
		f.check(t, 10, 0)

		// An active member: one license for 182 days, on an invoice now.
		m, added, err := f.members.Add(f.ten.Ctx, f.ten.ID, member.AddInput{LoginID: "ann", Password: storetest.Password, Profile: member.Profile{DisplayName: ptr("Ann")}})
		if err != nil {
			t.Fatal(err)
		}
		want := member.Seated{Follows: true, From: 10, To: 11, Amount: money.New(oneLicense, "JPY"), Invoice: ptr("KNR-000003")}
		if diff := cmp.Diff(want, added.Seats); diff != "" {
			t.Fatalf("adding ann (-want +got):\n%s", diff)
		}
		f.check(t, 11, 0)
		inv := f.latest(t)[0]
		if inv.Number != "KNR-000003" || inv.Status != billing.InvoiceOpen || inv.Total != oneLicense || settleJobs(t, env) != 1 {
			t.Fatalf("invoice %s %s ¥%d, %d jobs to charge it; want KNR-000003 open for ¥%d and 1 job", inv.Number, inv.Status, inv.Total, settleJobs(t, env), oneLicense)
		}
		// Its lines are those of the same change in flexible mode.
		q, err := flex.Quote(other.Ctx, other.ID, standardAnnual(11))
		if err != nil {
			t.Fatal(err)
		}
		full, err := f.svc.Invoice(f.ten.Ctx, f.ten.ID, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(q.Lines, full.Lines); diff != "" || q.Total != full.Total {
			t.Errorf("lines of the member's license (-flexible quote +invoice), totals %d and %d:\n%s", q.Total, full.Total, diff)
		}
		if paid := f.settle(t, inv); paid.Status != billing.InvoicePaid || !strings.HasPrefix(paid.ChargeID, "ch_test_") {
			t.Fatalf("after the job: %s %q; want paid by card", paid.Status, paid.ChargeID)
		}

		// An invitation, then an import of three: one invoice each.
		f.add(t, "bob")
		if _, err := f.members.Import(f.ten.Ctx, f.ten.ID, strings.NewReader("login_id,display_name\nc1,C1\nc2,C2\nc3,C3\n"), member.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		f.check(t, 15, 0)
		invs := f.latest(t)
		if len(invs) != 4 || invs[1].Total != oneLicense || invs[0].Total != threeLicenses {
			t.Fatalf("%d invoices, the last two ¥%d and ¥%d; want 4, ¥%d for bob and ¥%d for the import", len(invs), invs[1].Total, invs[0].Total, oneLicense, threeLicenses)
		}

		// A deactivation keeps the license paid for until the renewal; a
		// member added meanwhile takes it for nothing; reactivating then
		// needs one more.
		f.setStatus(t, m, member.ActionDeactivate)
		f.check(t, 15, 14)
		_, added2 := f.add(t, "dan")
		if added2.To != 15 || added2.From != 15 || added2.Amount.Amount != 0 || added2.Invoice != nil {
			t.Errorf("adding dan while a license waits for the renewal = %+v; want the free license, nothing billed", added2)
		}
		f.check(t, 15, 0)
		f.setStatus(t, m, member.ActionReactivate)
		f.check(t, 16, 0)
		invs = f.latest(t)
		if len(invs) != 5 || invs[0].Total != oneLicense {
			t.Fatalf("%d invoices, the last ¥%d; want 5, ¥%d for reactivating ann", len(invs), invs[0].Total, oneLicense)
		}

		// Everything is charged once, whether the jobs or the run come first.
		if rep, err := f.svc.Run(context.Background()); err != nil || rep.Charged != 3 {
			t.Fatalf("run = %+v, %v; want the 3 invoices not settled yet charged", rep, err)
		}
		for _, inv := range f.latest(t)[:4] {
			f.settle(t, inv)
		}
		// ¥59,400 for the term, then 1 + 1 + 3 + 1 licenses for 182 days.
		if sum, n := f.card.total(); n != 5 || sum != 59400+3*oneLicense+threeLicenses {
			t.Errorf("charged ¥%d in %d charges; want ¥%d in 5", sum, n, 59400+3*oneLicense+threeLicenses)
		}

		// Two deactivations wait for the renewal, which bills the 14
		// members left for the new term: 14 × ¥5,400 = ¥75,600 + ¥7,560.
		f.setStatus(t, m, member.ActionDeactivate)
		bob := f.find(t, "bob")
		if _, err := f.members.SetStatus(f.ten.Ctx, f.ten.ID, bob.ID, member.ActionDelete); err != nil {
			t.Fatal(err)
		}
		f.check(t, 16, 14)
		if n := len(f.latest(t)); n != 5 {
			t.Errorf("%d invoices after the deactivations; want still 5", n)
		}
		env.Clock.Advance(182 * 24 * time.Hour) // 15 March 2027
		if _, err := f.svc.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		f.check(t, 14, 0)
		if renewal := f.latest(t)[0]; renewal.Total != 83160 || renewal.Reason != "renewal" {
			t.Errorf("renewal invoice %s ¥%d; want renewal ¥83,160", renewal.Reason, renewal.Total)
		}
	})
}

// find returns the member with the local part local.
func (f *following) find(t *testing.T, local string) *member.Member {
	t.Helper()
	ms, _, err := f.members.List(f.ten.Ctx, member.Filter{TenantID: f.ten.ID, LoginID: local + "@", Limit: 2})
	if err != nil || len(ms) != 1 {
		t.Fatalf("find %s: %v, %v", local, ms, err)
	}
	return ms[0]
}

// TestAllEmployeesImmediateCredit: on a plan that credits removed licenses
// at once, deactivating a member or deleting an invitation issues a credit
// note for the rest of the term, refunded to the card that paid.
func TestAllEmployeesImmediateCredit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		f := newFollowing(t, env, allEmployees(billing.ReduceImmediateCredit, billing.InvoiceImmediately), billing.Annual)
		env.Clock.Advance(183 * 24 * time.Hour)
		f.setStatus(t, f.find(t, "m3"), member.ActionDeactivate)
		f.check(t, 9, 0)
		cn := f.latest(t)[0]
		// -5,400 × 182/365 = -2,692.6 → -¥2,693; tax -¥269 (toward zero).
		if cn.Kind != billing.KindCreditNote || cn.Total != -oneLicense || cn.Status != billing.InvoiceIssued {
			t.Fatalf("credit note = %s %s ¥%d; want an issued credit note for -¥%d", cn.Kind, cn.Status, cn.Total, oneLicense)
		}
		if got := f.settle(t, cn); got.Status != billing.InvoiceRefunded || got.OriginalID != f.latest(t)[1].ID || f.latest(t)[1].Number != "KNR-000001" {
			t.Fatalf("after the job: %s, crediting %s; want refunded from the first invoice", got.Status, got.OriginalID)
		}
		f.settle(t, cn) // a job run twice refunds once: the credit note is refunded already

		// An invitation deleted: one license added, then credited.
		invited, _ := f.add(t, "eve")
		f.check(t, 10, 0)
		if _, err := f.members.SetStatus(f.ten.Ctx, f.ten.ID, invited.ID, member.ActionDelete); err != nil {
			t.Fatal(err)
		}
		f.check(t, 9, 0)
		invs := f.latest(t)
		if len(invs) != 4 || invs[1].Total != oneLicense || invs[0].Total != -oneLicense {
			t.Fatalf("%d documents, the last ¥%d and ¥%d; want 4: ¥%d for eve, -¥%d when deleted", len(invs), invs[1].Total, invs[0].Total, oneLicense, oneLicense)
		}
	})
}

// TestAllEmployeesNextInvoice: on a plan that bills added licenses with
// the next regular invoice, a member added on annual_monthly goes on the
// next instalment: nothing is charged now.
func TestAllEmployeesNextInvoice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		f := newFollowing(t, env, allEmployees(billing.ReduceAtRenewal, billing.InvoiceNext), billing.AnnualMonthly)
		env.Clock.Advance(170 * 24 * time.Hour) // 1 September 2026: the instalment of 15 August–14 September
		if _, err := f.svc.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		before := len(f.latest(t))
		_, added := f.add(t, "ann")
		// 450 × 1 × 14/31 = 203.2 → ¥203; tax ¥20: ¥223, on the next instalment.
		if want := (member.Seated{Follows: true, From: 10, To: 11, Amount: money.New(223, "JPY")}); added != want {
			t.Fatalf("adding ann = %+v; want %+v", added, want)
		}
		f.check(t, 11, 0)
		if n := len(f.latest(t)); n != before || settleJobs(t, env) != 0 {
			t.Fatalf("%d invoices, %d jobs; want still %d and none", n, settleJobs(t, env), before)
		}
		env.Clock.Advance(14 * 24 * time.Hour) // 15 September
		if _, err := f.svc.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		// 11 × ¥450 = ¥4,950 and the kept ¥203: ¥5,153 + ¥515 tax.
		if inst := f.latest(t)[0]; inst.Subtotal != 5153 || inst.Tax != 515 {
			t.Errorf("September instalment ¥%d + ¥%d; want ¥5,153 + ¥515", inst.Subtotal, inst.Tax)
		}
	})
}

// TestAllEmployeesAfterTheTerm: a member added after the term ended,
// before the billing run renewed it, starts the new term with a license:
// the renewal is billed first, on the members there are, and nothing is
// prorated on the term that is over.
func TestAllEmployeesAfterTheTerm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		f := newFollowing(t, env, allEmployees(billing.ReduceAtRenewal, billing.InvoiceImmediately), billing.Annual)
		env.Clock.Advance(367 * 24 * time.Hour) // 17 March 2027: the term ended on the 14th
		_, added := f.add(t, "ann")
		if added.From != 11 || added.To != 11 || added.Invoice != nil {
			t.Errorf("adding ann = %+v; want the 11 licenses of the renewal, nothing billed beside it", added)
		}
		f.check(t, 11, 0)
		// 11 × ¥5,400 = ¥59,400 + ¥5,940 for the term from 15 March 2027.
		invs := f.latest(t)
		if len(invs) != 2 || invs[0].Reason != "renewal" || invs[0].Total != 65340 || invs[0].Period != "2027-03-15/2028-03-15" {
			t.Fatalf("%d invoices, the last %s %s ¥%d; want the renewal of 2027-03-15/2028-03-15 for ¥65,340", len(invs), invs[0].Reason, invs[0].Period, invs[0].Total)
		}
	})
}

// TestAllEmployeesRolledBack: a member change rolled back after its
// licenses followed bills nothing and changes nothing.
func TestAllEmployeesRolledBack(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		f := newFollowing(t, env, allEmployees(billing.ReduceImmediateCredit, billing.InvoiceImmediately), billing.Annual)
		env.Clock.Advance(183 * 24 * time.Hour)
		before := len(f.latest(t))
		failed := errors.New("the change fails after the licenses followed")
		for name, change := range map[string]func(ctx context.Context) error{
			"add": func(ctx context.Context) error {
				_, _, err := f.members.Add(ctx, f.ten.ID, member.AddInput{LoginID: "ann", Profile: member.Profile{DisplayName: ptr("Ann")}})
				return err
			},
			"import": func(ctx context.Context) error {
				_, err := f.members.Import(ctx, f.ten.ID, strings.NewReader("login_id,display_name\nc1,C1\n"), member.ImportOptions{})
				return err
			},
			"deactivate": func(ctx context.Context) error {
				_, err := f.members.SetStatus(ctx, f.ten.ID, f.find(t, "m1").ID, member.ActionDeactivate)
				return err
			},
		} {
			err := env.DB.InTx(f.ten.Ctx, func(ctx context.Context) error {
				if err := change(ctx); err != nil {
					return err
				}
				return failed
			})
			if !errors.Is(err, failed) {
				t.Fatalf("%s: %v; want the change to go through and the transaction to fail after it", name, err)
			}
		}
		f.check(t, 10, 0)
		if n := len(f.latest(t)); n != before || settleJobs(t, env) != 0 {
			t.Errorf("%d invoices, %d jobs after rolled-back changes; want %d and none", n, settleJobs(t, env), before)
		}
		if _, n := f.card.total(); n != 1 {
			t.Errorf("%d charges; want only the term's", n)
		}
	})
}

// TestAllEmployeesConcurrentAdds: 64 members added at once each add a
// license billed once, and the licenses end equal to the members.
func TestAllEmployeesConcurrentAdds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		f := newFollowing(t, env, allEmployees(billing.ReduceAtRenewal, billing.InvoiceImmediately), billing.Annual)
		env.Clock.Advance(183 * 24 * time.Hour)
		const n = 64
		errc := addAtOnce(f.members, f.ten, n)
		if err := errors.Join(errc...); err != nil {
			t.Fatal(err)
		}
		f.check(t, 10+n, 0)
		invs := f.latest(t)
		quantity := map[int64]int{}
		for _, inv := range invs[:n] {
			full, err := f.svc.Invoice(f.ten.Ctx, f.ten.ID, inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range full.Lines {
				quantity[l.Quantity]++
			}
			if full.Total != oneLicense {
				t.Errorf("invoice %s ¥%d; want ¥%d", full.Number, full.Total, oneLicense)
			}
		}
		if len(invs) != n+1 || quantity[1] != n || len(quantity) != 1 {
			t.Fatalf("%d invoices with lines of quantities %v; want %d of one license each, and the term's", len(invs), quantity, n)
		}
		if jobs := settleJobs(t, env); jobs != n {
			t.Errorf("%d jobs to charge; want %d", jobs, n)
		}
		for _, inv := range invs[:n] {
			f.settle(t, inv)
		}
		if rep, err := f.svc.Run(context.Background()); err != nil || rep.Charged != 0 {
			t.Errorf("run after the jobs = %+v, %v; want nothing left to charge", rep, err)
		}
		if sum, charges := f.card.total(); charges != n+1 || sum != 59400+n*oneLicense {
			t.Errorf("charged ¥%d in %d charges; want ¥%d in %d", sum, charges, 59400+n*oneLicense, n+1)
		}
	})
}

// TestConcurrentAddsAtTheCap: in flexible mode, 64 members added at once
// to a contract with 10 licenses free get exactly 10 of them; the others
// are refused naming the fix, and the licenses are never exceeded.
func TestConcurrentAddsAtTheCap(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		svc := env.BillingService()
		members := env.MemberService()
		members.Seats, members.Follow = svc.SeatLimit, svc.FollowMembers
		ten := storetest.SignUp(t, env, "acme")
		for i := range 9 {
			if _, _, err := members.Add(ten.Ctx, ten.ID, member.AddInput{LoginID: fmt.Sprintf("m%d", i), Profile: member.Profile{DisplayName: ptr("M")}}); err != nil {
				t.Fatal(err)
			}
		}
		addCard(t, svc, ten, testcard.Visa)
		q, err := svc.Quote(ten.Ctx, ten.ID, standardAnnual(20))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Apply(ten.Ctx, ten.ID, q.ID); err != nil {
			t.Fatal(err)
		}
		const n = 64
		errc := addAtOnce(members, ten, n)
		added := 0
		for i, err := range errc {
			e, _ := errs.As(err)
			switch {
			case err == nil:
				added++
			case e == nil || e.Code != "member.over_license_limit" || e.Params["fix"] != member.FixAddLicenses:
				t.Errorf("add %d: %v; want added, or refused over the limit naming add licenses", i, err)
			}
		}
		billable, err := env.DB.CountBillable(context.Background(), ten.ID)
		if err != nil {
			t.Fatal(err)
		}
		if added != 10 || billable != 20 {
			t.Errorf("%d added, %d billable members; want 10 added and the 20 licenses full", added, billable)
		}
		if sub, err := svc.Subscription(ten.Ctx, ten.ID); err != nil || sub.Licenses != 20 || len(invoices(t, svc, ten)) != 1 {
			t.Errorf("subscription = %+v, %v; want 20 licenses and nothing billed beyond the term", sub, err)
		}
	})
}

// addAtOnce adds n members race00, race01, … to ten at once, and returns
// each add's error.
func addAtOnce(members *member.Service, ten *storetest.Tenant, n int) []error {
	errc := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			local := fmt.Sprintf("race%02d", i)
			_, _, errc[i] = members.Add(ten.Ctx, ten.ID, member.AddInput{LoginID: local, Profile: member.Profile{DisplayName: ptr(local)}})
		})
	}
	close(start)
	wg.Wait()
	return errc
}
