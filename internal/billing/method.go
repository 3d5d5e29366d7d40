package billing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
)

// PaymentMethods lists the tenant's payment methods, the default first.
func (s *Service) PaymentMethods(ctx context.Context, tenantID string) ([]*PaymentMethod, error) {
	if _, err := auth.RequireReader(ctx, tenantID, auth.PermTenantManage); err != nil {
		return nil, err
	}
	return s.Store.ListPaymentMethods(ctx, tenantID)
}

// AddCard tokenizes a card with the provider and keeps the token, never
// the number. The first usable method becomes the default.
func (s *Service) AddCard(ctx context.Context, tenantID string, card Card) (*PaymentMethod, error) {
	if _, err := auth.RequireSuperAdmin(ctx, tenantID); err != nil {
		return nil, err
	}
	tok, err := s.Provider.Tokenize(ctx, card)
	var declined *Declined
	if errors.As(err, &declined) { // the gateway's check of the card refused it
		return nil, &errs.Error{Kind: errs.Invalid, Field: "card_number", Code: "billing.card_refused_when_saved", Err: declined}
	}
	if err != nil {
		return nil, fmt.Errorf("add card: %w", err)
	}
	now := s.Clock.Now()
	m := &PaymentMethod{ID: s.IDs.New("pm"), TenantID: tenantID, Kind: MethodCard, Status: MethodActive, Token: tok.Token,
		Brand: tok.Brand, Last4: tok.Last4, ExpMonth: tok.ExpMonth, ExpYear: tok.ExpYear, CreatedAt: now, ApprovedAt: now}
	return m, s.addMethod(ctx, m, now)
}

// RequestInvoicePayment asks for invoice payment (請求書払い), pending until
// an operator approves it for the tenant.
func (s *Service) RequestInvoicePayment(ctx context.Context, tenantID string) (*PaymentMethod, error) {
	if _, err := auth.RequireSuperAdmin(ctx, tenantID); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	m := &PaymentMethod{ID: s.IDs.New("pm"), TenantID: tenantID, Kind: MethodInvoice, Status: MethodPending, CreatedAt: now}
	if err := s.addMethod(ctx, m, now); err != nil {
		if errs.Is(err, errs.Conflict) {
			return nil, errs.E(errs.Conflict, "billing.invoice_payment_requested")
		}
		return nil, err
	}
	return m, nil
}

// addMethod stores a new method, the default when no usable default exists.
func (s *Service) addMethod(ctx context.Context, m *PaymentMethod, now time.Time) error {
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.Store.GetTenant(ctx, m.TenantID); err != nil {
			return err
		}
		if m.Status == MethodActive {
			if err := s.takeDefault(ctx, m); err != nil {
				return err
			}
		}
		if err := s.Store.CreatePaymentMethod(ctx, m); err != nil {
			return err
		}
		if err := s.retryWith(ctx, m, now); err != nil {
			return err
		}
		return s.recordMethod(ctx, now, "payment_method.added", m)
	})
	if err != nil {
		return fmt.Errorf("add payment method: %w", err)
	}
	return nil
}

// takeDefault makes m the default when the tenant has no usable default.
func (s *Service) takeDefault(ctx context.Context, m *PaymentMethod) error {
	ms, err := s.Store.ListPaymentMethods(ctx, m.TenantID)
	if err != nil {
		return err
	}
	for _, o := range ms {
		if o.Default { // only an active method is ever the default
			return nil
		}
	}
	m.Default = true
	return nil
}

// retryWith has the billing run charge the tenant's open card invoices on
// m, when m is the default card: a refused card's invoices wait for one.
func (s *Service) retryWith(ctx context.Context, m *PaymentMethod, now time.Time) error {
	if !m.Default || m.Kind != MethodCard {
		return nil
	}
	return s.Store.RetryOpenInvoices(ctx, m.TenantID, now)
}

// SetDefault makes one of the tenant's active methods the default.
func (s *Service) SetDefault(ctx context.Context, tenantID, methodID string) (*PaymentMethod, error) {
	if _, err := auth.RequireSuperAdmin(ctx, tenantID); err != nil {
		return nil, err
	}
	var m *PaymentMethod
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if m, err = s.Store.GetPaymentMethod(ctx, tenantID, methodID); err != nil {
			return err
		}
		if m.Status != MethodActive {
			return errs.E(errs.FailedPrecondition, "billing.invoice_payment_not_approved")
		}
		ms, err := s.Store.ListPaymentMethods(ctx, tenantID)
		if err != nil {
			return err
		}
		for _, o := range ms {
			if o.Default && o.ID != m.ID {
				o.Default = false
				if err := s.Store.UpdatePaymentMethod(ctx, o); err != nil {
					return err
				}
			}
		}
		m.Default = true
		if err := s.Store.UpdatePaymentMethod(ctx, m); err != nil {
			return err
		}
		if err := s.retryWith(ctx, m, s.Clock.Now()); err != nil {
			return err
		}
		return s.recordMethod(ctx, s.Clock.Now(), "payment_method.default_set", m)
	})
	if err != nil {
		return nil, fmt.Errorf("set default payment method: %w", err)
	}
	return m, nil
}

// RemoveMethod removes a payment method; a paid subscription's only usable
// method stays (add another first), and a removed default hands over.
func (s *Service) RemoveMethod(ctx context.Context, tenantID, methodID string) error {
	if _, err := auth.RequireSuperAdmin(ctx, tenantID); err != nil {
		return err
	}
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		t, err := s.Store.GetTenant(ctx, tenantID)
		if err != nil {
			return err
		}
		m, err := s.Store.GetPaymentMethod(ctx, tenantID, methodID)
		if err != nil {
			return err
		}
		if err := s.notPaying(ctx, tenantID, errs.E(errs.Conflict, "billing.method_in_use")); err != nil {
			return err
		}
		sub, err := s.current(ctx, t)
		if err != nil {
			return err
		}
		ms, err := s.Store.ListPaymentMethods(ctx, tenantID)
		if err != nil {
			return err
		}
		var heir *PaymentMethod
		for _, o := range ms {
			if o.ID != m.ID && o.Status == MethodActive && heir == nil {
				heir = o
			}
		}
		if heir == nil && m.Status == MethodActive && !s.Catalog.Plan(sub.Plan).Free && sub.Status != StatusCanceled {
			return errs.E(errs.FailedPrecondition, "billing.method_last")
		}
		if err := s.Store.DeletePaymentMethod(ctx, tenantID, methodID); err != nil {
			return err
		}
		if m.Default && heir != nil {
			heir.Default = true
			if err := s.Store.UpdatePaymentMethod(ctx, heir); err != nil {
				return err
			}
		}
		return s.recordMethod(ctx, s.Clock.Now(), "payment_method.removed", m)
	})
	if err != nil {
		return fmt.Errorf("remove payment method: %w", err)
	}
	return nil
}

// ApproveInvoicePayment is an operator's approval of a tenant's request
// for invoice payment; it becomes the default when no card is.
func (s *Service) ApproveInvoicePayment(ctx context.Context, tenantID, methodID string) (*PaymentMethod, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, err
	}
	var m *PaymentMethod
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if m, err = s.Store.GetPaymentMethod(ctx, tenantID, methodID); err != nil {
			return err
		}
		if m.Kind != MethodInvoice || m.Status != MethodPending {
			return errs.E(errs.FailedPrecondition, "billing.approve_not_pending")
		}
		now := s.Clock.Now()
		m.Status, m.ApprovedAt = MethodActive, now
		if err := s.takeDefault(ctx, m); err != nil {
			return err
		}
		if err := s.Store.UpdatePaymentMethod(ctx, m); err != nil {
			return err
		}
		return s.recordMethod(ctx, now, "payment_method.approved", m)
	})
	if err != nil {
		return nil, fmt.Errorf("approve invoice payment: %w", err)
	}
	return m, nil
}

// recordMethod writes the audit event of a payment-method change.
func (s *Service) recordMethod(ctx context.Context, now time.Time, action string, m *PaymentMethod) error {
	snap := map[string]any{"id": m.ID, "kind": m.Kind, "status": m.Status, "default": m.Default, "brand": m.Brand, "last4": m.Last4}
	return s.audit(ctx, s.Audit.Event(ctx, now, m.TenantID, action, "payment_method", m.ID, nil, snap))
}
