package money

import (
	"errors"
	"math"
	"math/big"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

func TestAdd(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		a, b    Money
		want    Money
		wantErr string // "" for none, "overflow", "currency"
	}{
		{"yen", New(1200, "JPY"), New(34, "JPY"), New(1234, "JPY"), ""},
		{"credit", New(100, "JPY"), New(-250, "JPY"), New(-150, "JPY"), ""},
		{"zero", New(0, "USD"), New(0, "USD"), New(0, "USD"), ""},
		{"max", New(math.MaxInt64-1, "JPY"), New(1, "JPY"), New(math.MaxInt64, "JPY"), ""},
		{"min", New(math.MinInt64+1, "JPY"), New(-1, "JPY"), New(math.MinInt64, "JPY"), ""},
		{"currency mismatch", New(1, "JPY"), New(1, "USD"), Money{}, "currency"},
		{"overflow up", New(math.MaxInt64, "JPY"), New(1, "JPY"), Money{}, "overflow"},
		{"overflow down", New(math.MinInt64, "JPY"), New(-1, "JPY"), Money{}, "overflow"},
		{"overflow both big", New(math.MaxInt64/2+1, "JPY"), New(math.MaxInt64/2+1, "JPY"), Money{}, "overflow"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.a.Add(tc.b)
			switch tc.wantErr {
			case "":
				if err != nil || got != tc.want {
					t.Fatalf("%v + %v = %v, %v; want %v", tc.a, tc.b, got, err, tc.want)
				}
			case "overflow":
				if !errors.Is(err, ErrOverflow) {
					t.Fatalf("%v + %v: err %v, want ErrOverflow", tc.a, tc.b, err)
				}
			case "currency":
				if err == nil || errors.Is(err, ErrOverflow) {
					t.Fatalf("%v + %v: err %v, want a currency error", tc.a, tc.b, err)
				}
			}
		})
	}
}

func TestProrate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name           string
		unit           int64
		qty, num, den  int64
		want           int64
		wantErr        bool
		wantErrOveflow bool
	}{
		{"whole period", 540, 10, 31, 31, 5400, false, false},
		{"March 15 to 31", 540, 1, 17, 31, 296, false, false}, // 296.13
		{"half rounds up", 1, 1, 1, 2, 1, false, false},       // 0.5
		{"just under half", 49, 1, 1, 100, 0, false, false},   // 0.49
		{"1.5 rounds to 2", 3, 1, 1, 2, 2, false, false},      // 1.5
		{"2.5 rounds to 3", 5, 1, 1, 2, 3, false, false},      // not banker's
		{"negative half", 1, -1, 1, 2, -1, false, false},      // away from zero
		{"negative 2.5", -5, 1, 1, 2, -3, false, false},       // symmetric
		{"negative 0.49", 49, -1, 1, 100, 0, false, false},    // toward zero
		{"zero days", 540, 10, 0, 31, 0, false, false},        //
		{"zero qty", 540, 0, 10, 31, 0, false, false},         //
		{"den zero", 540, 1, 1, 0, 0, true, false},            //
		{"den negative", 540, 1, 1, -31, 0, true, false},      //
		{"big no overflow", 1e12, 1e6, 366, 366, 1e18, false, false},
		{"big fraction", 1e12, 1e6, 365, 366, 997267759562841530, false, false}, // 1e18·365/366 = …530.05
		{"big negative", 1e12, -1e6, 1, 366, -2732240437158470, false, false},   // …469.95
		{"beyond int64", 1e12, 1e7, 1, 1, 0, true, true},
		{"beyond int64 negative", 1e12, -1e7, 1, 1, 0, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Prorate(New(tc.unit, "JPY"), tc.qty, tc.num, tc.den)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("Prorate = %v, want an error", got)
				}
				if tc.wantErrOveflow != errors.Is(err, ErrOverflow) {
					t.Fatalf("err %v: ErrOverflow %v, want %v", err, errors.Is(err, ErrOverflow), tc.wantErrOveflow)
				}
				return
			}
			if err != nil || got != New(tc.want, "JPY") {
				t.Fatalf("Prorate(%d×%d×%d/%d) = %v, %v; want %d", tc.unit, tc.qty, tc.num, tc.den, got.Amount, err, tc.want)
			}
		})
	}
}

func TestTax(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		base, pct int64
		want      int64
	}{
		{"exact", 54000, 10, 5400},
		{"truncates", 315, 10, 31},
		{"truncates 0.9", 9, 10, 0},
		{"eight percent", 999, 8, 79}, // 79.92
		{"negative truncates toward zero", -315, 10, -31},
		{"zero", 0, 10, 0},
		{"big", math.MaxInt64 / 10, 10, math.MaxInt64 / 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Tax(New(tc.base, "JPY"), tc.pct)
			if err != nil || got != New(tc.want, "JPY") {
				t.Fatalf("Tax(%d at %d%%) = %v, %v; want %d", tc.base, tc.pct, got.Amount, err, tc.want)
			}
		})
	}
	if _, err := Tax(New(math.MaxInt64, "JPY"), 200); !errors.Is(err, ErrOverflow) {
		t.Fatalf("Tax beyond int64: err %v, want ErrOverflow", err)
	}
}

func TestString(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		m    Money
		want string
	}{
		{New(1234, "JPY"), "¥1,234"},
		{New(-500, "JPY"), "-¥500"},
		{New(0, "JPY"), "¥0"},
		{New(999, "JPY"), "¥999"},
		{New(1000, "JPY"), "¥1,000"},
		{New(1234567, "JPY"), "¥1,234,567"},
		{New(1250, "USD"), "USD 12.50"},
		{New(5, "USD"), "USD 0.05"},
		{New(-123456789, "USD"), "-USD 1,234,567.89"},
		{New(0, "USD"), "USD 0.00"},
		{New(math.MaxInt64, "JPY"), "¥9,223,372,036,854,775,807"},
		{New(math.MinInt64, "JPY"), "-¥9,223,372,036,854,775,808"},
		{New(math.MinInt64, "USD"), "-USD 92,233,720,368,547,758.08"},
	} {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.m, got, tc.want)
		}
	}
}

// TestProratePiecesSum: a period split at random days, each piece prorated,
// sums to the full price within one minor unit per piece.
func TestProratePiecesSum(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		days := rapid.Int64Range(1, 366).Draw(t, "days")
		unit := New(rapid.Int64Range(0, 1e9).Draw(t, "unit"), "JPY")
		qty := rapid.Int64Range(-1e4, 1e4).Draw(t, "qty")
		cuts := rapid.SliceOfNDistinct(rapid.Int64Range(1, days), 0, 30, rapid.ID).Draw(t, "cuts")
		full, err := Prorate(unit, qty, days, days)
		if err != nil {
			t.Fatal(err)
		}
		points := append([]int64{0, days}, cuts...)
		slices.Sort(points)
		var sum int64
		pieces := 0
		for i := 1; i < len(points); i++ {
			if points[i] == points[i-1] {
				continue
			}
			p, err := Prorate(unit, qty, points[i]-points[i-1], days)
			if err != nil {
				t.Fatal(err)
			}
			sum += p.Amount
			pieces++
		}
		if diff := sum - full.Amount; diff > int64(pieces) || diff < -int64(pieces) {
			t.Fatalf("%d pieces sum to %d, full price %d: off by %d", pieces, sum, full.Amount, diff)
		}
	})
}

// TestProrateExact: Prorate is the exact quotient rounded half away from
// zero, or ErrOverflow, for any unit up to 10^12, qty up to 10^4, 366 days.
func TestProrateExact(t *testing.T) {
	t.Parallel()
	rapid.Check(t, func(t *rapid.T) {
		unit := rapid.Int64Range(-1e12, 1e12).Draw(t, "unit")
		qty := rapid.Int64Range(-1e4, 1e4).Draw(t, "qty")
		den := rapid.Int64Range(1, 366).Draw(t, "den")
		num := rapid.Int64Range(0, den).Draw(t, "num")
		got, err := Prorate(New(unit, "JPY"), qty, num, den)
		want, fits := bigProrate(unit, qty, num, den)
		if !fits {
			if !errors.Is(err, ErrOverflow) {
				t.Fatalf("got %v, %v; want ErrOverflow", got, err)
			}
			return
		}
		if err != nil || got.Amount != want {
			t.Fatalf("Prorate(%d×%d×%d/%d) = %v, %v; want %d", unit, qty, num, den, got.Amount, err, want)
		}
		neg, err := Prorate(New(-unit, "JPY"), qty, num, den)
		if err != nil || neg.Amount != -got.Amount {
			t.Fatalf("Prorate of -unit = %v, %v; want %d (symmetric)", neg.Amount, err, -got.Amount)
		}
	})
}

// bigProrate is Prorate's rule written plainly with rationals.
func bigProrate(unit, qty, num, den int64) (int64, bool) {
	r := new(big.Rat).SetFrac(new(big.Int).Mul(new(big.Int).Mul(big.NewInt(unit), big.NewInt(qty)), big.NewInt(num)), big.NewInt(den))
	abs := new(big.Rat).Abs(r)
	abs.Add(abs, big.NewRat(1, 2))
	q := new(big.Int).Quo(abs.Num(), abs.Denom()) // floor of |r| + ½
	if r.Sign() < 0 {
		q.Neg(q)
	}
	return q.Int64(), q.IsInt64()
}
