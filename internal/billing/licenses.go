package billing

import (
	"context"
	"errors"
	"time"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/tenant"
)

// licenseRefusal is why t cannot change the license count of sub itself,
// in the order a quote finds it; nil when it can.
func (s *Service) licenseRefusal(ctx context.Context, t *tenant.Tenant, sub *Subscription) (*errs.Error, error) {
	if r := standing(t, sub, false); r != nil {
		return r, nil
	}
	if sub.Contract == Monthly {
		return errs.Field("licenses", "licenses.monthly_contract"), nil
	}
	m, err := s.defaultMethod(ctx, t.ID)
	if errors.Is(err, ErrNoPaymentMethod) {
		r, _ := errs.As(err)
		return r, nil
	}
	if err != nil {
		return nil, err
	}
	return salesOnly(m), nil
}

// salesOnly refuses a license change to a tenant paying by invoice (bank
// transfer): sales makes it, or the tenant pays by card (seed 002). Nil
// for a card.
func salesOnly(m *PaymentMethod) *errs.Error {
	if m.Kind == MethodInvoice {
		return errs.E(errs.FailedPrecondition, "billing.invoice_payer_licenses")
	}
	return nil
}

// licensesChanged tells the vendor's product that the license count in
// effect moved from before to after on the day effective (webhook
// licenses.changed), in the transaction in ctx; quoteID is the applied
// quote, "" when the billing run moved it at a renewal. A change scheduled
// for later tells nothing until it takes effect.
func (s *Service) licensesChanged(ctx context.Context, tenantID string, before, after int, effective time.Time, quoteID string) error {
	if before == after {
		return nil
	}
	data := map[string]any{"tenant_id": tenantID, "before": before, "after": after, "effective": isoDay(effective)}
	if quoteID != "" {
		data["quote_id"] = quoteID
	}
	return s.Notify.Emit(ctx, tenantID, "licenses.changed", data)
}
