package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/money"
	"github.com/kanri/kanri/internal/tenant"
)

// SettleJobKind is the outbox kind of the job that charges the invoice, or
// refunds the credit note, of a member change (FollowMembers) right after
// the change commits.
const SettleJobKind = "billing_settle"

// FollowMembers moves the licenses of a contract whose licenses follow the
// members (SPEC §3: a plan in all_employees mode, on an annual contract)
// to count, the tenant's billable members after a change, and bills it as
// a license change to count would be. Licenses added are prorated to the
// end of the term (or of the instalment month) on an invoice issued now
// and charged to the card right after the commit, or on the next regular
// invoice, per the plan's proration_invoicing. Licenses removed go at the
// renewal or with a credit note now, per its reduction policy; while they
// wait for the renewal, a member added takes one of them for nothing.
//
// It is a member.Follow: it runs in the member change's transaction, which
// holds the tenant's billable count, so changes follow one another and a
// change rolled back bills nothing. Other contracts are left alone.
// Errors: Conflict while a change of the contract is being paid for.
func (s *Service) FollowMembers(ctx context.Context, tenantID string, count int) (member.Seated, error) {
	now := s.Clock.Now()
	sub, follows, err := s.followed(ctx, tenantID, now)
	if err != nil || !follows {
		return member.Seated{}, err
	}
	// The member change holds the tenant: locking it again would wait
	// for the members being inserted beside it.
	t, err := s.Store.ReadTenant(ctx, tenantID)
	if err != nil {
		return member.Seated{}, err
	}
	seated := member.Seated{Follows: true, From: sub.Licenses, To: sub.Licenses, Amount: money.New(0, s.Catalog.Currency)}
	billNow := count > sub.Licenses || (count < sub.Licenses && s.Catalog.Plan(sub.Plan).Reduction == ReduceImmediateCredit)
	next := *sub
	if billNow {
		next.Licenses = count
	}
	next.Next = s.followNext(&next, sub.Next, count)
	if !billNow {
		if err := s.reschedule(ctx, t, sub, &next, now); err != nil {
			return member.Seated{}, err
		}
		return s.seated(seated, &next), nil
	}
	q, m, err := s.followQuote(ctx, t, sub, count, now)
	if err != nil {
		return member.Seated{}, err
	}
	res, err := s.commit(ctx, t, sub, &next, q, m, "", now)
	if err != nil {
		return member.Seated{}, err
	}
	seated.Amount = money.New(q.Total, q.Currency)
	if inv := res.Invoice; inv != nil {
		seated.Invoice = &inv.Number
		if err := s.settleLater(ctx, inv, now); err != nil {
			return member.Seated{}, err
		}
	}
	return s.seated(seated, &next), nil
}

// followed returns the tenant's subscription and whether its licenses
// follow the members, once a period that ended is billed: the renewal
// starts the next term with a license for every member.
func (s *Service) followed(ctx context.Context, tenantID string, now time.Time) (*Subscription, bool, error) {
	sub, err := s.current(ctx, &tenant.Tenant{ID: tenantID})
	if err != nil {
		return nil, false, err
	}
	paying, err := s.Store.ApplyingQuotes(ctx, tenantID)
	if err != nil {
		return nil, false, err
	}
	for _, q := range paying {
		if s.follows(sub.Channel, sub.Terms) || s.follows(sub.Channel, q.To) {
			// Its licenses were priced on the members before this change,
			// and its commit will set them.
			return nil, false, errs.E(errs.Conflict, "billing.paying_now")
		}
	}
	if !s.following(sub) || !s.due(sub, s.today(now)) {
		return sub, s.following(sub), nil
	}
	if _, err := s.renew(auth.System(ctx, "billing run"), tenantID, now); err != nil {
		return nil, false, err
	}
	if sub, err = s.current(ctx, &tenant.Tenant{ID: tenantID}); err != nil {
		return nil, false, err
	}
	return sub, s.following(sub), nil
}

// following reports whether sub is a contract in force whose licenses
// follow the members.
func (s *Service) following(sub *Subscription) bool {
	return sub.Status != StatusCanceled && s.follows(sub.Channel, sub.Terms)
}

// follows reports whether the licenses of terms follow the members: an
// annual contract on a plan in all_employees mode, sold directly (a
// partner changes its customers' licenses itself).
func (s *Service) follows(channel string, terms Terms) bool {
	plan := s.Catalog.Plan(terms.Plan)
	return plan != nil && plan.Mode == PricingAllEmployees && terms.Contract != Monthly && channel != tenant.ChannelPartner
}

// followNext is what the renewal moves sub to once count members are
// billable: the change scheduled for it (scheduled) keeps its plan and
// contract, with count licenses where they follow the members; without
// one, count licenses when they are fewer. Nil: the renewal changes nothing.
func (s *Service) followNext(sub *Subscription, scheduled *Terms, count int) *Terms {
	to := sub.Terms
	if scheduled != nil {
		to = *scheduled
	}
	if s.follows(sub.Channel, to) {
		to.Licenses = count
	}
	if to == sub.Terms {
		return nil
	}
	return &to
}

// reschedule records a change of what the renewal does, when nothing is
// billed now: a reduction waiting for it, or one a member took back.
func (s *Service) reschedule(ctx context.Context, t *tenant.Tenant, sub, next *Subscription, now time.Time) error {
	if (sub.Next == nil && next.Next == nil) || (sub.Next != nil && next.Next != nil && *sub.Next == *next.Next) {
		return nil
	}
	return s.save(ctx, t, "subscription.changed", sub, next, now)
}

// followQuote prices and stores the license change to count of a member
// change, as the quote it applies at once: the same lines a license
// change through Quote bills.
// change through Quote bills, and the payment method that pays it now.
func (s *Service) followQuote(ctx context.Context, t *tenant.Tenant, sub *Subscription, count int, now time.Time) (*Quote, *PaymentMethod, error) {
	q, err := price(pricing{cat: s.Catalog, sub: sub, to: Terms{Plan: sub.Plan, Contract: sub.Contract, Licenses: count},
		today: s.today(now), billable: count, lang: t.Language})
	if err != nil {
		return nil, nil, err
	}
	q.ID, q.TenantID, q.Status, q.CreatedAt, q.ExpiresAt = s.IDs.New("quo"), t.ID, QuoteOpen, now, now
	q.Version, q.Billable, q.MailDomain = sub.Version, count, sub.MailDomain
	var m *PaymentMethod
	if q.Invoicing == InvoiceNow && q.Total > 0 {
		if m, err = s.defaultMethod(ctx, t.ID); err != nil {
			return nil, nil, err
		}
		q.MethodID = m.ID
	}
	return q, m, s.Store.CreateQuote(ctx, q)
}

// settleLater has the card charged for inv, or a credit note refunded,
// right after the transaction commits (Settle); the billing run retries
// either if that fails. An invoice paid by transfer waits for it.
func (s *Service) settleLater(ctx context.Context, inv *Invoice, now time.Time) error {
	charge := inv.Status == InvoiceOpen && inv.PaymentKind == MethodCard
	refund := inv.Kind == KindCreditNote && inv.Status == InvoiceIssued
	if !charge && !refund {
		return nil
	}
	return s.Store.Enqueue(ctx, SettleJobKind, now, inv.ID)
}

// seated completes what a member change did to the licenses with where
// next leaves them: a reduction waiting for the renewal.
func (s *Service) seated(seated member.Seated, next *Subscription) member.Seated {
	seated.To = next.Licenses
	if n := next.Next; n != nil && n.Plan == next.Plan && n.Contract == next.Contract && n.Licenses < next.Licenses {
		seated.Next, seated.RenewsOn = n.Licenses, next.PeriodEnd
	}
	return seated
}

// Settle charges the card for an open invoice, or refunds a credit note,
// that a member change issued, once the change has committed (the job of
// SettleJobKind). Both are keyed, so a job run twice, or beside the
// billing run, charges or refunds once; the billing run retries what
// fails here on its schedule.
func (s *Service) Settle(ctx context.Context, invoiceID string) error {
	ctx = auth.System(ctx, "billing")
	inv, err := s.Store.GetInvoice(ctx, "", invoiceID)
	if err == nil && inv.Number == "" { // the job ran before the numbering after its change: number it first
		if err = s.NumberInvoices(ctx); err == nil {
			inv, err = s.Store.GetInvoice(ctx, "", invoiceID)
		}
	}
	if err != nil {
		return fmt.Errorf("settle invoice: %w", err)
	}
	switch {
	case inv.Kind == KindCreditNote && inv.Status == InvoiceIssued:
		err = s.refund(ctx, inv)
	case inv.Status == InvoiceOpen && inv.PaymentKind == MethodCard && inv.Attempts == 0:
		// A refused card is retried by the run, after the wait.
		_, err = s.collect(ctx, inv, s.Clock.Now())
	}
	if err != nil {
		return fmt.Errorf("settle invoice %s: %w", inv.Number, err)
	}
	return nil
}
