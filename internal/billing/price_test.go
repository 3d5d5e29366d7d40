package billing

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/money"
)

// day parses 2026-03-15 as a billing day.
func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// onFree is a tenant without a subscription.
func onFree() *Subscription {
	return &Subscription{Terms: Terms{Plan: "free", Contract: Monthly}, Status: StatusActive}
}

// annualSub is plan on contract with lic licenses for [start, end).
func annualSub(plan, contract string, lic int, start, end string) *Subscription {
	return &Subscription{Terms: Terms{Plan: plan, Contract: contract, Licenses: lic}, Status: StatusActive,
		PeriodStart: day(start), PeriodEnd: day(end), PaidThrough: day(start)}
}

// monthlySub is plan on the monthly contract in the month of start, whose
// current plan began at segment.
func monthlySub(plan, start, segment string) *Subscription {
	s, e := month(day(start))
	return &Subscription{Terms: Terms{Plan: plan, Contract: Monthly}, Status: StatusActive,
		PeriodStart: s, PeriodEnd: e, SegmentStart: day(segment)}
}

// catalogWith is the default catalog edited by replacing old with new.
func catalogWith(t *testing.T, old, new string) *Catalog {
	t.Helper()
	if !strings.Contains(string(defaultCatalog), old) {
		t.Fatalf("catalog.json has no %q", old)
	}
	c, err := ParseCatalog("test.json", []byte(strings.Replace(string(defaultCatalog), old, new, 1)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// brief is a line without its description: what the amounts tests compare.
type brief struct {
	Start, End string
	Qty        int64
	Unit       int64
	Amount     int64
}

func briefs(lines []Line) []brief {
	var out []brief
	for _, l := range lines {
		out = append(out, brief{l.PeriodStart.Format(time.DateOnly), l.PeriodEnd.Format(time.DateOnly), l.Quantity, l.UnitAmount, l.Amount})
	}
	return out
}

// want is what a priced quote must say.
type want struct {
	Kind, Invoicing string
	Effective       string
	Lines, Estimate []brief
	Subtotal, Tax   int64
	Total           int64
}

func TestPrice(t *testing.T) {
	t.Parallel()
	def := DefaultCatalog()
	credit := catalogWith(t, `"reduction": "at_renewal"`, `"reduction": "immediate_credit"`)
	smallCredit := *credit
	smallCredit.MinImmediateCharge = 1000
	for _, tc := range []struct {
		name       string
		cat        *Catalog
		sub        *Subscription
		to         Terms
		today      string
		billable   int
		segmentMax int
		want       want
	}{
		// From free (SPEC §4): monthly bills nothing now, only an estimate.
		{name: "free to monthly on the 1st", sub: onFree(), to: Terms{"standard", Monthly, 0}, today: "2026-03-01", billable: 10,
			want: want{Kind: QuoteUpgrade, Invoicing: InvoiceNone, Effective: "2026-03-01",
				Estimate: []brief{{"2026-03-01", "2026-04-01", 10, 540, 5400}}}},
		{name: "free to monthly on the 15th", sub: onFree(), to: Terms{"standard", Monthly, 0}, today: "2026-03-15", billable: 10,
			want: want{Kind: QuoteUpgrade, Invoicing: InvoiceNone, Effective: "2026-03-15",
				Estimate: []brief{{"2026-03-15", "2026-04-01", 10, 540, 2961}}}}, // 5400 × 17/31 = 2961.29
		{name: "free to monthly on the last day", sub: onFree(), to: Terms{"standard", Monthly, 0}, today: "2026-03-31", billable: 10,
			want: want{Kind: QuoteUpgrade, Invoicing: InvoiceNone, Effective: "2026-03-31",
				Estimate: []brief{{"2026-03-31", "2026-04-01", 10, 540, 174}}}}, // 5400/31 = 174.19
		{name: "free to annual on the 15th", sub: onFree(), to: Terms{"standard", Annual, 10}, today: "2026-03-15", billable: 10,
			want: want{Kind: QuoteUpgrade, Invoicing: InvoiceNow, Effective: "2026-03-15",
				Lines:    []brief{{"2026-03-15", "2027-03-15", 10, 5400, 54000}},
				Subtotal: 54000, Tax: 5400, Total: 59400}},
		{name: "free to annual on the last day", sub: onFree(), to: Terms{"standard", Annual, 10}, today: "2026-03-31", billable: 3,
			want: want{Kind: QuoteUpgrade, Invoicing: InvoiceNow, Effective: "2026-03-31",
				Lines:    []brief{{"2026-03-31", "2027-03-31", 10, 5400, 54000}},
				Subtotal: 54000, Tax: 5400, Total: 59400}},
		{name: "free to annual_monthly: first instalment", sub: onFree(), to: Terms{"standard", AnnualMonthly, 10}, today: "2026-03-15", billable: 10,
			want: want{Kind: QuoteUpgrade, Invoicing: InvoiceNow, Effective: "2026-03-15",
				Lines:    []brief{{"2026-03-15", "2026-04-15", 10, 450, 4500}},
				Subtotal: 4500, Tax: 450, Total: 4950}},
		{name: "free to annual_monthly on the 31st", sub: onFree(), to: Terms{"advanced", AnnualMonthly, 2}, today: "2026-01-31", billable: 1,
			want: want{Kind: QuoteUpgrade, Invoicing: InvoiceNow, Effective: "2026-01-31",
				Lines:    []brief{{"2026-01-31", "2026-02-28", 2, 900, 1800}},
				Subtotal: 1800, Tax: 180, Total: 1980}},

		// Leap years: a term from 2/29 ends on 2/28 (365 days), in full.
		{name: "annual term from 2024-02-29", sub: onFree(), to: Terms{"standard", Annual, 10}, today: "2024-02-29", billable: 10,
			want: want{Kind: QuoteUpgrade, Invoicing: InvoiceNow, Effective: "2024-02-29",
				Lines:    []brief{{"2024-02-29", "2025-02-28", 10, 5400, 54000}},
				Subtotal: 54000, Tax: 5400, Total: 59400}},
		{name: "licenses added on 2024-02-29 in a 366-day term", sub: annualSub("standard", Annual, 10, "2023-04-01", "2024-04-01"),
			to: Terms{"standard", Annual, 15}, today: "2024-02-29", billable: 10,
			want: want{Kind: QuoteLicenses, Invoicing: InvoiceNow, Effective: "2024-02-29",
				Lines:    []brief{{"2024-02-29", "2024-04-01", 5, 5400, 2361}}, // 27000 × 32/366 = 2360.66
				Subtotal: 2361, Tax: 236, Total: 2597}},

		// Upgrades on an annual contract: the old plan credited, the new one
		// charged, for the 182 days left of a 365-day term.
		{name: "standard to advanced mid-term", sub: annualSub("standard", Annual, 10, "2026-04-01", "2027-04-01"),
			to: Terms{"advanced", Annual, 10}, today: "2026-10-01", billable: 8,
			want: want{Kind: QuoteUpgrade, Invoicing: InvoiceNow, Effective: "2026-10-01",
				Lines: []brief{
					{"2026-10-01", "2027-04-01", -10, 5400, -26926}, // 54000 × 182/365 = 26926.03
					{"2026-10-01", "2027-04-01", 10, 10800, 53852}}, // 108000 × 182/365 = 53852.05
				Subtotal: 26926, Tax: 2692, Total: 29618}},
		{name: "then 5 more licenses on the advanced plan", sub: annualSub("advanced", Annual, 10, "2026-04-01", "2027-04-01"),
			to: Terms{"advanced", Annual, 15}, today: "2027-01-01", billable: 8,
			want: want{Kind: QuoteLicenses, Invoicing: InvoiceNow, Effective: "2027-01-01",
				Lines:    []brief{{"2027-01-01", "2027-04-01", 5, 10800, 13315}}, // 54000 × 90/365 = 13315.07
				Subtotal: 13315, Tax: 1331, Total: 14646}},
		{name: "upgrade and more licenses at once", sub: annualSub("standard", Annual, 10, "2026-04-01", "2027-04-01"),
			to: Terms{"advanced", Annual, 12}, today: "2026-10-01", billable: 8,
			want: want{Kind: QuoteUpgrade, Invoicing: InvoiceNow, Effective: "2026-10-01",
				Lines: []brief{
					{"2026-10-01", "2027-04-01", -10, 5400, -26926},
					{"2026-10-01", "2027-04-01", 12, 10800, 64622}}, // 129600 × 182/365 = 64622.47
				Subtotal: 37696, Tax: 3769, Total: 41465}},
		// annual_monthly: prorated over the instalment, counted from the
		// anchor: the instalment from 2/28 of a term anchored on 1/31 runs
		// to 3/31, 31 days.
		{name: "annual_monthly licenses in a short month's instalment", sub: annualSub("standard", AnnualMonthly, 10, "2025-01-31", "2026-01-31"),
			to: Terms{"standard", AnnualMonthly, 11}, today: "2025-02-28", billable: 10,
			want: want{Kind: QuoteLicenses, Invoicing: InvoiceNow, Effective: "2025-02-28",
				Lines:    []brief{{"2025-02-28", "2025-03-31", 1, 450, 450}},
				Subtotal: 450, Tax: 45, Total: 495}},
		{name: "annual_monthly licenses mid-instalment", sub: annualSub("standard", AnnualMonthly, 10, "2025-01-31", "2026-01-31"),
			to: Terms{"standard", AnnualMonthly, 11}, today: "2025-03-15", billable: 10,
			want: want{Kind: QuoteLicenses, Invoicing: InvoiceNow, Effective: "2025-03-15",
				Lines:    []brief{{"2025-03-15", "2025-03-31", 1, 450, 232}}, // 450 × 16/31 = 232.26
				Subtotal: 232, Tax: 23, Total: 255}},
		{name: "licenses billed with the next invoice", cat: catalogWith(t, `"proration_invoicing": "immediate"`, `"proration_invoicing": "next_invoice"`),
			sub: annualSub("standard", Annual, 10, "2026-04-01", "2027-04-01"), to: Terms{"standard", Annual, 15}, today: "2027-01-01", billable: 10,
			want: want{Kind: QuoteLicenses, Invoicing: InvoiceNextRun, Effective: "2027-01-01",
				Lines:    []brief{{"2027-01-01", "2027-04-01", 5, 5400, 6658}}, // 27000 × 90/365 = 6657.53
				Subtotal: 6658, Tax: 665, Total: 7323}},

		// Monthly upgrade on 3/15 (LINE WORKS): 3/1–3/14 on the old plan at
		// the segment's highest count, billed with the month's invoice.
		{name: "monthly upgrade mid-month", sub: monthlySub("standard", "2026-03-01", "2026-03-01"),
			to: Terms{"advanced", Monthly, 0}, today: "2026-03-15", billable: 12, segmentMax: 14,
			want: want{Kind: QuoteUpgrade, Invoicing: InvoiceNextRun, Effective: "2026-03-15",
				Lines:    []brief{{"2026-03-01", "2026-03-15", 14, 540, 3414}},  // 7560 × 14/31 = 3414.19
				Estimate: []brief{{"2026-03-15", "2026-04-01", 12, 1080, 7107}}, // 12960 × 17/31 = 7107.10
				Subtotal: 3414, Tax: 341, Total: 3755}},
		{name: "monthly upgrade on the segment's first day", sub: monthlySub("standard", "2026-03-10", "2026-03-10"),
			to: Terms{"advanced", Monthly, 0}, today: "2026-03-10", billable: 12, segmentMax: 14,
			want: want{Kind: QuoteUpgrade, Invoicing: InvoiceNextRun, Effective: "2026-03-10",
				Estimate: []brief{{"2026-03-10", "2026-04-01", 12, 1080, 9197}}}}, // 12960 × 22/31 = 9197.42
		{name: "monthly to annual", sub: monthlySub("standard", "2026-03-01", "2026-03-01"),
			to: Terms{"standard", Annual, 15}, today: "2026-03-15", billable: 12, segmentMax: 14,
			want: want{Kind: QuoteUpgrade, Invoicing: InvoiceNow, Effective: "2026-03-15",
				Lines: []brief{
					{"2026-03-01", "2026-03-15", 14, 540, 3414},
					{"2026-03-15", "2027-03-15", 15, 5400, 81000}},
				Subtotal: 84414, Tax: 8441, Total: 92855}},

		// Fewer licenses: at renewal by default, or a prorated credit.
		{name: "reduction at renewal", sub: annualSub("standard", Annual, 20, "2026-04-01", "2027-04-01"),
			to: Terms{"standard", Annual, 15}, today: "2026-10-01", billable: 10,
			want: want{Kind: QuoteReduce, Invoicing: InvoiceNone, Effective: "2027-04-01"}},
		{name: "reduction credited at once", cat: credit, sub: annualSub("standard", Annual, 20, "2026-04-01", "2027-04-01"),
			to: Terms{"standard", Annual, 15}, today: "2026-10-01", billable: 10,
			want: want{Kind: QuoteReduce, Invoicing: InvoiceNow, Effective: "2026-10-01",
				Lines:    []brief{{"2026-10-01", "2027-04-01", -5, 5400, -13463}}, // 27000 × 182/365 = 13463.01
				Subtotal: -13463, Tax: -1346, Total: -14809}},

		// min_immediate_charge: an add below it waits for the next invoice.
		{name: "one license on the term's last day, below the minimum charge", cat: catalogWith(t, `"tax_percent": 10,`, `"tax_percent": 10, "min_immediate_charge": 1000,`),
			sub: annualSub("standard", Annual, 10, "2026-04-01", "2027-04-01"), to: Terms{"standard", Annual, 11}, today: "2027-03-31", billable: 10,
			want: want{Kind: QuoteLicenses, Invoicing: InvoiceNextRun, Effective: "2027-03-31",
				Lines:    []brief{{"2027-03-31", "2027-04-01", 1, 5400, 15}}, // 5400 / 365 = 14.79
				Subtotal: 15, Tax: 1, Total: 16}},
		{name: "one license at exactly the minimum charge", cat: catalogWith(t, `"tax_percent": 10,`, `"tax_percent": 10, "min_immediate_charge": 16,`),
			sub: annualSub("standard", Annual, 10, "2026-04-01", "2027-04-01"), to: Terms{"standard", Annual, 11}, today: "2027-03-31", billable: 10,
			want: want{Kind: QuoteLicenses, Invoicing: InvoiceNow, Effective: "2027-03-31",
				Lines:    []brief{{"2027-03-31", "2027-04-01", 1, 5400, 15}},
				Subtotal: 15, Tax: 1, Total: 16}},
		{name: "a small credit is not held back", cat: &smallCredit,
			sub: annualSub("standard", Annual, 10, "2026-04-01", "2027-04-01"), to: Terms{"standard", Annual, 9}, today: "2027-03-31", billable: 5,
			want: want{Kind: QuoteReduce, Invoicing: InvoiceNow, Effective: "2027-03-31",
				Lines:    []brief{{"2027-03-31", "2027-04-01", -1, 5400, -15}},
				Subtotal: -15, Tax: -1, Total: -16}},

		// Downgrades wait for the period's end.
		{name: "advanced to standard", sub: annualSub("advanced", Annual, 10, "2026-04-01", "2027-04-01"),
			to: Terms{"standard", Annual, 10}, today: "2026-10-01", billable: 10,
			want: want{Kind: QuoteDowngrade, Invoicing: InvoiceNone, Effective: "2027-04-01"}},
		{name: "monthly advanced to standard", sub: monthlySub("advanced", "2026-03-01", "2026-03-01"),
			to: Terms{"standard", Monthly, 0}, today: "2026-03-15", billable: 10,
			want: want{Kind: QuoteDowngrade, Invoicing: InvoiceNone, Effective: "2026-04-01"}},
		{name: "annual to monthly", sub: annualSub("standard", Annual, 10, "2026-04-01", "2027-04-01"),
			to: Terms{"standard", Monthly, 0}, today: "2026-10-01", billable: 10,
			want: want{Kind: QuoteDowngrade, Invoicing: InvoiceNone, Effective: "2027-04-01"}},
		{name: "annual to annual_monthly", sub: annualSub("advanced", Annual, 10, "2026-04-01", "2027-04-01"),
			to: Terms{"advanced", AnnualMonthly, 10}, today: "2026-10-01", billable: 10,
			want: want{Kind: QuoteDowngrade, Invoicing: InvoiceNone, Effective: "2027-04-01"}},
		{name: "return to free where offered", cat: catalogWith(t, `"return_to_free": false`, `"return_to_free": true`),
			sub: annualSub("standard", Annual, 10, "2026-04-01", "2027-04-01"), to: Terms{"free", Monthly, 0}, today: "2026-10-01", billable: 10,
			want: want{Kind: QuoteDowngrade, Invoicing: InvoiceNone, Effective: "2027-04-01"}},
		{name: "a canceled contract starts again", sub: func() *Subscription {
			s := annualSub("standard", Annual, 10, "2025-04-01", "2026-04-01")
			s.Status = StatusCanceled
			return s
		}(), to: Terms{"standard", Annual, 10}, today: "2026-05-01", billable: 10,
			want: want{Kind: QuoteUpgrade, Invoicing: InvoiceNow, Effective: "2026-05-01",
				Lines:    []brief{{"2026-05-01", "2027-05-01", 10, 5400, 54000}},
				Subtotal: 54000, Tax: 5400, Total: 59400}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cat := tc.cat
			if cat == nil {
				cat = def
			}
			q, err := price(pricing{cat: cat, sub: tc.sub, to: tc.to, today: day(tc.today), billable: tc.billable, segmentMax: tc.segmentMax})
			if err != nil {
				t.Fatal(err)
			}
			got := want{Kind: q.Kind, Invoicing: q.Invoicing, Effective: q.Effective.Format(time.DateOnly),
				Lines: briefs(q.Lines), Estimate: briefs(q.Estimate), Subtotal: q.Subtotal, Tax: q.Tax, Total: q.Total}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("quote (-want +got):\n%s", diff)
			}
			for _, l := range append(q.Lines, q.Estimate...) {
				wantBasis(t, l)
			}
			if q.From != tc.sub.Terms || q.To != tc.to || q.Currency != "JPY" {
				t.Errorf("from %v to %v in %s; want %v to %v in JPY", q.From, q.To, q.Currency, tc.sub.Terms, tc.to)
			}
		})
	}
}

// wantBasis checks that a line's basis recomputes its amount: the
// catalog's monthly price × the months its unit covers × quantity × days /
// period days, rounded as money.Prorate rounds; and that its days are its
// period's.
func wantBasis(t *testing.T, l Line) {
	t.Helper()
	if l.UnitPerMonth <= 0 || l.UnitAmount%l.UnitPerMonth != 0 || daysBetween(l.PeriodStart, l.PeriodEnd) != l.Days || l.Days > l.PeriodDays {
		t.Errorf("line %+v: the basis does not describe it", l)
		return
	}
	months := l.UnitAmount / l.UnitPerMonth
	if months != 1 && months != 12 {
		t.Errorf("line %+v: its unit covers %d months; want 1 or 12", l, months)
	}
	got, err := money.Prorate(money.New(l.UnitPerMonth*months, "JPY"), l.Quantity, l.Days, l.PeriodDays)
	if err != nil || got.Amount != l.Amount {
		t.Errorf("line %+v: the basis gives %d (%v); want the amount", l, got.Amount, err)
	}
}

// TestLineBasis: the basis reads in the reader's language, with the
// months an annual unit covers; a line issued before the basis was kept
// shows none.
func TestLineBasis(t *testing.T) {
	t.Parallel()
	annual := Line{Quantity: 5, UnitAmount: 5400, Amount: 13463, UnitPerMonth: 450, Days: 182, PeriodDays: 365}
	credit := annual
	credit.Quantity, credit.Amount = -3, -8078
	for _, tc := range []struct {
		name, lang string
		line       Line
		want       string
	}{
		{"annual, Japanese", "ja", annual, "¥450/月 × 12か月 × 5 × 182/365日"},
		{"annual, English", "en", annual, "¥450/mo × 12 mo × 5 × 182/365 days"},
		{"a browser's English", "en-US", annual, "¥450/mo × 12 mo × 5 × 182/365 days"},
		{"no language: Japanese", "", annual, "¥450/月 × 12か月 × 5 × 182/365日"},
		{"a credit", "ja", credit, "¥450/月 × 12か月 × -3 × 182/365日"},
		{"an instalment", "ja", Line{Quantity: 2, UnitAmount: 450, Amount: 450, UnitPerMonth: 450, Days: 15, PeriodDays: 30}, "¥450/月 × 2 × 15/30日"},
		{"a month of members", "en", Line{Quantity: 14, UnitAmount: 540, Amount: 3414, UnitPerMonth: 540, Days: 14, PeriodDays: 31}, "¥540/mo × 14 × 14/31 days"},
		{"issued before the basis was kept", "ja", Line{Quantity: 5, UnitAmount: 5400, Amount: 13463}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.line.Basis("JPY", tc.lang)
			if err != nil || got != tc.want {
				t.Errorf("Basis = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestPriceTwoChanges: the second change of a term is priced on the plan
// the first one left (the right base), not on the plan the term began with.
func TestPriceTwoChanges(t *testing.T) {
	t.Parallel()
	cat := DefaultCatalog()
	sub := annualSub("standard", Annual, 10, "2026-04-01", "2027-04-01")
	q1, err := price(pricing{cat: cat, sub: sub, to: Terms{"advanced", Annual, 10}, today: day("2026-10-01"), billable: 8})
	if err != nil {
		t.Fatal(err)
	}
	if q1.Total != 29618 {
		t.Fatalf("upgrade total %d, want 29618", q1.Total)
	}
	after := *sub
	after.Terms = q1.To
	q2, err := price(pricing{cat: cat, sub: &after, to: Terms{"advanced", Annual, 15}, today: day("2027-01-01"), billable: 8})
	if err != nil {
		t.Fatal(err)
	}
	want := []brief{{"2027-01-01", "2027-04-01", 5, 10800, 13315}} // not 6658: the standard price
	if diff := cmp.Diff(want, briefs(q2.Lines)); diff != "" {
		t.Errorf("second change (-want +got):\n%s", diff)
	}
	if q2.Total != 14646 {
		t.Errorf("second total %d, want 14646", q2.Total)
	}
}

func TestPriceRefusals(t *testing.T) {
	t.Parallel()
	def := DefaultCatalog()
	allEmployees := catalogWith(t, `"mode": "flexible",
      "features": [],`, `"mode": "all_employees",
      "features": [],`)
	toFree := catalogWith(t, `"return_to_free": false`, `"return_to_free": true`)
	std := func() *Subscription { return annualSub("standard", Annual, 10, "2026-04-01", "2027-04-01") }
	for _, tc := range []struct {
		name     string
		cat      *Catalog
		sub      *Subscription
		to       Terms
		billable int
		kind     errs.Kind
		field    string
		message  string
	}{
		{"unknown plan", nil, onFree(), Terms{"gold", Annual, 10}, 5, errs.Invalid, "plan", `unknown plan "gold"`},
		{"contract not offered", nil, onFree(), Terms{"free", Annual, 10}, 5, errs.Invalid, "contract", `not sold on the "annual" contract`},
		{"fewer licenses than members", nil, onFree(), Terms{"standard", Annual, 9}, 10, errs.Invalid, "licenses", "9 licenses are fewer than your 10 billable members: deactivate 1 of them first"},
		{"licenses on a monthly contract", nil, monthlySub("standard", "2026-10-01", "2026-10-01"), Terms{"standard", Monthly, 12}, 5, errs.Invalid, "licenses", "a monthly contract (the free plan too) bills the members it has, so it has no licenses to change"},
		{"licenses on the free plan", nil, onFree(), Terms{"free", Monthly, 12}, 5, errs.Invalid, "licenses", "no licenses to change"},
		{"no license", nil, onFree(), Terms{"standard", Annual, 0}, 0, errs.Invalid, "licenses", "at least 1 license"},
		{"licenses on monthly", nil, onFree(), Terms{"standard", Monthly, 10}, 5, errs.Invalid, "licenses", "leave licenses empty"},
		{"all employees: more licenses", allEmployees, onFree(), Terms{"standard", Annual, 11}, 10, errs.Invalid, "licenses", "must be 10"},
		{"all employees: fewer licenses", allEmployees, onFree(), Terms{"standard", Annual, 9}, 10, errs.Invalid, "licenses", "must be 10"},
		{"free plan member limit", toFree, monthlySub("standard", "2026-10-01", "2026-10-01"), Terms{"free", Monthly, 0}, 31, errs.Invalid, "plan", "at most 30 members and you have 31"},
		{"return to free not offered", nil, std(), Terms{"free", Monthly, 0}, 5, errs.Invalid, "plan", "returning to the free plan is not offered"},
		{"nothing to change", nil, std(), Terms{"standard", Annual, 10}, 5, errs.Invalid, "plan", "this is the current contract already"},
		{"upgrade and fewer licenses", nil, std(), Terms{"advanced", Annual, 8}, 5, errs.Invalid, "licenses", "in two steps"},
		{"current plan not in the catalog", nil, annualSub("gold", Annual, 10, "2026-04-01", "2027-04-01"), Terms{"standard", Annual, 10}, 5, errs.FailedPrecondition, "", `"gold" is no longer in the catalog`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cat := tc.cat
			if cat == nil {
				cat = def
			}
			q, err := price(pricing{cat: cat, sub: tc.sub, to: tc.to, today: day("2026-10-15"), billable: tc.billable})
			if err == nil {
				t.Fatalf("got quote %+v, want an error", q)
			}
			e, ok := errs.As(err)
			if !ok || e.Kind != tc.kind || e.Field != tc.field || !strings.Contains(e.Message("en"), tc.message) {
				t.Fatalf("error %#v, want %v on %q saying %q", err, tc.kind, tc.field, tc.message)
			}
		})
	}
}

// TestPriceRefusalsInJapanese: the refusals a Japanese admin meets most in
// the upgrade wizard read in Japanese, with the numbers and the plan's name.
func TestPriceRefusalsInJapanese(t *testing.T) {
	t.Parallel()
	def := DefaultCatalog()
	for _, tc := range []struct {
		name     string
		to       Terms
		billable int
		want     string
	}{
		{"fewer licenses than members", Terms{"standard", Annual, 9}, 1234,
			"ライセンス数(9)が利用メンバー数(1,234人)より少なくなっています。先にメンバーを1,225人利用停止するか、ライセンス数を1,234以上にしてください。"},
		{"member limit", Terms{"free", Monthly, 0}, 31,
			"フリープランで利用できるメンバーは30人までですが、現在31人います。先にメンバーを利用停止してください。"},
		{"contract not offered", Terms{"free", Annual, 10}, 5,
			"フリープランは契約形態「annual」では販売していません。このプランの料金がある契約形態を選んでください。"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := price(pricing{cat: def, sub: onFree(), to: tc.to, today: day("2026-10-15"), billable: tc.billable, lang: "ja"})
			e, ok := errs.As(err)
			if !ok {
				t.Fatalf("error %v, want an errs.Error", err)
			}
			if got := e.Message("ja"); got != tc.want {
				t.Errorf("reads %q in Japanese, want %q", got, tc.want)
			}
		})
	}
}

func TestTotals(t *testing.T) {
	t.Parallel()
	l := func(amount, pct int64) Line { return Line{Quantity: 1, Amount: amount, TaxPercent: pct} }
	for _, tc := range []struct {
		name                 string
		lines                []Line
		subtotal, tax, total int64
		taxes                []TaxAmount
	}{
		{"3 × ¥105 once per rate", []Line{l(105, 10), l(105, 10), l(105, 10)}, 315, 31, 346, []TaxAmount{{10, 315, 31}}},
		{"credit truncates toward zero", []Line{l(-105, 10), l(-105, 10), l(-105, 10)}, -315, -31, -346, []TaxAmount{{10, -315, -31}}},
		{"two rates", []Line{l(105, 10), l(199, 8), l(105, 10), l(1, 8)}, 410, 37, 447, []TaxAmount{{8, 200, 16}, {10, 210, 21}}},
		{"nothing", nil, 0, 0, 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sub, taxes, tax, total, err := totals("JPY", tc.lines)
			if err != nil {
				t.Fatal(err)
			}
			if sub != tc.subtotal || tax != tc.tax || total != tc.total {
				t.Errorf("subtotal %d tax %d total %d; want %d %d %d", sub, tax, total, tc.subtotal, tc.tax, tc.total)
			}
			if diff := cmp.Diff(tc.taxes, taxes); diff != "" {
				t.Errorf("taxes (-want +got):\n%s", diff)
			}
		})
	}
}
