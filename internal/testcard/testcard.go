// Package testcard is a card payment gateway in test mode, like a real
// gateway's test cards: it checks and tokenizes cards and answers charges
// and refunds without an account or a network, so the whole product can be
// tried end to end.
//
// It keeps no state, because many `kanri serve` instances share nothing but
// the database: a token carries its card's outcome and public details, and
// charge and refund ids are derived from the idempotency key, so a retry on
// any instance returns the same id.
//
// The test card numbers (any future expiry, any 3- or 4-digit CVC):
//
//	4242424242424242  visa        charges succeed
//	5555555555554444  mastercard  charges succeed
//	3530111333300000  jcb         charges succeed
//	4000000000000002  visa        refused when saved, as a real gateway's card check does: card_declined
//	4000000000009995  visa        charges declined: insufficient_funds
//	4000000000000069  visa        charges declined: expired_card
//	4000000000000341  visa        tokenizes; every charge declined: card_declined
//
// Any other number that passes the Luhn check tokenizes and its charges
// succeed.
package testcard

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/clock"
	"github.com/kanri/kanri/internal/money"
)

// The test card numbers; the package doc says what each does.
const (
	Visa              = "4242424242424242"
	Mastercard        = "5555555555554444"
	JCB               = "3530111333300000"
	Declined          = "4000000000000002"
	InsufficientFunds = "4000000000009995"
	ExpiredCard       = "4000000000000069"
	ChargeFails       = "4000000000000341"
)

// outcome is what charges on a card do; it is a token's second field, so it
// must not contain an underscore.
type outcome string

const (
	succeed       outcome = "ok"
	decline       outcome = "declined"
	noFunds       outcome = "nofunds"
	expired       outcome = "expired"
	alwaysDecline outcome = "chargefail"
)

// outcomeOf returns what charges on the card number do.
func outcomeOf(number string) outcome {
	switch number {
	case Declined:
		return decline
	case InsufficientFunds:
		return noFunds
	case ExpiredCard:
		return expired
	case ChargeFails:
		return alwaysDecline
	}
	return succeed
}

// declined returns the refusal for o, or nil when charges succeed.
func (o outcome) declined() *billing.Declined {
	switch o {
	case decline, alwaysDecline:
		return &billing.Declined{Code: billing.DeclineCard}
	case noFunds:
		return &billing.Declined{Code: billing.DeclineFunds}
	case expired:
		return &billing.Declined{Code: billing.DeclineExpired}
	}
	return nil
}

// known reports whether o is one of the outcomes a token can carry.
func (o outcome) known() bool {
	switch o {
	case succeed, decline, noFunds, expired, alwaysDecline:
		return true
	}
	return false
}

// The id prefixes; ids that lack them are not this gateway's.
const (
	tokenPrefix  = "tok_test_"
	chargePrefix = "ch_test_"
	refundPrefix = "re_test_"
	hashLen      = 24 // hex digits of SHA-256(key) in a charge or refund id
)

// Provider is the test-mode gateway. Clock decides which expiry dates are in
// the past; it must be set. The zero Provider with a Clock is ready to use
// and safe for concurrent use.
type Provider struct {
	Clock clock.Clock
}

// New returns a Provider that reads the time from c.
func New(c clock.Clock) *Provider { return &Provider{Clock: c} }

var _ billing.Provider = (*Provider)(nil)

// Tokenize checks card and returns a token of the form
// tok_test_<outcome>_<last4>_<random>: never the full number. Errors:
// Invalid, naming the field (card_number, exp_month, exp_year, cvc).
func (p *Provider) Tokenize(ctx context.Context, card billing.Card) (billing.CardToken, error) {
	if err := ctx.Err(); err != nil {
		return billing.CardToken{}, err
	}
	number, err := checkCard(card, p.Clock.Now())
	if err != nil {
		return billing.CardToken{}, err
	}
	if number == Declined {
		return billing.CardToken{}, &billing.Declined{Code: billing.DeclineCard}
	}
	last4 := number[len(number)-4:]
	random := strings.ToLower(rand.Text())
	return billing.CardToken{
		Token:    tokenPrefix + string(outcomeOf(number)) + "_" + last4 + "_" + random,
		Brand:    brand(number),
		Last4:    last4,
		ExpMonth: card.ExpMonth,
		ExpYear:  card.ExpYear,
	}, nil
}

// Charge takes amount from the card behind token. The charge id is derived
// from key alone, so a retry with the same key returns the same id, as a
// real gateway's idempotency key does. Errors: *billing.Declined for the
// declining test cards; ctx's error; a plain error for a token that is not this
// gateway's, an amount that is not positive or an empty key.
func (p *Provider) Charge(ctx context.Context, token string, amount money.Money, key string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	o, err := parseToken(token)
	if err != nil {
		return "", err
	}
	if err := checkAmount(amount, key); err != nil {
		return "", fmt.Errorf("charge: %w", err)
	}
	if d := o.declined(); d != nil {
		return "", d
	}
	return chargePrefix + keyHash(key), nil
}

// Refund returns amount of the charge chargeID; the refund id is derived
// from key, so the same key refunds once. Errors: a plain error for a
// charge id that is not this gateway's, an amount that is not positive or
// an empty key.
func (p *Provider) Refund(ctx context.Context, chargeID string, amount money.Money, key string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	h, ok := strings.CutPrefix(chargeID, chargePrefix)
	if !ok || len(h) != hashLen || !isHex(h) {
		return "", fmt.Errorf("refund: %q is not a test-mode charge id (ch_test_…)", chargeID)
	}
	if err := checkAmount(amount, key); err != nil {
		return "", fmt.Errorf("refund: %w", err)
	}
	return refundPrefix + keyHash(key), nil
}

// parseToken returns the outcome a token of ours carries.
func parseToken(token string) (outcome, error) {
	notOurs := errors.New("charge: the token is not a test-mode card token (tok_test_…)")
	rest, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return "", notOurs
	}
	parts := strings.Split(rest, "_")
	if len(parts) != 3 || !outcome(parts[0]).known() || len(parts[1]) != 4 ||
		!digitsOnly(parts[1]) || parts[2] == "" {
		return "", notOurs
	}
	return outcome(parts[0]), nil
}

// checkAmount refuses what a real gateway refuses before it looks at the card.
func checkAmount(amount money.Money, key string) error {
	switch {
	case amount.Amount <= 0:
		return fmt.Errorf("the amount must be positive, not %d", amount.Amount)
	case !money.Supported(amount.Currency):
		return fmt.Errorf("unsupported currency %q", amount.Currency)
	case key == "":
		return errors.New("an idempotency key is required")
	}
	return nil
}

// keyHash returns the first hashLen hex digits of SHA-256(key).
func keyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])[:hashLen]
}

// isHex reports whether s is lower-case hex, as keyHash writes it.
func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}
