package billing

import (
	"math/big"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// drawCatalog is a catalog of a free plan and two paid plans, a below b,
// at any price up to ¥10^12 a month.
func drawCatalog(t *rapid.T) *Catalog {
	paid := func(id string) *Plan {
		pr := rapid.Int64Range(1, 1e12).Draw(t, id+" price")
		return &Plan{ID: id, Name: Names{"ja": id}, Mode: PricingFlexible, Reduction: ReduceImmediateCredit,
			ProrationInvoicing: InvoiceImmediately, Prices: map[string]int64{Monthly: pr, Annual: pr, AnnualMonthly: pr}}
	}
	return &Catalog{Currency: "JPY", TaxPercent: 10, Plans: []*Plan{
		{ID: "free", Name: Names{"ja": "free"}, Free: true, Prices: map[string]int64{Monthly: 0}, Mode: PricingFlexible},
		paid("a"), paid("b"),
	}}
}

// drawTerm is an annual term starting on any day of 2020–2039 and a day in it.
func drawTerm(t *rapid.T) (start, end, today time.Time) {
	start = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rapid.IntRange(0, 20*366).Draw(t, "start"))
	end = addMonths(start, 12)
	today = start.AddDate(0, 0, rapid.IntRange(0, int(daysBetween(start, end))-1).Draw(t, "today"))
	return start, end, today
}

// TestUpgradeThenDowngradeNetsZero: A→B then B→A on the same day, each
// priced as upgrade prices it (the old plan credited, the new one charged),
// bills nothing in all.
func TestUpgradeThenDowngradeNetsZero(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		cat := drawCatalog(t)
		contract := rapid.SampledFrom([]string{Annual, AnnualMonthly}).Draw(t, "contract")
		lic := rapid.IntRange(1, 1e4).Draw(t, "licenses")
		start, end, today := drawTerm(t)
		sub := &Subscription{Terms: Terms{"a", contract, lic}, Status: StatusActive, PeriodStart: start, PeriodEnd: end}
		p := pricing{cat: cat, sub: sub, to: Terms{"b", contract, lic}, today: today, billable: lic}
		up, err := price(p)
		if err != nil {
			t.Fatal(err)
		}
		ps, pe := p.current()
		q := &Quote{Lines: up.Lines}
		a, b := cat.Plan("a"), cat.Plan("b")
		if err := p.add(q, b, contract, -int64(lic), today, pe, ps, pe); err != nil {
			t.Fatal(err)
		}
		if err := p.add(q, a, contract, int64(lic), today, pe, ps, pe); err != nil {
			t.Fatal(err)
		}
		if len(q.Lines) != 4 {
			t.Fatalf("%d lines, want 4: %+v", len(q.Lines), q.Lines)
		}
		var sum int64
		for _, l := range q.Lines {
			sum += l.Amount
		}
		if sum != 0 {
			t.Fatalf("upgrade and downgrade net %d, want 0: %+v", sum, q.Lines)
		}
	})
}

// TestLineExact: a line never overflows or panics for prices up to 10^12,
// 10^4 licenses and periods up to 366 days; its amount is the exact
// quotient rounded half away from zero.
func TestLineExact(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		cat := drawCatalog(t)
		contract := rapid.SampledFrom(Contracts).Draw(t, "contract")
		qty := rapid.Int64Range(-1e4, 1e4).Draw(t, "qty")
		start, end, today := drawTerm(t)
		switch contract {
		case Monthly:
			start, end = month(today)
		case AnnualMonthly:
			start, end = instalment(start, today)
		}
		p := pricing{cat: cat, today: today}
		plan := cat.Plan("b")
		l, err := p.line(plan, contract, qty, today, end, start, end)
		if err != nil {
			t.Fatal(err)
		}
		unit := plan.Prices[contract]
		if contract == Annual {
			unit *= 12
		}
		num := new(big.Int).Mul(big.NewInt(unit), big.NewInt(qty))
		num.Mul(num, big.NewInt(daysBetween(today, end)))
		r := new(big.Rat).SetFrac(num, big.NewInt(daysBetween(start, end)))
		abs := new(big.Rat).Add(new(big.Rat).Abs(r), big.NewRat(1, 2))
		want := new(big.Int).Quo(abs.Num(), abs.Denom())
		if r.Sign() < 0 {
			want.Neg(want)
		}
		if !want.IsInt64() || l.Amount != want.Int64() {
			t.Fatalf("amount %d, want %s (%d × %d × %d/%d)", l.Amount, want, unit, qty, daysBetween(today, end), daysBetween(start, end))
		}
		if days := daysBetween(start, end); days < 28 || days > 366 {
			t.Fatalf("period of %d days", days)
		}
	})
}

// TestQuoteTotals: a quote's total is its subtotal plus the tax of each
// rate, taken once on the rate's sum and rounded toward zero, never per line.
func TestQuoteTotals(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		var lines []Line
		if rapid.Bool().Draw(t, "priced") {
			cat := drawCatalog(t)
			contract := rapid.SampledFrom(Contracts).Draw(t, "contract")
			lic := rapid.IntRange(1, 1e4).Draw(t, "licenses")
			_, _, today := drawTerm(t)
			to := Terms{"a", contract, lic}
			if contract == Monthly {
				to.Licenses = 0
			}
			q, err := price(pricing{cat: cat, sub: &Subscription{Terms: Terms{"free", Monthly, 0}, Status: StatusActive}, to: to, today: today, billable: lic})
			if err != nil {
				t.Fatal(err)
			}
			if q.Total != q.Subtotal+q.Tax {
				t.Fatalf("quote total %d ≠ %d + %d", q.Total, q.Subtotal, q.Tax)
			}
			lines = q.Lines
		}
		for _, a := range rapid.SliceOfN(rapid.Int64Range(-1e9, 1e9), 0, 20).Draw(t, "amounts") {
			lines = append(lines, Line{Quantity: 1, Amount: a, TaxPercent: rapid.SampledFrom([]int64{8, 10}).Draw(t, "rate")})
		}
		sub, taxes, tax, total, err := totals("JPY", lines)
		if err != nil {
			t.Fatal(err)
		}
		base := map[int64]int64{}
		var wantSub int64
		for _, l := range lines {
			base[l.TaxPercent] += l.Amount
			wantSub += l.Amount
		}
		var sumTax int64
		for _, tx := range taxes {
			if tx.Base != base[tx.Percent] || tx.Tax != tx.Base*tx.Percent/100 { // Go's / truncates toward zero
				t.Fatalf("rate %d%%: base %d tax %d, want base %d tax %d", tx.Percent, tx.Base, tx.Tax, base[tx.Percent], base[tx.Percent]*tx.Percent/100)
			}
			sumTax += tx.Tax
		}
		if len(taxes) != len(base) || sub != wantSub || tax != sumTax || total != sub+sumTax {
			t.Fatalf("subtotal %d tax %d total %d, %d rates; want %d, %d, %d, %d rates", sub, tax, total, len(taxes), wantSub, sumTax, wantSub+sumTax, len(base))
		}
	})
}
