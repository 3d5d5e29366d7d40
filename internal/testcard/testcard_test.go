package testcard_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/clock/clocktest"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/money"
	"github.com/kanri/kanri/internal/testcard"
)

var yen = money.New(1100, "JPY")

func newProvider() *testcard.Provider {
	return testcard.New(clocktest.New(time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)))
}

func card(number string) billing.Card {
	return billing.Card{Number: number, ExpMonth: 12, ExpYear: 2030, CVC: "123"}
}

func TestTestCards(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, number, brand, last4, decline string // decline: "" when charges succeed
	}{
		{"visa", testcard.Visa, "visa", "4242", ""},
		{"mastercard", testcard.Mastercard, "mastercard", "4444", ""},
		{"jcb", testcard.JCB, "jcb", "0000", ""},
		{"insufficient funds", testcard.InsufficientFunds, "visa", "9995", "insufficient_funds"},
		{"expired at charge", testcard.ExpiredCard, "visa", "0069", "expired_card"},
		{"charge fails", testcard.ChargeFails, "visa", "0341", "card_declined"},
		{"other luhn-valid visa", "4111111111111111", "visa", "1111", ""},
		{"spaces", "4242 4242 4242 4242", "visa", "4242", ""},
		{"hyphens", "5555-5555-5555-4444", "mastercard", "4444", ""},
		{"mastercard 2-series", "2223003122003222", "mastercard", "3222", ""},
		{"amex", "378282246310005", "amex", "0005", ""},
		{"amex 34", "340000000000009", "amex", "0009", ""},
		{"other brand", "6011111111111117", "card", "1117", ""},
		{"12 digits", "000000000000", "card", "0000", ""},
		{"19 digits", "4000000000000000006", "visa", "0006", ""},
	}
	p := newProvider()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			c := card(tt.number)
			tok, err := p.Tokenize(ctx, c)
			if err != nil {
				t.Fatalf("Tokenize: %v", err)
			}
			want := billing.CardToken{Token: tok.Token, Brand: tt.brand, Last4: tt.last4, ExpMonth: 12, ExpYear: 2030}
			if diff := cmp.Diff(want, tok); diff != "" {
				t.Errorf("Tokenize (-want +got):\n%s", diff)
			}
			id, err := p.Charge(ctx, tok.Token, yen, "key-"+tt.name)
			var d *billing.Declined
			switch {
			case tt.decline == "" && err != nil:
				t.Fatalf("Charge: %v, want success", err)
			case tt.decline == "" && !strings.HasPrefix(id, "ch_test_"):
				t.Errorf("Charge id = %q, want ch_test_…", id)
			case tt.decline != "" && !errors.As(err, &d):
				t.Fatalf("Charge = %q, %v; want *billing.Declined %s", id, err, tt.decline)
			case tt.decline != "" && d.Code != tt.decline:
				t.Errorf("Declined.Code = %q, want %q", d.Code, tt.decline)
			case tt.decline != "" && id != "":
				t.Errorf("Charge = %q, %v; want no id", id, err)
			}
		})
	}
}

func TestTokenizeInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edit  func(*billing.Card)
		field string
		msg   string
		ja    string // what a Japanese admin reads
	}{
		{"luhn failure", func(c *billing.Card) { c.Number = "4242424242424241" }, "card_number", "the card number is not valid: check the digits", "カード番号が正しくありません。番号をご確認ください。"},
		{"luhn failure one digit swapped", func(c *billing.Card) { c.Number = "4242424242424224" }, "card_number", "the card number is not valid: check the digits", "カード番号が正しくありません。番号をご確認ください。"},
		{"too short", func(c *billing.Card) { c.Number = "42424242426" }, "card_number", "the card number is not valid: check the digits", "カード番号が正しくありません。番号をご確認ください。"},
		{"too long", func(c *billing.Card) { c.Number = "42424242424242424242" }, "card_number", "the card number is not valid: check the digits", "カード番号が正しくありません。番号をご確認ください。"},
		{"letters", func(c *billing.Card) { c.Number = "4242x42424242424" }, "card_number", "the card number is not valid: check the digits", "カード番号が正しくありません。番号をご確認ください。"},
		{"empty", func(c *billing.Card) { c.Number = "" }, "card_number", "the card number is not valid: check the digits", "カード番号が正しくありません。番号をご確認ください。"},
		{"month 0", func(c *billing.Card) { c.ExpMonth = 0 }, "exp_month", "the expiry month must be 1 to 12", "有効期限の月は1〜12で入力してください。"},
		{"month 13", func(c *billing.Card) { c.ExpMonth = 13 }, "exp_month", "the expiry month must be 1 to 12", "有効期限の月は1〜12で入力してください。"},
		{"expired last month", func(c *billing.Card) { c.ExpMonth, c.ExpYear = 5, 2026 }, "exp_year", "the card has expired: use another card", "このカードは有効期限が切れています。別のカードを登録してください。"},
		{"expired last year", func(c *billing.Card) { c.ExpMonth, c.ExpYear = 12, 2025 }, "exp_year", "the card has expired: use another card", "このカードは有効期限が切れています。別のカードを登録してください。"},
		{"two-digit year", func(c *billing.Card) { c.ExpYear = 30 }, "exp_year", "the expiry year must have 4 digits, e.g. 2030", "有効期限の年は4桁で入力してください(例: 2030)。"},
		{"cvc too short", func(c *billing.Card) { c.CVC = "12" }, "cvc", "the security code (CVC) must be 3 or 4 digits", "セキュリティコードは3桁または4桁の数字で入力してください。"},
		{"cvc too long", func(c *billing.Card) { c.CVC = "12345" }, "cvc", "the security code (CVC) must be 3 or 4 digits", "セキュリティコードは3桁または4桁の数字で入力してください。"},
		{"cvc letters", func(c *billing.Card) { c.CVC = "12a" }, "cvc", "the security code (CVC) must be 3 or 4 digits", "セキュリティコードは3桁または4桁の数字で入力してください。"},
	}
	p := newProvider()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := card(testcard.Visa)
			tt.edit(&c)
			tok, err := p.Tokenize(context.Background(), c)
			e, ok := errs.As(err)
			if !ok {
				t.Fatalf("Tokenize = %+v, %v; want an errs.Error", tok, err)
			}
			type problem struct {
				Kind               errs.Kind
				Field, Message, Ja string
			}
			got := problem{e.Kind, e.Field, e.Message("en"), e.Message("ja")}
			want := problem{errs.Invalid, tt.field, tt.msg, tt.ja}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExpiryThisMonth(t *testing.T) {
	t.Parallel()
	c := card(testcard.Visa)
	c.ExpMonth, c.ExpYear, c.CVC = 6, 2026, "1234"
	if _, err := newProvider().Tokenize(context.Background(), c); err != nil {
		t.Errorf("a card expiring this month: %v, want it accepted", err)
	}
}

func TestTokenHidesNumber(t *testing.T) {
	t.Parallel()
	p := newProvider()
	numbers := []string{testcard.Visa, testcard.Mastercard, testcard.JCB,
		testcard.InsufficientFunds, testcard.ExpiredCard, testcard.ChargeFails, "4111 1111 1111 1111"}
	shape := regexp.MustCompile(`^tok_test_[a-z]+_[0-9]{4}_[a-z2-7]{26}$`)
	seen := map[string]bool{}
	for _, n := range numbers {
		tok, err := p.Tokenize(context.Background(), card(n))
		if err != nil {
			t.Fatalf("Tokenize(%s): %v", n, err)
		}
		digits := strings.ReplaceAll(n, " ", "")
		if strings.Contains(tok.Token, digits) || strings.Contains(tok.Token, digits[:12]) {
			t.Errorf("token %q contains the card number %s", tok.Token, n)
		}
		if !shape.MatchString(tok.Token) {
			t.Errorf("token %q, want tok_test_<outcome>_<last4>_<random>", tok.Token)
		}
		again, _ := p.Tokenize(context.Background(), card(n))
		if seen[tok.Token] || tok.Token == again.Token {
			t.Errorf("token %q repeats, want a random part", tok.Token)
		}
		seen[tok.Token] = true
	}
}

// TestDeclinedWhenSaved: the always-declined card is refused when it is
// tokenized, as a real gateway's check of a card being saved refuses it.
func TestDeclinedWhenSaved(t *testing.T) {
	t.Parallel()
	_, err := newProvider().Tokenize(context.Background(), card(testcard.Declined))
	var d *billing.Declined
	if !errors.As(err, &d) || d.Code != billing.DeclineCard {
		t.Fatalf("Tokenize(%s) = %v, want *billing.Declined card_declined", testcard.Declined, err)
	}
}
