package billing_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/store/storetest"
	"github.com/kanri/kanri/internal/testcard"
	"github.com/kanri/kanri/internal/webhook"
)

// catalogEdited is the default catalog with old replaced by new.
func catalogEdited(t *testing.T, old, new string) *billing.Catalog {
	t.Helper()
	raw, err := os.ReadFile("catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), old) {
		t.Fatalf("catalog.json has no %q", old)
	}
	cat, err := billing.ParseCatalog("edited.json", []byte(strings.Replace(string(raw), old, new, -1)))
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// withCatalog is env's billing service selling cat.
func withCatalog(env *storetest.Env, cat *billing.Catalog) *billing.Service {
	svc := env.BillingService()
	svc.Catalog = cat
	return svc
}

// advanceTo moves env's clock to 18:00 JST on day (YYYY-MM-DD).
func advanceTo(t *testing.T, env *storetest.Env, day string) {
	t.Helper()
	d, err := time.ParseInLocation(time.DateOnly, day, storetest.Zone)
	if err != nil {
		t.Fatal(err)
	}
	to := d.Add(18 * time.Hour)
	if to.Before(env.Clock.Now()) {
		t.Fatalf("the clock is past %s already", day)
	}
	env.Clock.Advance(to.Sub(env.Clock.Now()))
}

// change quotes licenses on the tenant's plan and contract and applies it.
func change(t *testing.T, svc *billing.Service, ten *storetest.Tenant, contract string, licenses int) (*billing.Quote, *billing.Result) {
	t.Helper()
	q, err := svc.Quote(ten.Ctx, ten.ID, billing.QuoteInput{Terms: billing.Terms{Plan: "standard", Contract: contract, Licenses: licenses}})
	if err != nil {
		t.Fatalf("quote %d licenses: %v", licenses, err)
	}
	res, err := svc.Apply(ten.Ctx, ten.ID, q.ID)
	if err != nil {
		t.Fatalf("apply %d licenses: %v", licenses, err)
	}
	return q, res
}

// licensesEvent is the data of a licenses.changed webhook.
type licensesEvent struct {
	TenantID  string `json:"tenant_id"`
	Before    int    `json:"before"`
	After     int    `json:"after"`
	Effective string `json:"effective"`
	QuoteID   string `json:"quote_id"`
}

// watchLicenses registers a webhook endpoint for licenses.changed.
func watchLicenses(t *testing.T, env *storetest.Env) *notify.Endpoint {
	t.Helper()
	e := &notify.Endpoint{ID: env.IDs.New("whe"), URL: "https://hooks.example.com/licenses", EventTypes: []string{"licenses.changed"},
		Secrets: []string{webhook.NewSecret()}, CreatedAt: env.Clock.Now()}
	if err := env.DB.CreateEndpoint(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return e
}

// licensesEvents returns the licenses.changed webhooks of tenantID sent to e.
func licensesEvents(t *testing.T, env *storetest.Env, e *notify.Endpoint, tenantID string) []licensesEvent {
	t.Helper()
	ds, err := env.DB.ListDeliveries(context.Background(), e.ID, notify.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []licensesEvent
	for _, d := range ds {
		var p struct {
			Type string        `json:"type"`
			Data licensesEvent `json:"data"`
		}
		if err := json.Unmarshal([]byte(d.Payload), &p); err != nil {
			t.Fatal(err)
		}
		if p.Type != "licenses.changed" || d.EventType != p.Type {
			t.Errorf("delivery of %s with payload type %s; want licenses.changed only", d.EventType, p.Type)
		}
		if d.TenantID == tenantID {
			out = append(out, p.Data)
		}
	}
	return out
}

// inAnyOrder compares slices as multisets: webhooks and audit events made
// in the same instant have no order between them.
func inAnyOrder[T any]() cmp.Option {
	return cmpopts.SortSlices(func(a, b T) bool { return fmt.Sprint(a) < fmt.Sprint(b) })
}

// licenseCounts is the license count before and after, and scheduled after,
// of each subscription change the audit trail holds for tenantID (a renewal
// that changes no terms aside).
func licenseCounts(t *testing.T, env *storetest.Env, tenantID string) [][3]int {
	t.Helper()
	evs, err := env.DB.ListAuditEvents(context.Background(), audit.Filter{TenantID: tenantID, Action: "subscription.", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	type snap struct {
		Licenses int `json:"licenses"`
		Next     *struct {
			Licenses int `json:"licenses"`
		} `json:"next"`
	}
	var out [][3]int
	for _, e := range evs {
		if e.Action == "subscription.renewed" {
			continue
		}
		var before, after snap
		if json.Unmarshal(e.Before, &before) != nil || json.Unmarshal(e.After, &after) != nil {
			t.Fatalf("audit %s: before %s, after %s; want subscription snapshots", e.Action, e.Before, e.After)
		}
		next := 0
		if after.Next != nil {
			next = after.Next.Licenses
		}
		out = append(out, [3]int{before.Licenses, after.Licenses, next})
	}
	return out
}

// seedDay is a day of the seed's changes on one contract: 30 → 35 adds 5
// licenses, 35 → 32 (credited at once) returns 3, both for Days of the
// PeriodDays of the term (annual) or instalment month (annual_monthly).
type seedDay struct {
	name, day        string
	days, periodDays int64
	add, addTax      int64 // 5 licenses
	credit, credTax  int64 // 3 licenses
}

// TestSeedLicenseChanges is seed 002's numbers: a standard contract of 30
// licenses from 2026-03-15 goes to 35 and then to 32, on the term's first
// day, mid-term and last day, on both annual contracts and under both
// reduction policies (two tenants: at_renewal, the default, and
// immediate_credit). Every line shows its basis; the webhook and the audit
// trail say each count before and after. Amounts: unit × quantity × days /
// period days, rounded half away from zero (money.Prorate); tax 10% once
// per invoice, toward zero (SPEC §8).
func TestSeedLicenseChanges(t *testing.T) {
	for _, c := range []struct {
		contract string
		unit     int64 // UnitAmount: the catalog's ¥450 a month × the months it covers
		end      string
		days     []seedDay
	}{
		// The term 2026-03-15 – 2027-03-14 has 365 days; ¥450 × 12 = ¥5,400 a license.
		{billing.Annual, 5400, "2027-03-15", []seedDay{
			// 5 × 5,400 × 365/365 = 27,000; tax 2,700. 3 × 5,400 = 16,200; tax 1,620.
			{"first day", "2026-03-15", 365, 365, 27000, 2700, -16200, -1620},
			// 27,000 × 182/365 = 13,463.01 → 13,463; tax 1,346.3 → 1,346.
			// 16,200 × 182/365 = 8,077.81 → 8,078; tax 807.8 → 807.
			{"mid-term", "2026-09-14", 182, 365, 13463, 1346, -8078, -807},
			// 27,000 × 1/365 = 73.97 → 74; tax 7. 16,200 / 365 = 44.38 → 44; tax 4.
			{"last day", "2027-03-14", 1, 365, 74, 7, -44, -4},
		}},
		// Instalment months from the anchor 3/15: ¥450 a license a month.
		{billing.AnnualMonthly, 450, "2027-03-15", []seedDay{
			// 3/15–4/14 is 31 days: 5 × 450 = 2,250; tax 225. 3 × 450 = 1,350; tax 135.
			{"first day", "2026-03-15", 31, 31, 2250, 225, -1350, -135},
			// 9/15–10/14 is 30 days, 15 left from 9/30: 2,250 × 15/30 = 1,125; tax 112.5 → 112.
			// 1,350 × 15/30 = 675; tax 67.5 → 67.
			{"mid-term", "2026-09-30", 15, 30, 1125, 112, -675, -67},
			// 2027-02-15 – 3/14 is 28 days: 2,250 / 28 = 80.36 → 80; tax 8. 1,350 / 28 = 48.21 → 48; tax 4.
			{"last day", "2027-03-14", 1, 28, 80, 8, -48, -4},
		}},
	} {
		for _, d := range c.days {
			t.Run(c.contract+" "+d.name, func(t *testing.T) {
				t.Parallel()
				storetest.Each(t, func(t *testing.T, env *storetest.Env) {
					seedChanges(t, env, c.contract, c.unit, c.end, d)
				})
			})
		}
	}
}

func seedChanges(t *testing.T, env *storetest.Env, contract string, unit int64, end string, d seedDay) {
	hook := watchLicenses(t, env)
	policies := map[string]*billing.Service{
		billing.ReduceAtRenewal:       env.BillingService(),
		billing.ReduceImmediateCredit: withCatalog(env, catalogEdited(t, `"reduction": "at_renewal"`, `"reduction": "immediate_credit"`)),
	}
	tenants := map[string]*storetest.Tenant{}
	first := map[string]*billing.Quote{}
	for policy, svc := range policies {
		tenants[policy] = storetest.SignUp(t, env, strings.ReplaceAll(policy, "_", "-"))
		addCard(t, svc, tenants[policy], testcard.Visa)
		first[policy], _ = change(t, svc, tenants[policy], contract, 30)
	}
	advanceTo(t, env, d.day)
	for policy, svc := range policies {
		ten := tenants[policy]
		line := billing.Line{PeriodStart: day(d.day), Quantity: 5, UnitAmount: unit, Amount: d.add, TaxPercent: 10,
			UnitPerMonth: 450, Days: d.days, PeriodDays: d.periodDays}
		line.PeriodEnd = line.PeriodStart.AddDate(0, 0, int(d.days))
		add, res := change(t, svc, ten, contract, 35)
		wantQuote(t, "30 → 35", add, billing.QuoteLicenses, billing.InvoiceNow, d.day, []billing.Line{line}, d.add, d.addTax)
		wantIssued(t, svc, ten, res, billing.KindInvoice, []billing.Line{line}, d.add+d.addTax)

		reduce, res := change(t, svc, ten, contract, 32)
		events := []licensesEvent{{ten.ID, 0, 30, "2026-03-15", first[policy].ID}, {ten.ID, 30, 35, d.day, add.ID}}
		counts := [][3]int{{0, 30, 0}, {30, 35, 0}}
		if policy == billing.ReduceAtRenewal {
			wantQuote(t, "35 → 32 at renewal", reduce, billing.QuoteReduce, billing.InvoiceNone, end, nil, 0, 0)
			if res.Invoice != nil || res.Subscription.Licenses != 35 || res.Subscription.Next == nil || res.Subscription.Next.Licenses != 32 {
				t.Errorf("35 → 32 at renewal applied: invoice %+v, subscription %+v; want nothing billed, 35 now and 32 scheduled", res.Invoice, res.Subscription)
			}
			counts = append(counts, [3]int{35, 35, 32})
		} else {
			line.Quantity, line.Amount = -3, d.credit
			wantQuote(t, "35 → 32 credited", reduce, billing.QuoteReduce, billing.InvoiceNow, d.day, []billing.Line{line}, d.credit, d.credTax)
			wantIssued(t, svc, ten, res, billing.KindCreditNote, []billing.Line{line}, d.credit+d.credTax)
			events = append(events, licensesEvent{ten.ID, 35, 32, d.day, reduce.ID})
			counts = append(counts, [3]int{35, 32, 0})
		}
		if diff := cmp.Diff(events, licensesEvents(t, env, hook, ten.ID), inAnyOrder[licensesEvent]()); diff != "" {
			t.Errorf("%s: licenses.changed webhooks (-want +got):\n%s", policy, diff)
		}
		if diff := cmp.Diff(counts, licenseCounts(t, env, ten.ID), inAnyOrder[[3]int]()); diff != "" {
			t.Errorf("%s: licenses before, after and scheduled in the audit trail (-want +got):\n%s", policy, diff)
		}
	}
	renewAt(t, env, policies, tenants, hook, contract, unit, end)
}

// renewAt runs the billing run on the renewal day: the reduction at renewal
// takes effect (told by the webhook, without a quote), and the new term
// bills 32 licenses on both tenants.
func renewAt(t *testing.T, env *storetest.Env, policies map[string]*billing.Service, tenants map[string]*storetest.Tenant,
	hook *notify.Endpoint, contract string, unit int64, end string) {
	t.Helper()
	advanceTo(t, env, end)
	if _, err := env.BillingService().Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for policy, svc := range policies {
		ten := tenants[policy]
		sub, err := svc.Subscription(ten.Ctx, ten.ID)
		if err != nil || sub.Licenses != 32 || sub.Next != nil || sub.PeriodStart.Format(time.DateOnly) != end {
			t.Errorf("%s after the renewal: %+v, %v; want 32 licenses from %s", policy, sub, err, end)
		}
		if inv := invoiceFor(t, svc, ten, end); inv == nil || inv.Total != 32*unit*11/10 || inv.Lines[0].Quantity != 32 {
			t.Errorf("%s: the new term's invoice %+v; want 32 × %d + tax", policy, inv, unit)
		}
		renewal := licensesEvent{ten.ID, 35, 32, end, ""}
		if got := licensesEvents(t, env, hook, ten.ID); containsEvent(got, renewal) != (policy == billing.ReduceAtRenewal) {
			t.Errorf("%s: webhooks %+v; want %+v from the billing run only when the reduction waited for it", policy, got, renewal)
		}
	}
}

// invoiceFor returns the tenant's invoice for the period starting on day, with its lines.
func invoiceFor(t *testing.T, svc *billing.Service, ten *storetest.Tenant, day string) *billing.Invoice {
	t.Helper()
	for _, inv := range invoices(t, svc, ten) {
		if strings.HasPrefix(inv.Period, day+"/") {
			full, err := svc.Invoice(ten.Ctx, ten.ID, inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			return full
		}
	}
	return nil
}

func containsEvent(evs []licensesEvent, e licensesEvent) bool {
	for _, x := range evs {
		if x == e {
			return true
		}
	}
	return false
}

// day parses a billing day.
func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// wantQuote checks a quote's kind, invoicing, effective day, lines (their
// descriptions aside) and amounts; a line's basis recomputes its amount.
func wantQuote(t *testing.T, what string, q *billing.Quote, kind, invoicing, effective string, lines []billing.Line, subtotal, tax int64) {
	t.Helper()
	if q.Kind != kind || q.Invoicing != invoicing || q.Effective.Format(time.DateOnly) != effective || q.Subtotal != subtotal ||
		q.Tax != tax || q.Total != subtotal+tax {
		t.Errorf("%s: quote %s/%s effective %s, %d + %d = %d; want %s/%s effective %s, %d + %d = %d", what, q.Kind, q.Invoicing,
			q.Effective.Format(time.DateOnly), q.Subtotal, q.Tax, q.Total, kind, invoicing, effective, subtotal, tax, subtotal+tax)
	}
	if diff := cmp.Diff(lines, q.Lines, cmpopts.IgnoreFields(billing.Line{}, "Description"), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("%s: quote lines (-want +got):\n%s", what, diff)
	}
}

// wantIssued checks that an apply issued one invoice (or credit note) of
// lines and total, whose stored lines keep their basis.
func wantIssued(t *testing.T, svc *billing.Service, ten *storetest.Tenant, res *billing.Result, kind string, lines []billing.Line, total int64) {
	t.Helper()
	if res.Invoice == nil {
		t.Fatalf("nothing issued; want a %s of %d", kind, total)
	}
	stored, err := svc.Invoice(ten.Ctx, ten.ID, res.Invoice.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Kind != kind || stored.Total != total {
		t.Errorf("issued %s of %d; want a %s of %d", stored.Kind, stored.Total, kind, total)
	}
	if diff := cmp.Diff(lines, stored.Lines, cmpopts.IgnoreFields(billing.Line{}, "Description")); diff != "" {
		t.Errorf("stored lines (-want +got):\n%s", diff)
	}
}
