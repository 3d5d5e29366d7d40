package billing

import (
	"slices"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/money"
)

// totals sums lines into the subtotal, the tax per rate (once per invoice
// per rate, rounded down: 3 lines × ¥105 at 10% ⇒ ¥31) and the total.
func totals(currency string, lines []Line) (subtotal int64, taxes []TaxAmount, tax, total int64, err error) {
	base := map[int64]money.Money{}
	sum := money.New(0, currency)
	for _, l := range lines {
		a := money.New(l.Amount, currency)
		if sum, err = sum.Add(a); err != nil {
			return 0, nil, 0, 0, errs.Wrap(errs.Invalid, err, "billing.amount_too_large")
		}
		b := base[l.TaxPercent]
		b.Currency = currency
		if base[l.TaxPercent], err = b.Add(a); err != nil {
			return 0, nil, 0, 0, errs.Wrap(errs.Invalid, err, "billing.amount_too_large")
		}
	}
	rates := make([]int64, 0, len(base))
	for r := range base {
		rates = append(rates, r)
	}
	slices.Sort(rates)
	all := sum
	for _, r := range rates {
		t, terr := money.Tax(base[r], r)
		if terr == nil {
			all, terr = all.Add(t)
		}
		if terr != nil {
			return 0, nil, 0, 0, errs.Wrap(errs.Invalid, terr, "billing.amount_too_large")
		}
		taxes = append(taxes, TaxAmount{Percent: r, Base: base[r].Amount, Tax: t.Amount})
		tax += t.Amount
	}
	return sum.Amount, taxes, tax, all.Amount, nil
}
