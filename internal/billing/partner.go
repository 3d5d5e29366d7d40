package billing

import (
	"context"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/tenant"
)

// SettleForPartner settles t's direct charges up to the day before now (a
// partner switch, SPEC §7), in the caller's transaction, and moves its
// subscription to the partner channel from today: a monthly contract gets
// a final invoice for its segment so far, an annual one a credit note for
// the unused part of its prepaid licenses (of the instalment month on
// annual_monthly); lines kept for a next invoice go on it. It returns what
// was issued, or nil. A credit note to refund is refunded by Refund after
// the commit (the billing run retries). Errors: FailedPrecondition (a
// change being paid for; a cancellation scheduled).
func (s *Service) SettleForPartner(ctx context.Context, t *tenant.Tenant, now time.Time) (*Invoice, error) {
	sub, err := s.current(ctx, t)
	if err != nil {
		return nil, err
	}
	if err := s.notPaying(ctx, t.ID, errs.E(errs.FailedPrecondition, "billing.paying_now")); err != nil {
		return nil, err
	}
	if !sub.CancelAt.IsZero() {
		return nil, errs.E(errs.FailedPrecondition, "billing.partner_switch_canceled", "cancel_at", isoDay(sub.CancelAt))
	}
	if sub.Version == 0 { // the free plan without a contract: nothing billed yet
		return nil, nil
	}
	today := s.today(now)
	lines, err := s.Store.TakePendingLines(ctx, t.ID)
	if err != nil {
		return nil, err
	}
	last, err := s.lastDirect(ctx, t, sub, today)
	if err != nil {
		return nil, err
	}
	if last.Quantity != 0 && last.Amount != 0 {
		lines = append(lines, last)
	}
	before := *sub
	sub.Channel, sub.Version, sub.UpdatedAt = tenant.ChannelPartner, before.Version+1, now
	if err := s.Store.PutPartnerTerms(ctx, t.ID, today, sub.Terms); err != nil {
		return nil, err
	}
	if sub.Contract == Monthly {
		sub.SegmentStart = today
	}
	var inv *Invoice
	err = s.oneChange(ctx, t.ID, func(ctx context.Context) error {
		if err := s.Store.PutSubscription(ctx, sub); err != nil {
			return err
		}
		if err := s.audit(ctx, s.Audit.Event(ctx, now, t.ID, "subscription.channel_changed", "subscription", t.ID, subSnap(&before), subSnap(sub))); err != nil {
			return err
		}
		if len(lines) == 0 {
			return nil
		}
		var err error
		inv, err = s.issue(ctx, t, bill{period: periodKey(sub.PeriodStart, today), reason: "partner switch", lines: lines}, now)
		return err
	})
	return inv, err
}

// lastDirect is the line that settles sub up to the day before today: the
// monthly segment so far, or the credit for the prepaid time from today.
func (s *Service) lastDirect(ctx context.Context, t *tenant.Tenant, sub *Subscription, today time.Time) (Line, error) {
	plan := s.Catalog.Plan(sub.Plan)
	p := pricing{cat: s.Catalog, sub: sub, today: today, lang: t.Language}
	switch {
	case plan.Free:
		return Line{}, nil
	case sub.Contract == Monthly:
		if !sub.SegmentStart.Before(today) {
			return Line{}, nil
		}
		n, err := s.highest(ctx, t.ID, sub.SegmentStart, today)
		if err != nil {
			return Line{}, err
		}
		ms, me := month(sub.PeriodStart)
		return p.line(plan, Monthly, int64(n), sub.SegmentStart, today, ms, me)
	case sub.Contract == AnnualMonthly:
		if !today.Before(sub.PaidThrough) {
			return Line{}, nil
		}
		start, end := instalment(sub.PeriodStart, today)
		return p.line(plan, AnnualMonthly, -int64(sub.Licenses), today, end, start, end)
	}
	return p.line(plan, Annual, -int64(sub.Licenses), today, sub.PeriodEnd, sub.PeriodStart, sub.PeriodEnd)
}

// Refund refunds a credit note that SettleForPartner issued, after its
// commit; a failure is left to the billing run, which retries it.
func (s *Service) Refund(ctx context.Context, inv *Invoice) {
	if inv != nil && inv.Status == InvoiceIssued {
		_ = s.refund(ctx, inv)
	}
}

// byPartner reports whether the actor of ctx is a partner user: one whom
// authorize has let act for its customer.
func byPartner(ctx context.Context) bool {
	a := auth.FromContext(ctx)
	return a != nil && a.Kind == auth.KindPartner
}

// onStatement makes q a change of a partner's customer: nothing is
// invoiced to the tenant nor charged to its card; the partner's wholesale
// statement bills the new terms from the day they take effect (a change
// at once, or one scheduled for the renewal).
func (q *Quote) onStatement() {
	q.Lines, q.Estimate, q.Invoicing = nil, nil, InvoiceNone
	q.Subtotal, q.Taxes, q.Tax, q.Total = 0, nil, 0, 0
}

// DatedTerms are terms from a day on.
type DatedTerms struct {
	From time.Time
	Terms
}

// partnerTerms records next's terms from day on when next is a partner's
// customer whose terms changed.
func (s *Service) partnerTerms(ctx context.Context, before, next *Subscription, day time.Time) error {
	if next.Channel != tenant.ChannelPartner || before.Terms == next.Terms {
		return nil
	}
	return s.Store.PutPartnerTerms(ctx, next.TenantID, day, next.Terms)
}
