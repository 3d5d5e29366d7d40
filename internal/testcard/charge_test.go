package testcard_test

import (
	"context"
	"errors"
	"regexp"
	"testing"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/money"
	"github.com/kanri/kanri/internal/testcard"
)

func token(t *testing.T, p *testcard.Provider, number string) string {
	t.Helper()
	tok, err := p.Tokenize(context.Background(), card(number))
	if err != nil {
		t.Fatalf("Tokenize(%s): %v", number, err)
	}
	return tok.Token
}

func TestChargeIdempotent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, other := newProvider(), newProvider() // two serve instances
	tok := token(t, p, testcard.Visa)
	first, err := p.Charge(ctx, tok, yen, "inv_1/attempt")
	if err != nil {
		t.Fatalf("Charge: %v", err)
	}
	if !regexp.MustCompile(`^ch_test_[0-9a-f]{24}$`).MatchString(first) {
		t.Errorf("charge id = %q, want ch_test_ and 24 hex digits", first)
	}
	// A retry with the same key, on another instance, with another token of
	// the same card, returns the same id.
	retry, err := other.Charge(ctx, token(t, other, testcard.Visa), yen, "inv_1/attempt")
	if err != nil || retry != first {
		t.Errorf("retried Charge = %q, %v; want %q", retry, err, first)
	}
	ids := map[string]string{first: "inv_1/attempt"}
	for _, key := range []string{"inv_2/attempt", "inv_1/attempt ", "INV_1/attempt", "x"} {
		id, err := p.Charge(ctx, tok, yen, key)
		if err != nil {
			t.Fatalf("Charge(%q): %v", key, err)
		}
		if k, dup := ids[id]; dup {
			t.Errorf("keys %q and %q both give charge id %s", k, key, id)
		}
		ids[id] = key
	}
}

func TestChargeRefused(t *testing.T) {
	t.Parallel()
	p := newProvider()
	good := token(t, p, testcard.Visa)
	tests := []struct {
		name, token string
		amount      money.Money
		key         string
	}{
		{"empty token", "", yen, "k"},
		{"live token", "tok_live_ok_4242_abc", yen, "k"},
		{"another gateway's token", "pm_1NXyz", yen, "k"},
		{"unknown outcome", "tok_test_rich_4242_abcdefgh", yen, "k"},
		{"short last4", "tok_test_ok_424_abcdefgh", yen, "k"},
		{"no random", "tok_test_ok_4242_", yen, "k"},
		{"extra field", "tok_test_ok_4242_abc_def", yen, "k"},
		{"zero amount", good, money.New(0, "JPY"), "k"},
		{"negative amount", good, money.New(-100, "JPY"), "k"},
		{"unknown currency", good, money.New(100, "XYZ"), "k"},
		{"no key", good, yen, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id, err := p.Charge(context.Background(), tt.token, tt.amount, tt.key)
			if err == nil {
				t.Fatalf("Charge = %q, want an error", id)
			}
			if d := (*billing.Declined)(nil); errors.As(err, &d) {
				t.Errorf("Charge error = %v, want a plain error, not a decline", err)
			}
		})
	}
}

func TestChargeCanceled(t *testing.T) {
	t.Parallel()
	p := newProvider()
	tok := token(t, p, testcard.Visa)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if id, err := p.Charge(ctx, tok, yen, "k"); err == nil {
		t.Errorf("Charge on a canceled context = %q, want an error", id)
	}
}

func TestRefund(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := newProvider()
	charge, err := p.Charge(ctx, token(t, p, testcard.Mastercard), yen, "inv_1")
	if err != nil {
		t.Fatalf("Charge: %v", err)
	}
	first, err := p.Refund(ctx, charge, yen, "cn_1")
	if err != nil {
		t.Fatalf("Refund: %v", err)
	}
	if !regexp.MustCompile(`^re_test_[0-9a-f]{24}$`).MatchString(first) {
		t.Errorf("refund id = %q, want re_test_ and 24 hex digits", first)
	}
	if again, err := p.Refund(ctx, charge, yen, "cn_1"); err != nil || again != first {
		t.Errorf("retried Refund = %q, %v; want %q", again, err, first)
	}
	if second, err := p.Refund(ctx, charge, money.New(100, "JPY"), "cn_2"); err != nil || second == first {
		t.Errorf("Refund with another key = %q, %v; want a new id", second, err)
	}

	refused := []struct {
		name, id string
		amount   money.Money
		key      string
	}{
		{"another gateway's charge", "ch_3NXyz", yen, "k"},
		{"live charge", "ch_live_" + charge[len("ch_test_"):], yen, "k"},
		{"malformed test charge", "ch_test_nothex", yen, "k"},
		{"empty id", "", yen, "k"},
		{"zero amount", charge, money.New(0, "JPY"), "k"},
		{"no key", charge, yen, ""},
	}
	for _, tt := range refused {
		if id, err := p.Refund(ctx, tt.id, tt.amount, tt.key); err == nil {
			t.Errorf("%s: Refund = %q, want an error", tt.name, id)
		}
	}
}

func FuzzTokenize(f *testing.F) {
	for _, n := range []string{testcard.Visa, testcard.ChargeFails, "4242 4242-4242 4242", "", "0000000000000"} {
		f.Add(n, "123")
	}
	p := newProvider()
	f.Fuzz(func(t *testing.T, number, cvc string) {
		c := card(number)
		c.CVC = cvc
		tok, err := p.Tokenize(context.Background(), c)
		if err != nil {
			return
		}
		if len(number) >= 12 && regexp.MustCompile(`[0-9]{12}`).MatchString(tok.Token) {
			t.Errorf("token %q carries more than the last 4 digits", tok.Token)
		}
		if _, err := p.Charge(context.Background(), tok.Token, yen, "k"); err != nil {
			if d := (*billing.Declined)(nil); !errors.As(err, &d) {
				t.Errorf("Charge(own token %q): %v", tok.Token, err)
			}
		}
	})
}
