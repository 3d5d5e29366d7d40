package billing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/money"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/tenant"
)

// RunReport says what a billing run did.
type RunReport struct {
	Renewed  int // subscriptions moved to their next period or instalment
	Charged  int // card invoices paid
	Declined int // card charges refused (retried later)
	Purged   int // closed tenants whose data was deleted
}

// retryAfter is when a declined card is tried again, after each attempt.
var retryAfter = []time.Duration{24 * time.Hour, 3 * 24 * time.Hour, 5 * 24 * time.Hour}

// Run is the billing run: it bills every period that ended, applies the
// changes scheduled for it, closes canceled tenants, charges open card
// invoices, and purges closed tenants past their retention. It goes
// through everything due, a batch at a time; what fails is reported and
// passed over, so it never holds up the rest. Safe to run again and on
// many instances at once: a period is billed once (a unique constraint),
// and each subscription moves in its own transaction. Every run is
// recorded (Runs): who started it, what it did and what failed.
func (s *Service) Run(ctx context.Context) (RunReport, error) {
	rec, err := s.runRecorded(ctx)
	return rec.RunReport, err
}

// runRecorded runs billing and records the run: started by the operator
// (or system actor) in ctx, else by the schedule. A record that cannot be
// written does not stop the run; its error joins the run's problems.
func (s *Service) runRecorded(ctx context.Context) (*RunRecord, error) {
	now := s.Clock.Now()
	rec := &RunRecord{ID: s.IDs.New("run"), StartedAt: now, ActorKind: string(auth.KindSystem)}
	if a := auth.FromContext(ctx); a != nil && (a.Kind == auth.KindOperator || a.Kind == auth.KindSystem) {
		rec.ActorKind, rec.ActorID, rec.ActorName = string(a.Kind), a.ID, a.Name
	}
	created := s.Store.CreateBillingRun(ctx, rec)
	problems := s.run(auth.System(ctx, "billing run"), now, rec)
	rec.FinishedAt = s.Clock.Now() // a second reading: how long it took
	rec.Failed, rec.Failures = len(problems), runFailures(problems)
	var finished error
	if created == nil { // recorded even when ctx ended midway
		finished = s.Store.FinishBillingRun(context.WithoutCancel(ctx), rec)
	}
	return rec, errors.Join(append(problems, created, finished)...)
}

// run does the billing run's work as of now, counting what it did in rec,
// and returns what failed, one error per thing (a runError where it
// concerns one).
func (s *Service) run(ctx context.Context, now time.Time, rec *RunRecord) []error {
	rep := &rec.RunReport
	var problems []error
	s.resumeStuck(ctx, now, &problems)
	eachBatch(ctx, s.batch(), func(after string) ([]*Subscription, error) {
		return s.Store.DueSubscriptions(ctx, s.today(now), after, s.batch())
	}, func(sub *Subscription) string { return sub.TenantID }, func(sub *Subscription) error {
		issued := 0
		renewed, err := s.renew(context.WithValue(ctx, issuedKey{}, &issued), sub.TenantID, now)
		if renewed {
			rep.Renewed++
			rec.Issued += issued
		}
		return failed(err, RunRenew, "renew", sub.TenantID, sub.TenantID)
	}, &problems)
	eachBatch(ctx, s.batch(), func(after string) ([]*Invoice, error) {
		return s.Store.UnrefundedCreditNotes(ctx, after, s.batch())
	}, func(cn *Invoice) string { return cn.ID }, func(cn *Invoice) error {
		return failed(s.refund(ctx, cn), RunRefund, "", cn.TenantID, cn.Number) // refund names the credit note itself
	}, &problems)
	eachBatch(ctx, s.batch(), func(after string) ([]*Invoice, error) {
		return s.Store.RetryableInvoices(ctx, now, after, s.batch())
	}, func(inv *Invoice) string { return inv.ID }, func(inv *Invoice) error {
		outcome, err := s.collect(ctx, inv, now)
		switch {
		case outcome == collectPaid:
			rep.Charged++
		case outcome == collectDeclined:
			rep.Declined++
		}
		return failed(err, RunCharge, "charge", inv.TenantID, inv.Number)
	}, &problems)
	rep.Purged = s.purge(ctx, now, &problems)
	return problems
}

// batch is how many rows the run reads at a time.
func (s *Service) batch() int {
	if s.RunBatch > 0 {
		return s.RunBatch
	}
	return 500
}

// eachBatch reads rows size at a time, each batch after the key of the
// last row of the one before, and does every row. A row's error goes to
// problems and the run goes on; a read error or the end of ctx goes there
// too and stops it.
func eachBatch[T any](ctx context.Context, size int, read func(after string) ([]T, error), key func(T) string, do func(T) error, problems *[]error) {
	after := ""
	for {
		rows, err := read(after)
		if err != nil {
			*problems = append(*problems, err)
			return
		}
		for _, r := range rows {
			if err := ctx.Err(); err != nil {
				*problems = append(*problems, err)
				return
			}
			if err := do(r); err != nil {
				*problems = append(*problems, err)
			}
		}
		if len(rows) < size {
			return
		}
		after = key(rows[len(rows)-1])
	}
}

// stuckAfter is how long a quote's payment may take before the
// resumption finishes it: far longer than a charge's answer takes.
const stuckAfter = time.Minute

// ResumeApplies finishes the applies a crash cut off between charging the
// card and recording the change: every minute, so that a restart leaves
// none stuck for long (an apply in flight elsewhere meets an idempotent
// charge and a claim that sees it applied).
func (s *Service) ResumeApplies(ctx context.Context) error {
	// Invoices a crash left without their number (between a change's
	// commit and its numbering) are numbered and mailed first.
	problems := []error{s.NumberInvoices(ctx)}
	s.resumeStuck(auth.System(ctx, "billing run"), s.Clock.Now(), &problems)
	return errors.Join(problems...)
}

// resumeStuck resumes the stuck quotes, adding what failed to problems.
func (s *Service) resumeStuck(ctx context.Context, now time.Time, problems *[]error) {
	eachBatch(ctx, s.batch(), func(after string) ([]*Quote, error) {
		return s.Store.StuckQuotes(ctx, now, now.Add(-stuckAfter), after, s.batch())
	}, func(q *Quote) string { return q.ID }, func(q *Quote) error {
		return failed(s.resume(ctx, q, now), RunResume, "resume quote", q.TenantID, q.ID)
	}, problems)
}

// resume finishes an apply that a crash stopped between its two
// transactions: the charge is taken again with the same key (never twice)
// and recorded.
func (s *Service) resume(ctx context.Context, q *Quote, now time.Time) error {
	unlock, err := s.applies.lock(ctx, q.TenantID) // after an apply of this process in flight
	if err != nil {
		return err
	}
	defer unlock()
	m, err := s.Store.GetPaymentMethod(ctx, q.TenantID, q.MethodID)
	if err == nil {
		_, err = s.pay(ctx, q.TenantID, q, m.Token, now)
	}
	return err
}

// renew moves one subscription through every period that ended, in one
// transaction: after downtime it catches up. It reports whether it did:
// not while a change priced on the period is being paid for.
func (s *Service) renew(ctx context.Context, tenantID string, now time.Time) (bool, error) {
	renewed := false
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		if n, ok := ctx.Value(issuedKey{}).(*int); ok {
			*n = 0 // a retried transaction counts its invoices again
		}
		t, err := s.Store.GetTenant(ctx, tenantID)
		if err != nil {
			return err
		}
		sub, err := s.Store.GetSubscription(ctx, tenantID)
		if err == nil {
			err = s.onCatalog(sub)
		}
		if err != nil {
			return err
		}
		if paying, err := s.Store.ApplyingQuotes(ctx, tenantID); err != nil || len(paying) > 0 {
			return err
		}
		if !s.due(sub, s.today(now)) { // another run (or a quote) was first
			return nil
		}
		renewed = true
		return s.oneChange(ctx, tenantID, func(ctx context.Context) error { return s.renewOne(ctx, t, sub, now) })
	})
	return renewed && err == nil, err
}

// renewOne records sub's renewal, through every period due.
func (s *Service) renewOne(ctx context.Context, t *tenant.Tenant, sub *Subscription, now time.Time) error {
	before := *sub
	effective, err := s.catchUp(ctx, t, sub, now)
	if err != nil {
		return err
	}
	sub.Version, sub.UpdatedAt = before.Version+1, now
	if sub.Status == StatusCanceled {
		return s.close(ctx, t, &before, sub, now)
	}
	if err := s.Store.PutSubscription(ctx, sub); err != nil {
		return err
	}
	if err := s.partnerTerms(ctx, &before, sub, sub.PeriodStart); err != nil {
		return err
	}
	if err := s.licensesChanged(ctx, t.ID, before.Licenses, sub.Licenses, effective, ""); err != nil {
		return err
	}
	if before.Terms != sub.Terms {
		return s.changed(ctx, t, now, "subscription.changed", &before, sub)
	}
	return s.audit(ctx, s.Audit.Event(ctx, now, t.ID, "subscription.renewed", "subscription", t.ID, subSnap(&before), subSnap(sub)))
}

// catchUp steps sub through every period due (at most 40: a tenant left
// years behind catches up over several runs) and returns the day its
// license count last changed, if it did: a scheduled reduction, or a term
// that starts with more members than licenses.
func (s *Service) catchUp(ctx context.Context, t *tenant.Tenant, sub *Subscription, now time.Time) (time.Time, error) {
	var changed time.Time
	for i := 0; i < 40 && s.due(sub, s.today(now)); i++ {
		licenses := sub.Licenses
		if err := s.step(ctx, t, sub, now); err != nil {
			return changed, err
		}
		if sub.Licenses != licenses {
			changed = sub.PeriodStart
		}
	}
	return changed, nil
}

// due reports whether a period, an instalment or a cancellation is due.
func (s *Service) due(sub *Subscription, today time.Time) bool {
	instalment := sub.Contract == AnnualMonthly && sub.PaidThrough.Before(sub.PeriodEnd) && !sub.PaidThrough.After(today)
	return sub.Status != StatusCanceled && (instalment || !sub.PeriodEnd.After(today))
}

// step bills one instalment or closes one period.
func (s *Service) step(ctx context.Context, t *tenant.Tenant, sub *Subscription, now time.Time) error {
	p := pricing{cat: s.Catalog, lang: t.Language}
	plan := s.Catalog.Plan(sub.Plan)
	if sub.Contract == AnnualMonthly && sub.PaidThrough.Before(sub.PeriodEnd) {
		_, end := instalment(sub.PeriodStart, sub.PaidThrough)
		l, err := p.line(plan, AnnualMonthly, int64(sub.Licenses), sub.PaidThrough, end, sub.PaidThrough, end)
		if err == nil {
			err = s.billPeriod(ctx, t, sub.PaidThrough, end, "instalment", l, now)
		}
		sub.PaidThrough = end
		return err
	}
	if sub.Contract == Monthly {
		n, err := s.highest(ctx, t.ID, sub.SegmentStart, sub.PeriodEnd)
		if err != nil {
			return err
		}
		ms, me := month(sub.PeriodStart)
		l, err := p.line(plan, Monthly, int64(n), sub.SegmentStart, sub.PeriodEnd, ms, me)
		if err == nil {
			err = s.billPeriod(ctx, t, sub.PeriodStart, sub.PeriodEnd, "monthly", l, now)
		}
		if err != nil {
			return err
		}
	}
	if !sub.CancelAt.IsZero() && !sub.CancelAt.After(sub.PeriodEnd) {
		sub.Status = StatusCanceled // the lines kept for a next invoice go on a last one
		return s.billPeriod(ctx, t, sub.PeriodStart, sub.PeriodEnd, "final", Line{}, now)
	}
	return s.nextTerm(ctx, t, sub, now)
}

// nextTerm starts the period after the current one, with the change
// scheduled for it; an annual term is billed up front.
func (s *Service) nextTerm(ctx context.Context, t *tenant.Tenant, sub *Subscription, now time.Time) error {
	if sub.Next != nil {
		sub.Terms, sub.Next = *sub.Next, nil
	}
	if sub.Contract != Monthly { // a term never starts with fewer licenses than members
		n, err := s.Store.CountBillable(ctx, t.ID)
		if err != nil {
			return err
		}
		sub.Licenses = max(sub.Licenses, n)
	}
	start := sub.PeriodEnd
	sub.PeriodStart, sub.SegmentStart, sub.PaidThrough = start, start, time.Time{}
	switch sub.Contract {
	case Monthly:
		sub.PeriodEnd = monthStart(start).AddDate(0, 1, 0)
		return nil
	case AnnualMonthly:
		sub.PeriodEnd, sub.PaidThrough = addMonths(start, 12), start // the instalment step bills it
		return nil
	}
	sub.PeriodEnd = addMonths(start, 12)
	l, err := pricing{cat: s.Catalog, lang: t.Language}.line(s.Catalog.Plan(sub.Plan), Annual, int64(sub.Licenses), start, sub.PeriodEnd, start, sub.PeriodEnd)
	if err != nil {
		return err
	}
	return s.billPeriod(ctx, t, start, sub.PeriodEnd, "renewal", l, now)
}

// billPeriod issues a regular invoice: the period's line and the lines kept
// for it. Nothing to bill (the free plan, no members) issues nothing, nor
// does a partner's customer: its periods still roll.
func (s *Service) billPeriod(ctx context.Context, t *tenant.Tenant, start, end time.Time, reason string, l Line, now time.Time) error {
	if t.Channel == tenant.ChannelPartner { // the partner is billed wholesale for it
		return nil
	}
	lines, err := s.Store.TakePendingLines(ctx, t.ID)
	if err != nil {
		return err
	}
	if l.Quantity != 0 && l.Amount != 0 {
		lines = append(lines, l)
	}
	if len(lines) == 0 {
		return nil
	}
	if _, err = s.issue(ctx, t, bill{period: periodKey(start, end), reason: reason, lines: lines}, now); err != nil {
		return err
	}
	if n, ok := ctx.Value(issuedKey{}).(*int); ok { // counted for the run's record
		*n++
	}
	return nil
}

// The outcomes of collecting an invoice.
const (
	collectPaid     = "paid"
	collectDeclined = "declined"
	collectNoCard   = ""
)

// collect charges an open card invoice on the tenant's default card and
// says how it went: collectPaid, collectDeclined, or collectNoCard. A
// refusal is retried on a schedule; past the grace period the
// subscription is past due.
func (s *Service) collect(ctx context.Context, inv *Invoice, now time.Time) (string, error) {
	m, err := s.defaultMethod(ctx, inv.TenantID)
	if err != nil || m.Kind != MethodCard {
		return collectNoCard, s.awaitTransfer(ctx, inv)
	}
	// One key per attempt: a crash retries the same attempt without charging twice.
	chargeID, err := s.Provider.Charge(ctx, m.Token, money.New(inv.Total, inv.Currency), fmt.Sprintf("%s/%d", inv.ID, inv.Attempts))
	var declined *Declined
	if err != nil && !errors.As(err, &declined) {
		return collectNoCard, err
	}
	outcome := collectPaid
	if declined != nil {
		outcome = collectDeclined
	}
	paidMeanwhile, err := s.recordCharge(ctx, inv, chargeID, declined, now)
	if err == nil && paidMeanwhile && declined == nil {
		// An operator recorded a transfer while the card was charged: the
		// charge goes back, keyed by the invoice so a retry refunds once.
		_, err = s.Provider.Refund(ctx, chargeID, money.New(inv.Total, inv.Currency), "refund/"+inv.ID)
		outcome = collectNoCard
	}
	return outcome, err
}

// awaitTransfer stops retrying an invoice with no card to charge (a closed
// tenant, invoice payment now): it waits for a transfer an operator records.
func (s *Service) awaitTransfer(ctx context.Context, inv *Invoice) error {
	return s.Store.InTx(ctx, func(ctx context.Context) error {
		cur, err := s.Store.GetInvoice(ctx, inv.TenantID, inv.ID)
		if err != nil {
			return err
		}
		cur.NextAttemptAt = time.Time{}
		return s.Store.UpdateInvoicePayment(ctx, cur)
	})
}

// recordCharge records the charge chargeID of inv, or its refusal
// (declined), in one transaction. It reports whether the invoice was
// found paid by another means meanwhile, so the caller refunds the charge.
func (s *Service) recordCharge(ctx context.Context, inv *Invoice, chargeID string, declined *Declined, now time.Time) (bool, error) {
	paidMeanwhile := false
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		t, err := s.Store.GetTenant(ctx, inv.TenantID)
		if err != nil {
			return err
		}
		cur, err := s.Store.GetInvoice(ctx, inv.TenantID, inv.ID)
		if err != nil || cur.Status != InvoiceOpen {
			// Paid with this very charge: another run (one a crash left
			// behind runs beside a new one) recorded it first.
			paidMeanwhile = err == nil && cur.ChargeID != chargeID
			return err
		}
		if declined != nil {
			return s.recordDecline(ctx, t, cur, declined, now)
		}
		cur.Status, cur.ChargeID, cur.PaidAt, cur.NextAttemptAt = InvoicePaid, chargeID, now, time.Time{}
		if err := s.Store.UpdateInvoicePayment(ctx, cur); err != nil {
			return err
		}
		return s.settled(ctx, t.ID, now)
	})
	return paidMeanwhile, err
}

// recordDecline schedules the next attempt at inv (none past the last of
// retryAfter), says the payment failed, and marks the subscription past
// due once the grace period is over; in the caller's transaction.
func (s *Service) recordDecline(ctx context.Context, t *tenant.Tenant, inv *Invoice, declined *Declined, now time.Time) error {
	inv.Attempts++
	inv.NextAttemptAt = time.Time{}
	if inv.Attempts <= len(retryAfter) {
		inv.NextAttemptAt = now.Add(retryAfter[inv.Attempts-1])
	}
	if err := s.Store.UpdateInvoicePayment(ctx, inv); err != nil {
		return err
	}
	if err := s.paymentFailed(ctx, t, now, inv.ID, money.New(inv.Total, inv.Currency), declined); err != nil {
		return err
	}
	return s.pastDue(ctx, t, inv, now)
}

// pastDue marks the subscription past due once a failed invoice is older
// than the grace period.
func (s *Service) pastDue(ctx context.Context, t *tenant.Tenant, inv *Invoice, now time.Time) error {
	if now.Sub(inv.IssuedAt) < s.Grace {
		return nil
	}
	sub, err := s.Store.GetSubscription(ctx, t.ID)
	if err != nil || sub.Status != StatusActive {
		return err
	}
	before := *sub
	sub.Status, sub.Version, sub.UpdatedAt = StatusPastDue, sub.Version+1, now
	if err := s.Store.PutSubscription(ctx, sub); err != nil {
		return err
	}
	if err := s.changed(ctx, t, now, "subscription.past_due", &before, sub); err != nil {
		return err
	}
	admin, err := s.superAdmin(ctx, t.ID)
	if err != nil {
		return err
	}
	return s.mail(ctx, t, admin, "payment_failed", notify.MailData{CompanyName: t.CompanyName, WorksGroup: t.WorksGroup,
		Amount: money.New(inv.Total, inv.Currency).String(), Reason: pastDueReason.In(member.RecipientOf(t, admin).Language),
		ConsoleURL: s.BaseURL + "/admin/billing/payment-methods"})
}

// pastDueReason is what the past-due mail says, in the admin's language.
var pastDueReason = Names{
	"ja": "お支払いが確認できないまま猶予期間が過ぎたため、ご契約はお支払い遅延の状態になりました。決済方法を更新すると、次回の請求処理でお支払いいただけます",
	"en": "the payment is still missing after the grace period, so the contract is now past due; update the payment method and the next billing run charges it",
}

// purge deletes the data of closed tenants past their retention and
// returns how many it purged; what failed goes to problems.
func (s *Service) purge(ctx context.Context, now time.Time, problems *[]error) int {
	cs, err := s.Store.DueClosures(ctx, now)
	if err != nil {
		*problems = append(*problems, err)
		return 0
	}
	n := 0
	for _, c := range cs {
		err := s.Store.InTx(ctx, func(ctx context.Context) error {
			if err := s.Store.PurgeTenant(ctx, c.TenantID); err != nil {
				return err
			}
			c.PurgedAt = now
			if err := s.Store.PutClosure(ctx, c); err != nil {
				return err
			}
			return s.audit(ctx, s.Audit.Event(ctx, now, c.TenantID, "tenant.purged", "tenant", c.TenantID, nil, nil))
		})
		if err != nil {
			*problems = append(*problems, failed(err, RunPurge, "purge", c.TenantID, c.TenantID))
			continue
		}
		n++
	}
	return n
}

// RunRecord is a billing run as operators look back on it: when, who
// started it, what it did and what failed.
type RunRecord struct {
	ID         string
	StartedAt  time.Time
	FinishedAt time.Time // zero while it runs, or when its process died
	// ActorKind is "operator" for a run an operator started, else
	// "system": the schedule (ActorID "") or Kanri itself.
	ActorKind, ActorID, ActorName string
	RunReport
	Issued   int          // invoices the renewals issued
	Failed   int          // how many things failed
	Failures []RunFailure // the first maxRunFailures of them
}

// RunFailure is one thing a billing run could not do; the next run tries
// it again.
type RunFailure struct {
	Step     string // RunRenew, RunRefund, RunCharge, RunResume, RunPurge, RunRead
	TenantID string // "" when it is no one tenant's (reading what is due)
	Ref      string // what failed: the tenant, the invoice number or the quote id
	// Reason is why, in Japanese and English, for people; nil for an
	// internal error, which only Detail describes.
	Reason Names
	Detail string // the error's text, as logged
}

// The steps of a billing run, as its failures name them.
const (
	RunRenew  = "renew"  // a subscription's renewal and its invoice
	RunRefund = "refund" // a credit note's refund
	RunCharge = "charge" // an open card invoice's charge
	RunResume = "resume" // an apply a crash cut off
	RunPurge  = "purge"  // a closed tenant's data
	RunRead   = "read"   // reading what is due
)

// maxRunFailures is how many failures a run's record keeps: a run where
// everything fails says so without storing every row.
const maxRunFailures = 200

// issuedKey carries the count of invoices a renewal issued, for its run's
// record.
type issuedKey struct{}

// runError is a failure of the run about one tenant's thing.
type runError struct {
	step, verb, tenantID, ref string
	err                       error
}

// failed returns err as the failure of step for ref of tenantID, its text
// "verb ref: err" (err alone without verb), or nil without err.
func failed(err error, step, verb, tenantID, ref string) error {
	if err == nil {
		return nil
	}
	return &runError{step: step, verb: verb, tenantID: tenantID, ref: ref, err: err}
}

func (e *runError) Error() string {
	if e.verb == "" {
		return e.err.Error()
	}
	return e.verb + " " + e.ref + ": " + e.err.Error()
}

func (e *runError) Unwrap() error { return e.err }

// runFailures is how the record keeps problems: the tenant, the step and
// the reason in both languages when people can read it.
func runFailures(problems []error) []RunFailure {
	var out []RunFailure
	for _, p := range problems[:min(len(problems), maxRunFailures)] {
		f := RunFailure{Step: RunRead, Detail: p.Error()}
		var re *runError
		if errors.As(p, &re) {
			f.Step, f.TenantID, f.Ref = re.step, re.tenantID, re.ref
		}
		if e, ok := errs.As(p); ok && e.Kind != errs.Internal {
			f.Reason = Names{i18n.JA: e.Message(i18n.JA), i18n.EN: e.Message(i18n.EN)}
		}
		out = append(out, f)
	}
	return out
}
