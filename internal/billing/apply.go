package billing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/money"
	"github.com/kanri/kanri/internal/tenant"
)

// Result is what applying a quote did.
type Result struct {
	Quote        *Quote
	Subscription *Subscription
	Invoice      *Invoice // nil when nothing is billed now
}

// Apply applies a quote: what is billed is exactly the quote, or the apply
// is refused with "quote is stale" when anything it was priced on changed.
// A card is charged between two transactions: the first claims the quote
// (others on the tenant are then stale), the second records the change with
// the charge. Applying an applied quote again returns the same result.
func (s *Service) Apply(ctx context.Context, tenantID, quoteID string) (*Result, error) {
	now := s.Clock.Now()
	unlock, err := s.applies.lock(ctx, tenantID)
	if err != nil {
		return nil, fmt.Errorf("apply quote: %w", err)
	}
	defer unlock()
	var res *Result
	var token string
	var q *Quote
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		t, sub, m, err := s.claim(ctx, s.Store.GetTenant, tenantID, quoteID, now, &q)
		if err != nil || q.Status == QuoteApplied {
			res = &Result{Quote: q, Subscription: sub}
			return err
		}
		if q.Invoicing == InvoiceNow && q.Total > 0 && m != nil && m.Kind == MethodCard {
			q.Status, q.ApplyingAt, token = QuoteApplying, now, m.Token
			return s.Store.UpdateQuote(ctx, q)
		}
		res, err = s.commit(ctx, t, sub, s.after(sub, q, s.today(now)), q, m, "", now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("apply quote: %w", err)
	}
	if token != "" {
		return s.pay(ctx, tenantID, q, token, now)
	}
	return s.finish(ctx, tenantID, res)
}

// finish completes a result after its transaction: the invoice of a quote
// applied before, and the refund of a credit note (which the billing run
// retries if the gateway fails; the change stands).
func (s *Service) finish(ctx context.Context, tenantID string, res *Result) (*Result, error) {
	var err error
	if res.Invoice == nil && res.Quote.InvoiceID != "" {
		if res.Invoice, err = s.Store.GetInvoice(ctx, tenantID, res.Quote.InvoiceID); err != nil {
			return nil, fmt.Errorf("apply quote: %w", err)
		}
	}
	if res.Invoice != nil && res.Invoice.Status == InvoiceIssued {
		_ = s.refund(ctx, res.Invoice) // refund updates it; the billing run retries a failure
	}
	return res, nil
}

// claim loads and checks the quote in a transaction, with the tenant read
// by readTenant: GetTenant, locking its row, before the payment; after it
// ReadTenant, as the quote being paid for holds off what would change the
// tenant (a removal of its card, a cancellation).
func (s *Service) claim(ctx context.Context, readTenant func(context.Context, string) (*tenant.Tenant, error), tenantID, quoteID string,
	now time.Time, qp **Quote) (*tenant.Tenant, *Subscription, *PaymentMethod, error) {
	t, err := readTenant(ctx, tenantID)
	if err != nil {
		return nil, nil, nil, err
	}
	q, err := s.Store.GetQuote(ctx, tenantID, quoteID)
	if err != nil {
		return nil, nil, nil, err
	}
	*qp = q
	sub, err := s.current(ctx, t)
	if err != nil {
		return nil, nil, nil, err
	}
	if q.Add != 0 && q.Status != QuoteApplied {
		if err := q.rebase(sub); err != nil {
			return nil, nil, nil, err
		}
	}
	if err := s.authorize(ctx, t, sub, q.To); err != nil {
		return nil, nil, nil, err
	}
	switch q.Status {
	case QuoteApplied:
		return t, sub, nil, nil
	case QuoteDeclined:
		return nil, nil, nil, errs.E(errs.FailedPrecondition, "billing.quote_declined")
	case QuoteOpen:
		if err := s.stillValid(ctx, t, q, sub, now); err != nil {
			return nil, nil, nil, err
		}
	}
	m := q.method // read by stillValid
	if m == nil && q.MethodID != "" {
		if m, err = s.Store.GetPaymentMethod(ctx, tenantID, q.MethodID); err != nil {
			return nil, nil, nil, err
		}
	}
	return t, sub, m, nil
}

// rebase moves a relative quote onto sub, the subscription of the moment:
// its Add licenses more (or fewer) than sub has now. A change scheduled
// since makes it stale: more or fewer than which count would be a guess.
func (q *Quote) rebase(sub *Subscription) error {
	if sub.Next != nil && q.Status == QuoteOpen {
		return errs.E(errs.Conflict, "billing.quote_stale")
	}
	q.From, q.To, q.MailDomain, q.Version = sub.Terms, sub.Terms, sub.MailDomain, sub.Version
	q.To.Licenses += q.Add
	return nil
}

// stillValid re-prices the quote on the current state: any difference
// (another change, a member who joined, a removed card) makes it stale.
func (s *Service) stillValid(ctx context.Context, t *tenant.Tenant, q *Quote, sub *Subscription, now time.Time) error {
	if now.After(q.ExpiresAt) {
		return errs.E(errs.FailedPrecondition, "billing.quote_expired", "time", q.ExpiresAt)
	}
	if sub.Version != q.Version {
		return errs.E(errs.Conflict, "billing.quote_stale_contract")
	}
	// A change being paid for (by another instance) is not recorded yet.
	// Quotes need not check: an absolute one finished such changes first,
	// and a relative one's price does not depend on them.
	if err := s.notPaying(ctx, t.ID, errs.E(errs.Conflict, "billing.quote_stale_paying")); err != nil {
		return err
	}
	fresh, err := s.price(ctx, t, sub, QuoteInput{Terms: q.To, MailDomain: q.MailDomain}, now)
	if err != nil {
		return err
	}
	if fresh.Version != q.Version || fresh.Kind != q.Kind || fresh.Invoicing != q.Invoicing || !fresh.Effective.Equal(q.Effective) || fresh.Total != q.Total ||
		fresh.MethodID != q.MethodID || (q.Add == 0 && fresh.Billable != q.Billable) || !sameLines(fresh.Lines, q.Lines) {
		return errs.E(errs.Conflict, "billing.quote_stale")
	}
	q.method = fresh.method
	return nil
}

func sameLines(a, b []Line) bool {
	return slices.EqualFunc(a, b, func(x, y Line) bool {
		return x.Description == y.Description && x.PeriodStart.Equal(y.PeriodStart) && x.PeriodEnd.Equal(y.PeriodEnd) &&
			x.Quantity == y.Quantity && x.UnitAmount == y.UnitAmount && x.Amount == y.Amount && x.TaxPercent == y.TaxPercent
	})
}

// pay charges the card for a claimed quote and records the change, or the
// refusal. Charging again with the quote's id as the key never charges twice.
func (s *Service) pay(ctx context.Context, tenantID string, q *Quote, token string, now time.Time) (*Result, error) {
	chargeID, err := s.Provider.Charge(ctx, token, money.New(q.Total, q.Currency), q.ID)
	var declined *Declined
	if errors.As(err, &declined) {
		return nil, s.decline(ctx, tenantID, q.ID, declined, now)
	}
	if err != nil {
		return nil, errs.Wrap(errs.FailedPrecondition, err, "billing.charge_unanswered")
	}
	var res *Result
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		t, sub, m, err := s.claim(ctx, s.Store.ReadTenant, tenantID, q.ID, now, &q)
		if err != nil || q.Status == QuoteApplied {
			res = &Result{Quote: q, Subscription: sub}
			return err
		}
		res, err = s.commit(ctx, t, sub, s.after(sub, q, s.today(now)), q, m, chargeID, now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("apply quote: %w", err)
	}
	return s.finish(ctx, tenantID, res)
}

// decline records a refused card: the quote can't be applied, nothing changed.
func (s *Service) decline(ctx context.Context, tenantID, quoteID string, d *Declined, now time.Time) error {
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		t, err := s.Store.GetTenant(ctx, tenantID)
		if err != nil {
			return err
		}
		q, err := s.Store.GetQuote(ctx, tenantID, quoteID)
		if err != nil {
			return err
		}
		q.Status = QuoteDeclined
		if err := s.Store.UpdateQuote(ctx, q); err != nil {
			return err
		}
		return s.paymentFailed(ctx, t, now, quoteID, money.New(q.Total, q.Currency), d)
	})
	if err != nil {
		return fmt.Errorf("record declined payment: %w", err)
	}
	refusal, _ := d.refusal()
	return refusal
}

// commit records an applied quote that moves sub to next: the new
// subscription, the invoice or the lines kept for the next one, the audit
// trail, the event and the mails.
func (s *Service) commit(ctx context.Context, t *tenant.Tenant, sub, next *Subscription, q *Quote, m *PaymentMethod, chargeID string, now time.Time) (*Result, error) {
	var res *Result
	err := s.oneChange(ctx, t.ID, func(ctx context.Context) error {
		var err error
		res, err = s.record(ctx, t, sub, next, q, m, chargeID, now)
		return err
	})
	return res, err
}

// record is commit's work, in oneChange.
func (s *Service) record(ctx context.Context, t *tenant.Tenant, sub, next *Subscription, q *Quote, m *PaymentMethod, chargeID string, now time.Time) (*Result, error) {
	var err error
	next.Version, next.UpdatedAt = sub.Version+1, now
	if sub.Version == 0 {
		next.CreatedAt = now
	}
	res := &Result{Quote: q, Subscription: next}
	var invoice *bill
	switch {
	case q.Invoicing == InvoiceNow && len(q.Lines) > 0:
		if next.Contract != sub.Contract { // the lines kept for a monthly invoice are in this one (sweep)
			if _, err := s.Store.TakePendingLines(ctx, t.ID); err != nil {
				return nil, err
			}
		}
		invoice = &bill{id: s.IDs.New("inv"), period: periodKey(q.Effective, lastEnd(q.Lines)), reason: "quote " + q.ID, lines: q.Lines,
			method: m, chargeID: chargeID}
		q.InvoiceID = invoice.id
	case q.Invoicing == InvoiceNextRun:
		if err := s.Store.AddPendingLines(ctx, t.ID, q.Lines); err != nil {
			return nil, err
		}
	}
	if err := s.Store.PutSubscription(ctx, next); err != nil {
		return nil, err
	}
	if err := s.partnerTerms(ctx, sub, next, s.today(now)); err != nil {
		return nil, err
	}
	q.Status = QuoteApplied
	if err := s.Store.UpdateQuote(ctx, q); err != nil {
		return nil, err
	}
	action := "subscription.changed"
	if q.Kind == QuoteUpgrade {
		action = "subscription.upgraded"
	}
	if err := s.changed(ctx, t, now, action, sub, next); err != nil {
		return nil, err
	}
	if err := s.licensesChanged(ctx, t.ID, sub.Licenses, next.Licenses, q.Effective, q.ID); err != nil {
		return nil, err
	}
	if invoice != nil {
		// Last: its number locks the issuer's counter, and every other
		// invoice waits for this transaction's commit (SPEC §8: no gaps).
		if res.Invoice, err = s.issue(ctx, t, *invoice, now); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// after is the subscription once q is applied on today.
func (s *Service) after(sub *Subscription, q *Quote, today time.Time) *Subscription {
	n := *sub
	if q.Invoicing == InvoiceNone && q.Effective.After(today) {
		to := q.To
		n.Next = &to
		return &n
	}
	restart := sub.Version == 0 || s.Catalog.Plan(sub.Plan).Free || sub.Contract != q.To.Contract
	n.Terms, n.MailDomain, n.Next = q.To, q.MailDomain, nil
	if restart {
		n.Status = StatusActive
	}
	switch {
	case restart && q.To.Contract == Monthly:
		n.PeriodStart, n.PeriodEnd, n.SegmentStart, n.PaidThrough = monthStart(today), monthStart(today).AddDate(0, 1, 0), today, time.Time{}
	case restart:
		n.PeriodStart, n.PeriodEnd, n.SegmentStart, n.PaidThrough = today, addMonths(today, 12), today, time.Time{}
		if q.To.Contract == AnnualMonthly {
			n.PaidThrough = addMonths(today, 1)
		}
	case q.To.Contract == Monthly:
		n.SegmentStart = today
	}
	return &n
}

// lastEnd is the end of the latest line.
func lastEnd(lines []Line) time.Time {
	var end time.Time
	for _, l := range lines {
		if l.PeriodEnd.After(end) {
			end = l.PeriodEnd
		}
	}
	return end
}

// periodKey names a billed span for the one-invoice-per-period rule.
func periodKey(start, end time.Time) string { return isoDay(start) + "/" + isoDay(end) }

func isoDay(t time.Time) string { return t.Format(time.DateOnly) }
