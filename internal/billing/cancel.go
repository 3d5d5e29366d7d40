package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/tenant"
)

// Cancel cancels the contract (解約) at the end of the paid period; it can
// be withdrawn until then. Then the tenant is closed: no one signs in, and
// its data goes after the retention period, its invoices excepted. A
// tenant on the free plan has no paid period: it closes at once.
func (s *Service) Cancel(ctx context.Context, tenantID string) (*Subscription, error) {
	return s.cancellation(ctx, tenantID, func(ctx context.Context, t *tenant.Tenant, sub *Subscription, now time.Time) error {
		if !sub.CancelAt.IsZero() {
			return errs.E(errs.Conflict, "billing.already_canceled", "cancel_at", isoDay(sub.CancelAt))
		}
		before := *sub
		if sub.Version == 0 || s.Catalog.Plan(sub.Plan).Free {
			sub.Status, sub.CancelAt = StatusCanceled, s.today(now)
			return s.close(ctx, t, &before, sub, now)
		}
		sub.CancelAt, sub.Next = sub.PeriodEnd, nil
		return s.save(ctx, t, "subscription.canceled", &before, sub, now)
	})
}

// Withdraw withdraws a scheduled cancellation.
func (s *Service) Withdraw(ctx context.Context, tenantID string) (*Subscription, error) {
	return s.cancellation(ctx, tenantID, func(ctx context.Context, t *tenant.Tenant, sub *Subscription, now time.Time) error {
		if sub.CancelAt.IsZero() {
			return errs.E(errs.FailedPrecondition, "billing.not_canceled")
		}
		before := *sub
		sub.CancelAt = time.Time{}
		return s.save(ctx, t, "subscription.cancel_withdrawn", &before, sub, now)
	})
}

// cancellation runs a super admin's change of the cancellation.
func (s *Service) cancellation(ctx context.Context, tenantID string, fn func(context.Context, *tenant.Tenant, *Subscription, time.Time) error) (*Subscription, error) {
	if _, err := auth.RequireSuperAdmin(ctx, tenantID); err != nil {
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
		if t.Status != tenant.StatusActive {
			return errs.E(errs.FailedPrecondition, "billing.tenant_closed")
		}
		if sub.Channel == tenant.ChannelPartner {
			return errs.E(errs.FailedPrecondition, "billing.partner_cancels")
		}
		if err := s.notPaying(ctx, tenantID, errs.E(errs.Conflict, "billing.paying_now")); err != nil {
			return err
		}
		return fn(ctx, t, sub, now)
	})
	if err != nil {
		return nil, fmt.Errorf("cancellation: %w", err)
	}
	return sub, nil
}

// save stores a subscription change and records it.
func (s *Service) save(ctx context.Context, t *tenant.Tenant, action string, before, sub *Subscription, now time.Time) error {
	sub.Version, sub.UpdatedAt = before.Version+1, now
	if err := s.Store.PutSubscription(ctx, sub); err != nil {
		return err
	}
	return s.changed(ctx, t, now, action, before, sub)
}

// close ends a canceled contract: the tenant is closed, everyone signed
// out, and its data is kept for the retention period.
func (s *Service) close(ctx context.Context, t *tenant.Tenant, before, sub *Subscription, now time.Time) error {
	if sub.Version > 0 {
		sub.Version, sub.UpdatedAt = before.Version+1, now
		if err := s.Store.PutSubscription(ctx, sub); err != nil {
			return err
		}
	}
	t.Status, t.UpdatedAt = tenant.StatusClosed, now
	if err := s.Store.UpdateTenant(ctx, t); err != nil {
		return err
	}
	if _, err := s.Store.RevokeTenantSessions(ctx, t.ID, now); err != nil {
		return err
	}
	if err := s.Store.PutClosure(ctx, &Closure{TenantID: t.ID, ClosedAt: now, PurgeAfter: now.Add(s.Retention)}); err != nil {
		return err
	}
	return s.changed(ctx, t, now, "subscription.canceled", before, sub)
}

// seats is how many billable members terms allow (0: no limit), and how
// to get more.
type seats struct {
	max int
	fix i18n.Term
}

// SeatLimit returns the tenant's member limit (0: none) and what to do to
// have more: the licenses of an annual contract, or the plan's member
// limit (the free plan's 30). Licenses that follow the members are no
// limit: FollowMembers adds them. It is a member.Limit, and reads in the
// caller's transaction, which holds the tenant.
func (s *Service) SeatLimit(ctx context.Context, tenantID string) (int, i18n.Term, error) {
	sub, err := s.current(ctx, &tenant.Tenant{ID: tenantID})
	if err != nil {
		return 0, "", err
	}
	var limit seats
	if !s.following(sub) {
		limit = s.seats(sub.Terms)
	}
	// A change being paid for binds too: its licenses were counted (where
	// they follow the members, FollowMembers refuses to count more).
	qs, err := s.Store.ApplyingQuotes(ctx, tenantID)
	for _, q := range qs {
		if l := s.seats(q.To); l.max > 0 && (limit.max == 0 || l.max < limit.max) && !s.follows(sub.Channel, q.To) {
			limit = l
		}
	}
	return limit.max, limit.fix, err
}

// seats is the member limit of terms.
func (s *Service) seats(terms Terms) seats {
	plan := s.Catalog.Plan(terms.Plan)
	switch {
	case terms.Contract != Monthly:
		return seats{terms.Licenses, member.FixAddLicenses}
	case plan.MemberLimit > 0:
		return seats{plan.MemberLimit, member.FixUpgradePlan}
	}
	return seats{}
}
