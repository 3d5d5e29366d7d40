package billing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/clock"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/tenant"
)

// Issuer is who issues the invoices (適格請求書発行事業者).
type Issuer struct {
	Name         string // 株式会社…
	Registration string // T + 13 digits
	Prefix       string // invoice numbers: <prefix>-000001
	BankDetails  string // where invoice-payment tenants transfer to
}

// Service runs billing: quotes, applies, invoices, payment methods, the
// billing run and cancellation.
type Service struct {
	Store    Store
	Clock    clock.Clock
	IDs      id.Generator
	Audit    audit.Recorder
	Notify   *notify.Service
	Catalog  *Catalog
	Provider Provider
	Issuer   Issuer
	// Zone is the billing calendar's time zone: CalendarZone.
	Zone *time.Location
	// QuoteTTL is how long a quote can be applied (30 minutes).
	QuoteTTL time.Duration
	// Retention is how long a closed tenant's data is kept (30 days).
	Retention time.Duration
	// Grace is how long a failed card payment may stay unpaid before the
	// subscription is past due (7 days).
	Grace time.Duration
	// BaseURL is where mails send people (the console).
	BaseURL string
	// RunBatch is how many rows the billing run reads at a time (500 when 0).
	RunBatch int
	// Log records what fails after a commit (an invoice's numbering);
	// slog's default when nil.
	Log *slog.Logger

	applies tenantLocks // one apply at a time per tenant in this process
	// numbering is held by one numbering at a time in this process; waiting
	// (under waitingMu) holds the invoices this process committed and has
	// not seen numbered, with what announcing them needs (numbered).
	numbering, waitingMu sync.Mutex
	waiting              map[string]waiting
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// ErrNoPaymentMethod is the cause of a refusal for want of a usable
// payment method: screens offer 決済方法の管理 for it.
var ErrNoPaymentMethod = errors.New("no usable payment method")

var registrationPattern = regexp.MustCompile(`^T[1-9][0-9]{12}$`)

// CheckRegistration validates a qualified-invoice registration number: T
// and 13 digits whose first is the check digit of the other 12 (the
// corporate-number rule: 9 − (Σ Pn × Qn mod 9), Qn = 1 for odd n, 2 for
// even n, n counted from the right).
func CheckRegistration(s string) error {
	if !registrationPattern.MatchString(s) {
		return fmt.Errorf("registration number %q must be T followed by 13 digits", s)
	}
	sum := 0
	for n := 1; n <= 12; n++ {
		sum += int(s[14-n]-'0') * (2 - n%2)
	}
	if want := 9 - sum%9; int(s[1]-'0') != want {
		return fmt.Errorf("registration number %q has a wrong check digit: the first digit should be %d", s, want)
	}
	return nil
}

// Plans returns the catalog.
func (s *Service) Plans() *Catalog { return s.Catalog }

// today is now's date in the billing zone.
func (s *Service) today(now time.Time) time.Time { return Day(now, s.Zone) }

// Subscription returns the tenant's contract; the free plan at version 0
// when it has none.
func (s *Service) Subscription(ctx context.Context, tenantID string) (*Subscription, error) {
	if _, err := auth.RequireReader(ctx, tenantID, auth.PermTenantManage); err != nil {
		return nil, err
	}
	t, err := s.Store.GetTenant(ctx, tenantID)
	if err != nil {
		return nil, fmt.Errorf("subscription: %w", err)
	}
	return s.current(ctx, t)
}

// current returns t's subscription, locked in a transaction.
func (s *Service) current(ctx context.Context, t *tenant.Tenant) (*Subscription, error) {
	sub, err := s.Store.GetSubscription(ctx, t.ID)
	if errs.Is(err, errs.NotFound) {
		return &Subscription{TenantID: t.ID, Terms: Terms{Plan: s.Catalog.FreePlan().ID, Contract: Monthly},
			Status: StatusActive, Channel: t.Channel}, nil
	}
	if err == nil {
		err = s.onCatalog(sub)
	}
	return sub, err
}

// onCatalog refuses a subscription whose plan the catalog no longer has:
// nothing can price it until the plan is back.
func (s *Service) onCatalog(sub *Subscription) error {
	if s.Catalog.Plan(sub.Plan) == nil {
		return fmt.Errorf("subscription of %s is on plan %q, which the catalog no longer has", sub.TenantID, sub.Plan)
	}
	return nil
}

// QuoteInput is a change a tenant asks the price of.
type QuoteInput struct {
	Terms
	MailDomain string // for a plan with mail: one of the tenant's domains
	// Add, when not 0, asks for the license count of the moment plus Add
	// (negative: fewer) on the same plan and contract, instead of Terms.
	Add int
}

// Quote prices a change of plan, contract or licenses, refusing what SPEC
// §4 refuses. Changing the plan or contract needs the super admin; the
// license count alone needs licenses.manage.
func (s *Service) Quote(ctx context.Context, tenantID string, in QuoteInput) (*Quote, error) {
	now := s.Clock.Now()
	q, err := s.quote(ctx, tenantID, in, now)
	if err != nil {
		return nil, fmt.Errorf("quote: %w", err)
	}
	q.ID, q.TenantID, q.Status, q.CreatedAt, q.ExpiresAt = s.IDs.New("quo"), tenantID, QuoteOpen, now, now.Add(s.QuoteTTL)
	if err := s.Store.CreateQuote(ctx, q); err != nil {
		return nil, fmt.Errorf("quote: %w", err)
	}
	return q, nil
}

// quote prices in on the tenant's state, once an apply whose card payment
// did not answer is finished.
func (s *Service) quote(ctx context.Context, tenantID string, in QuoteInput, now time.Time) (*Quote, error) {
	t, err := s.Store.GetTenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	sub, err := s.current(ctx, t)
	if err != nil {
		return nil, err
	}
	switch {
	case in.Add != 0 && (in.Terms != (Terms{}) || in.MailDomain != ""):
		return nil, errs.Field("add_licenses", "billing.add_licenses_alone")
	case in.Add != 0 && sub.Next != nil:
		return nil, errs.E(errs.FailedPrecondition, "billing.add_licenses_scheduled", "licenses", sub.Next.Licenses, "date", isoDay(sub.PeriodEnd))
	case in.Add != 0:
		in.Terms, in.MailDomain = sub.Terms, sub.MailDomain
		in.Licenses += in.Add
	case in.Plan == "":
		return nil, errs.Field("plan", "billing.plan_choose")
	case in.Contract == "":
		return nil, errs.Field("contract", "billing.contract_choose")
	}
	if err := s.authorize(ctx, t, sub, in.Terms); err != nil { // before anything happens for the caller
		return nil, err
	}
	if in.Add == 0 { // a relative change's price does not depend on a change being paid for
		finished, err := s.finishApplying(ctx, tenantID, now)
		if err == nil && finished {
			sub, err = s.current(ctx, t)
		}
		if err != nil {
			return nil, err
		}
	}
	q, err := s.price(ctx, t, sub, in, now)
	if e, ok := errs.As(err); ok && in.Add != 0 && e.Field == "licenses" {
		e.Field = "add_licenses" // the field the caller sent
	}
	if err != nil {
		return nil, err
	}
	q.Add = in.Add
	return q, nil
}

// finishApplying finishes an apply whose card payment did not answer
// (the gateway was down) before a new change is priced: the charge is taken
// again with the same key, never twice. While the gateway stays down, the
// tenant is told to try again. It reports whether it finished any.
func (s *Service) finishApplying(ctx context.Context, tenantID string, now time.Time) (bool, error) {
	qs, err := s.Store.ApplyingQuotes(ctx, tenantID)
	if err != nil {
		return false, err
	}
	for _, q := range qs {
		// A card refused now leaves nothing pending (Invalid): price on.
		if err := s.resume(auth.System(ctx, "billing"), q, now); err != nil && !errs.Is(err, errs.Invalid) {
			return false, errs.Wrap(errs.FailedPrecondition, err, "billing.charge_pending")
		}
	}
	return len(qs) > 0, nil
}

// price prices in on t and its subscription sub as they are now, refusing
// what the tenant cannot change; the caller has authorized it.
func (s *Service) price(ctx context.Context, t *tenant.Tenant, sub *Subscription, in QuoteInput, now time.Time) (*Quote, error) {
	tenantID := t.ID
	var err error
	if sub.Version > 0 && s.due(sub, s.today(now)) {
		// The period ended before the hourly run billed it: bill it first,
		// or this change would be priced on a period that is over.
		if _, err := s.renew(auth.System(ctx, "billing run"), tenantID, now); err != nil {
			return nil, err
		}
		if t, err = s.Store.GetTenant(ctx, tenantID); err != nil { // a cancellation may have closed it
			return nil, err
		}
		if sub, err = s.current(ctx, t); err != nil {
			return nil, err
		}
	}
	if r := standing(t, sub, byPartner(ctx)); r != nil {
		return nil, r
	}
	p := pricing{cat: s.Catalog, sub: sub, to: in.Terms, today: s.today(now), lang: t.Language}
	if p.billable, err = s.Store.CountBillable(ctx, tenantID); err != nil {
		return nil, err
	}
	if p.segmentMax, err = s.segmentMax(ctx, sub, p.today); err != nil {
		return nil, err
	}
	q, err := price(p)
	if err != nil {
		return nil, err
	}
	q.Version, q.Billable = sub.Version, p.billable
	if sub.Channel == tenant.ChannelPartner {
		q.onStatement()
		return q, s.needsDomain(ctx, t, sub, q, in.MailDomain)
	}
	if err := s.sweep(ctx, sub, q); err != nil {
		return nil, err
	}
	if err := s.needs(ctx, t, sub, q, in.MailDomain, now); err != nil {
		return nil, err
	}
	return q, nil
}

// sweep bills the lines kept for a monthly contract's invoice with the
// first invoice of an annual one, which ends the monthly invoices.
func (s *Service) sweep(ctx context.Context, sub *Subscription, q *Quote) error {
	if sub.Version == 0 || sub.Contract != Monthly || q.To.Contract == Monthly || q.Invoicing != InvoiceNow {
		return nil
	}
	pending, err := s.Store.PendingLines(ctx, sub.TenantID)
	if err != nil || len(pending) == 0 {
		return err
	}
	q.Lines = append(pending, q.Lines...)
	return q.total()
}

// authorize: plan and contract changes are the super admin's (SPEC §1);
// the license count alone, licenses.manage's.
func (s *Service) authorize(ctx context.Context, t *tenant.Tenant, sub *Subscription, to Terms) error {
	a := auth.FromContext(ctx)
	switch {
	case a != nil && a.Kind == auth.KindSystem:
		return nil // the billing run finishing an apply a crash interrupted
	case a != nil && a.Kind == auth.KindPartner:
		// A partner changes its own customers' contracts on their behalf
		// (SPEC §7); anyone else's tenant is NotFound.
		if t.PartnerID != a.PartnerID {
			return errs.E(errs.NotFound, "auth.tenant_not_found")
		}
		return nil
	case licensesOnly(sub.Terms, to):
		_, err := auth.Require(ctx, t.ID, auth.PermLicensesManage)
		return err
	}
	_, err := auth.RequireSuperAdmin(ctx, t.ID)
	return err
}

// standing is why t cannot change its contract sub at all now, or nil:
// a partner's customer changes it through its partner (byPartner).
func standing(t *tenant.Tenant, sub *Subscription, byPartner bool) *errs.Error {
	switch {
	case t.Status != tenant.StatusActive:
		return errs.E(errs.FailedPrecondition, "billing.tenant_closed")
	case sub.Channel == tenant.ChannelPartner && !byPartner:
		return errs.E(errs.FailedPrecondition, "billing.partner_changes")
	case !sub.CancelAt.IsZero() && sub.Status != StatusCanceled:
		return errs.E(errs.FailedPrecondition, "billing.canceled_withdraw_first", "cancel_at", isoDay(sub.CancelAt))
	}
	return nil
}

// notPaying returns refusal while a quote's card is being charged: its
// change is not recorded yet.
func (s *Service) notPaying(ctx context.Context, tenantID string, refusal *errs.Error) error {
	qs, err := s.Store.ApplyingQuotes(ctx, tenantID)
	if err == nil && len(qs) > 0 {
		return refusal
	}
	return err
}

// needs checks what a change needs beyond its price (SPEC §4): a payment
// method, no overdue invoice for what bills now, and a mail domain.
func (s *Service) needs(ctx context.Context, t *tenant.Tenant, sub *Subscription, q *Quote, mailDomain string, now time.Time) error {
	to := s.Catalog.Plan(q.To.Plan)
	if !to.Free {
		m, err := s.defaultMethod(ctx, t.ID)
		if err != nil {
			return err
		}
		if r := salesOnly(m); r != nil && (q.Kind == QuoteLicenses || q.Kind == QuoteReduce) {
			return r
		}
		q.MethodID, q.method = m.ID, m
	}
	if q.Kind == QuoteUpgrade || q.Kind == QuoteLicenses {
		overdue, err := s.Store.OverdueInvoices(ctx, t.ID, s.today(now))
		if err != nil {
			return err
		}
		if overdue > 0 {
			return errs.E(errs.FailedPrecondition, "billing.invoice_overdue")
		}
	}
	return s.needsDomain(ctx, t, sub, q, mailDomain)
}

// needsDomain sets the mail domain of a plan with mail: the one asked for,
// which must be one of the tenant's, or the contract's.
func (s *Service) needsDomain(ctx context.Context, t *tenant.Tenant, sub *Subscription, q *Quote, mailDomain string) error {
	to := s.Catalog.Plan(q.To.Plan)
	q.MailDomain = sub.MailDomain
	if to.HasFeature(FeatureMail) && (q.MailDomain == "" || mailDomain != "") {
		domains, err := s.Store.MailDomains(ctx, t.ID)
		if err != nil {
			return err
		}
		if !slices.Contains(domains, mailDomain) {
			return errs.Field("mail_domain", "billing.mail_domain_choose", "plan_name", to.Name.In(t.Language), "domains", strings.Join(domains, ", "))
		}
		q.MailDomain = mailDomain
	}
	return nil
}

// defaultMethod returns the tenant's default payment method, which must be
// usable. Errors: FailedPrecondition naming the menu.
func (s *Service) defaultMethod(ctx context.Context, tenantID string) (*PaymentMethod, error) {
	ms, err := s.Store.ListPaymentMethods(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if m.Default && m.Status == MethodActive {
			return m, nil
		}
	}
	if len(ms) > 0 && ms[0].Status == MethodPending {
		return nil, errs.Wrap(errs.FailedPrecondition, ErrNoPaymentMethod, "billing.invoice_payment_pending")
	}
	return nil, errs.Wrap(errs.FailedPrecondition, ErrNoPaymentMethod, "billing.payment_method_missing")
}

// segmentMax is the highest billable count in a monthly segment so far:
// from its start to yesterday.
func (s *Service) segmentMax(ctx context.Context, sub *Subscription, today time.Time) (int, error) {
	if sub.Contract != Monthly || sub.Version == 0 || !sub.SegmentStart.Before(today) {
		return 0, nil
	}
	return s.highest(ctx, sub.TenantID, sub.SegmentStart, today)
}

// highest is the highest billable count on the days [from, to).
func (s *Service) highest(ctx context.Context, tenantID string, from, to time.Time) (int, error) {
	days, err := s.Store.BillableHistory(ctx, tenantID, from, to.AddDate(0, 0, -1))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range days {
		if d.Day.Before(from) { // the count carried into from
			n = max(n, d.Last)
			continue
		}
		n = max(n, d.Max)
	}
	return n, nil
}
