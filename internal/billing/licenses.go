package billing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/tenant"
)

// Licenses is what the license screen shows before any quote (seed 002):
// the contract with its licenses and scheduled change, the billable
// members the count cannot go below, and whether the tenant may change the
// count itself.
type Licenses struct {
	Subscription *Subscription
	Billable     int
	// Refusal says why the tenant cannot change the count itself now and
	// what to do instead (a monthly contract, payment by invoice, a
	// cancellation, …): the error a quote would give. Nil when it can.
	Refusal *errs.Error
}

// Licenses returns the tenant's licenses as the license screen shows them,
// to the super admin and admins with licenses.manage (operators may read
// it). It changes nothing.
func (s *Service) Licenses(ctx context.Context, tenantID string) (*Licenses, error) {
	if _, err := auth.RequireReader(ctx, tenantID, auth.PermLicensesManage); err != nil {
		return nil, err
	}
	l, err := s.licenses(ctx, tenantID)
	if err != nil {
		return nil, fmt.Errorf("licenses: %w", err)
	}
	return l, nil
}

func (s *Service) licenses(ctx context.Context, tenantID string) (*Licenses, error) {
	t, err := s.Store.GetTenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	l := &Licenses{}
	if l.Subscription, err = s.current(ctx, t); err != nil {
		return nil, err
	}
	if l.Billable, err = s.Store.CountBillable(ctx, tenantID); err != nil {
		return nil, err
	}
	l.Refusal, err = s.licenseRefusal(ctx, t, l.Subscription)
	return l, err
}

// licenseRefusal is why t cannot change the license count of sub itself,
// in the order a quote finds it; nil when it can.
func (s *Service) licenseRefusal(ctx context.Context, t *tenant.Tenant, sub *Subscription) (*errs.Error, error) {
	if r := standing(t, sub); r != nil {
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

// WithdrawChange withdraws the change scheduled for the period's end (a
// reduction at renewal, a downgrade): the contract goes on as it is. A
// scheduled license count alone is licenses.manage's to withdraw; any other
// change the super admin's.
func (s *Service) WithdrawChange(ctx context.Context, tenantID string) (*Subscription, error) {
	now := s.Clock.Now()
	var sub *Subscription
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		t, err := s.Store.GetTenant(ctx, tenantID)
		if err != nil {
			return err
		}
		if sub, err = s.current(ctx, t); err != nil {
			return err
		}
		target := sub.Terms
		if sub.Next != nil {
			target = *sub.Next
		}
		if err := s.authorize(ctx, tenantID, sub, target); err != nil {
			return err
		}
		if sub.Version > 0 && s.due(sub, s.today(now)) { // the change took effect already: bill it first
			if _, err := s.renew(auth.System(ctx, "billing run"), tenantID, now); err != nil {
				return err
			}
			if sub, err = s.current(ctx, t); err != nil {
				return err
			}
		}
		if sub.Next == nil {
			return errs.E(errs.FailedPrecondition, "licenses.nothing_scheduled")
		}
		if err := s.refuse(ctx, t, sub); err != nil {
			return err
		}
		before := *sub
		sub.Next = nil
		return s.save(ctx, t, "subscription.changed", &before, sub, now)
	})
	if err != nil {
		return nil, fmt.Errorf("withdraw scheduled change: %w", err)
	}
	return sub, nil
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
