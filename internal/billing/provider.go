package billing

import (
	"context"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
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

// The reasons a gateway gives for a refused card that Kanri tells apart.
const (
	DeclineCard    = "card_declined"
	DeclineFunds   = "insufficient_funds"
	DeclineExpired = "expired_card"
)

// Declined is a card the gateway refused, with its reason. People read the
// reason from the message catalog, not in the gateway's words.
type Declined struct {
	Code string // DeclineCard, DeclineFunds, DeclineExpired, or another reason of the gateway's
}

func (d *Declined) Error() string { return "card declined: " + d.Code }

// refusal is how people read a refused card: the error of the apply it
// refused (nothing charged, nothing changed), and the reason alone, a
// catalog key, for the mail that tells the billing contact. Reasons Kanri
// does not tell apart read as a plain refusal.
func (d *Declined) refusal() (*errs.Error, i18n.Term) {
	switch d.Code {
	case DeclineFunds:
		return &errs.Error{Kind: errs.Invalid, Field: "payment_method", Code: "billing.card_insufficient_funds", Err: d},
			"billing.decline.insufficient_funds"
	case DeclineExpired:
		return &errs.Error{Kind: errs.Invalid, Field: "payment_method", Code: "billing.card_expired", Err: d},
			"billing.decline.expired_card"
	}
	return &errs.Error{Kind: errs.Invalid, Field: "payment_method", Code: "billing.card_declined", Err: d},
		"billing.decline.card_declined"
}
