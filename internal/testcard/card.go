package testcard

import (
	"strings"
	"time"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
)

// checkCard returns card's number without spaces or hyphens, or an Invalid
// error naming the first field to fix. A card is good through the last day
// of its expiry month, in UTC.
func checkCard(card billing.Card, now time.Time) (string, error) {
	number := strings.NewReplacer(" ", "", "-", "").Replace(card.Number)
	if len(number) < 12 || len(number) > 19 || !digitsOnly(number) || !luhn(number) {
		return "", errs.Field("card_number", "billing.card_number_invalid")
	}
	if card.ExpMonth < 1 || card.ExpMonth > 12 {
		return "", errs.Field("exp_month", "billing.card_exp_month_invalid")
	}
	if card.ExpYear < 1000 {
		return "", errs.Field("exp_year", "billing.card_exp_year_invalid")
	}
	now = now.UTC()
	if card.ExpYear < now.Year() || card.ExpYear == now.Year() && card.ExpMonth < int(now.Month()) {
		return "", errs.Field("exp_year", "billing.card_expiry_past")
	}
	if n := len(card.CVC); n < 3 || n > 4 || !digitsOnly(card.CVC) {
		return "", errs.Field("cvc", "billing.card_cvc_invalid")
	}
	return number, nil
}

// luhn reports whether the digits pass the Luhn check: every second digit
// from the right doubled, the digits' sum a multiple of 10.
func luhn(digits string) bool {
	sum := 0
	for i := range len(digits) {
		d := int(digits[len(digits)-1-i] - '0')
		if i%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// brand names the card network from the number's prefix.
func brand(number string) string {
	p2, p4 := atoi(number[:2]), atoi(number[:4])
	switch {
	case number[0] == '4':
		return "visa"
	case p2 >= 51 && p2 <= 55, p4 >= 2221 && p4 <= 2720:
		return "mastercard"
	case p2 == 34, p2 == 37:
		return "amex"
	case p2 == 35:
		return "jcb"
	}
	return "card"
}

// atoi reads a string of digits; callers have checked digitsOnly.
func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// digitsOnly reports whether s is one or more ASCII digits.
func digitsOnly(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
