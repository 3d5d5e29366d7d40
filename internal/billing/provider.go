package billing

import (
	"context"

	"github.com/kanri/kanri/internal/money"
)

// Card is what a person types into a card form. Kanri passes it to the
// provider once and keeps only the token, the brand, the last 4 digits and
// the expiry.
type Card struct {
	Number   string
	ExpMonth int
	ExpYear  int
	CVC      string
}

// CardToken is a provider's handle on a card.
type CardToken struct {
	Token    string
	Brand    string
	Last4    string
	ExpMonth int
	ExpYear  int
}

// Provider is a card payment gateway.
type Provider interface {
	// Tokenize checks card and returns its token. Errors: Invalid (a wrong
	// number, an expiry in the past), naming the field.
	Tokenize(ctx context.Context, card Card) (CardToken, error)
	// Charge takes amount from the card behind token and returns the charge
	// id. Calls with the same key charge once and return the same id.
	// Errors: *Declined when the card is refused; any other error means the
	// gateway could not be reached (retry with the same key).
	Charge(ctx context.Context, token string, amount money.Money, key string) (string, error)
	// Refund returns amount of a charge and returns the refund id; the same
	// key refunds once.
	Refund(ctx context.Context, chargeID string, amount money.Money, key string) (string, error)
}

// Declined is a card the gateway refused, with its reason.
type Declined struct {
	Code    string // card_declined, insufficient_funds, expired_card
	Message string // for people: what happened and what to do
}

func (d *Declined) Error() string { return d.Message }
