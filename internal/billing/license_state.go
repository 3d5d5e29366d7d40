package billing

import (
	"context"
	"fmt"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/tenant"
)

// LicenseState is what a license change starts from (SPEC §6): the
// contract, and the payment method that would pay for the change.
type LicenseState struct {
	Subscription *Subscription
	// Method is the default payment method; nil when there is none.
	Method *PaymentMethod
	// Billable is the billable members: the count cannot go below them.
	Billable int
	// Refusal says why the tenant cannot change the count itself now and
	// what to do instead (a monthly contract, payment by invoice, a
	// cancellation, …): the refusal a quote would give, for a screen to
	// show before any quote. Nil when it can.
	Refusal *errs.Error
}

// LicenseState returns tenantID's contract and default payment method to
// members with licenses.manage (and operators): they change the count
// without reading the rest of billing, which needs tenant.manage.
// Errors: NotFound, PermissionDenied.
func (s *Service) LicenseState(ctx context.Context, tenantID string) (*LicenseState, error) {
	if _, err := auth.RequireReader(ctx, tenantID, auth.PermLicensesManage); err != nil {
		return nil, err
	}
	t, err := s.Store.GetTenant(ctx, tenantID)
	if err != nil {
		return nil, fmt.Errorf("license state: %w", err)
	}
	st := &LicenseState{}
	if st.Subscription, err = s.current(ctx, t); err != nil {
		return nil, fmt.Errorf("license state: %w", err)
	}
	ms, err := s.Store.ListPaymentMethods(ctx, tenantID)
	if err != nil {
		return nil, fmt.Errorf("license state: %w", err)
	}
	for _, m := range ms {
		if m.Default {
			st.Method = m
		}
	}
	if st.Billable, err = s.Store.CountBillable(ctx, tenantID); err != nil {
		return nil, fmt.Errorf("license state: %w", err)
	}
	if st.Refusal, err = s.licenseRefusal(ctx, t, st.Subscription); err != nil {
		return nil, fmt.Errorf("license state: %w", err)
	}
	return st, nil
}

// WithdrawChange withdraws the change scheduled for the period's end
// (fewer licenses, or a downgrade): the contract renews as it is. Fewer
// licenses alone are withdrawn with licenses.manage; a plan or contract
// change only by the super admin. Errors: FailedPrecondition (nothing is
// scheduled, the tenant is closed), Conflict (a change is being paid for),
// PermissionDenied.
func (s *Service) WithdrawChange(ctx context.Context, tenantID string) (*Subscription, error) {
	if _, err := auth.Require(ctx, tenantID, auth.PermLicensesManage); err != nil {
		return nil, err
	}
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
		switch {
		case t.Status != tenant.StatusActive:
			return errs.E(errs.FailedPrecondition, "billing.tenant_closed")
		case sub.Next == nil:
			return errs.E(errs.FailedPrecondition, "billing.nothing_scheduled")
		}
		if err := s.authorize(ctx, t, sub, *sub.Next); err != nil {
			return err
		}
		if err := s.notPaying(ctx, tenantID, errs.E(errs.Conflict, "billing.paying_now")); err != nil {
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
