// Package money is an amount of a currency as an integer count of its minor
// units: never a float. Every rounding Kanri does happens here:
//   - Prorate rounds half away from zero (SPEC §8: "half up") to the minor unit;
//   - Tax rounds toward zero, once per invoice per rate (消費税: 切り捨て).
//
// Arithmetic refuses to mix currencies and to overflow, with errors that say so.
package money

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Money is Amount minor units of Currency (an ISO 4217 code).
type Money struct {
	Amount   int64
	Currency string
}

// ErrOverflow is returned when a result does not fit in an int64.
var ErrOverflow = errors.New("amount too large")

// minorUnits is how many digits follow the decimal point, per ISO 4217,
// for the currencies Kanri prices in.
var minorUnits = map[string]int{"JPY": 0, "KRW": 0, "USD": 2, "EUR": 2, "GBP": 2, "TWD": 2, "THB": 2, "SGD": 2, "AUD": 2}

// Supported reports whether code is a currency Kanri knows the minor units of.
func Supported(code string) bool {
	_, ok := minorUnits[code]
	return ok
}

// Digits returns code's number of minor-unit digits (0 for JPY, 2 for USD).
func Digits(code string) int { return minorUnits[code] }

// New returns amount minor units of currency.
func New(amount int64, currency string) Money { return Money{Amount: amount, Currency: currency} }

// Add returns m + o. Errors: different currencies, overflow.
func (m Money) Add(o Money) (Money, error) {
	if m.Currency != o.Currency {
		return Money{}, fmt.Errorf("cannot add %s to %s", o.Currency, m.Currency)
	}
	s := m.Amount + o.Amount
	if (s > m.Amount) != (o.Amount > 0) {
		return Money{}, ErrOverflow
	}
	return Money{s, m.Currency}, nil
}

// Prorate returns unit × qty × num / den, rounded half away from zero to the
// minor unit: the price of qty items for num of den days. It computes
// exactly (no intermediate overflow). Errors: den ≤ 0, a result beyond int64.
func Prorate(unit Money, qty, num, den int64) (Money, error) {
	if den <= 0 {
		return Money{}, fmt.Errorf("prorate over %d days", den)
	}
	p := new(big.Int).Mul(big.NewInt(unit.Amount), big.NewInt(qty))
	p.Mul(p, big.NewInt(num))
	q, r := new(big.Int).QuoRem(p, big.NewInt(den), new(big.Int))
	// Half away from zero: |2r| ≥ den moves q one step away from zero.
	if new(big.Int).Abs(new(big.Int).Lsh(r, 1)).Cmp(big.NewInt(den)) >= 0 {
		q.Add(q, big.NewInt(int64(p.Sign())))
	}
	if !q.IsInt64() {
		return Money{}, ErrOverflow
	}
	return Money{q.Int64(), unit.Currency}, nil
}

// Tax returns the consumption tax on base at percent, rounded toward zero
// (a credit's tax is the negative of the same charge's). Errors: overflow.
func Tax(base Money, percent int64) (Money, error) {
	p := new(big.Int).Mul(big.NewInt(base.Amount), big.NewInt(percent))
	p.Quo(p, big.NewInt(100)) // Quo truncates toward zero
	if !p.IsInt64() {
		return Money{}, ErrOverflow
	}
	return Money{p.Int64(), base.Currency}, nil
}

// String writes m for people: "¥1,234", "-¥500", "USD 12.50".
func (m Money) String() string {
	sign, a := "", uint64(m.Amount)
	if m.Amount < 0 {
		// uint64 holds the magnitude of every int64, math.MinInt64's too.
		sign, a = "-", -a
	}
	d := Digits(m.Currency)
	div := uint64(math.Pow10(d))
	whole := group(strconv.FormatUint(a/div, 10))
	if d > 0 {
		whole += fmt.Sprintf(".%0*d", d, a%div)
	}
	if m.Currency == "JPY" {
		return sign + "¥" + whole
	}
	return sign + m.Currency + " " + whole
}

// group puts a comma between every three digits.
func group(s string) string {
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
