// Package billing is what tenants pay for: the catalog, payment methods, the
// subscription and its changes (quote → apply), invoices with Japanese
// consumption tax, the billing run and cancellation (SPEC §3, §4, §8).
//
// Days are civil dates in the billing zone (JST by default), held as
// time.Time at midnight UTC; a period is [Start, End): End is the first day
// after it.
package billing

import (
	"context"
	"time"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/tenant"
)

// Terms is what a tenant buys: a plan on a contract, with licenses for the
// annual contracts (0 on monthly ones, which count members).
type Terms struct {
	Plan     string
	Contract string
	Licenses int
}

// Subscription is a tenant's current contract. A tenant without a row is on
// the free plan at version 0.
type Subscription struct {
	TenantID string
	Terms
	Status  string // StatusActive, StatusPastDue, StatusCanceled
	Channel string // tenant.ChannelDirect or tenant.ChannelPartner
	// MailDomain is the domain a plan with mail uses (the provided one, SPEC §5).
	MailDomain string
	// The current period: a calendar month on the monthly contract, the
	// 12-month term on the annual ones.
	PeriodStart, PeriodEnd time.Time
	// SegmentStart is the first day of the current plan in a monthly period:
	// a plan change mid-month closes a segment, billed at the month's end.
	SegmentStart time.Time
	// PaidThrough is the first day not yet paid for on annual_monthly.
	PaidThrough time.Time
	// Next is a change scheduled for PeriodEnd (downgrade, fewer licenses).
	Next *Terms
	// CancelAt is when a scheduled cancellation takes effect (PeriodEnd).
	CancelAt  time.Time
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// The subscription statuses.
const (
	StatusActive   = "active"
	StatusPastDue  = "past_due"
	StatusCanceled = "canceled"
)

// Line is one line of a quote, an invoice or a credit note.
type Line struct {
	Description string
	PeriodStart time.Time
	PeriodEnd   time.Time // first day after the period
	Quantity    int64
	// UnitAmount is per quantity for the whole period: UnitPerMonth times
	// the period's months (12 for an annual term paid up front, else 1).
	UnitAmount int64
	Amount     int64 // prorated, rounded; negative for a credit
	TaxPercent int64
	// The basis a buyer recomputes Amount from (SPEC §8, seed 002):
	// UnitAmount × Quantity × Days / PeriodDays, rounded by money.Prorate,
	// with UnitAmount shown as the catalog's monthly price (UnitPerMonth)
	// and its months. All 0 on lines issued before the basis was kept.
	UnitPerMonth int64
	Days         int64 // the days billed: PeriodStart to PeriodEnd
	PeriodDays   int64 // the days of the term or month prorated over
}

// TaxAmount is the tax on the lines of one rate (SPEC §8: once per invoice
// per rate, rounded down).
type TaxAmount struct {
	Percent int64
	Base    int64
	Tax     int64
}

// Quote is a priced change not applied yet.
type Quote struct {
	ID       string
	TenantID string
	Kind     string // QuoteUpgrade, QuoteDowngrade, QuoteLicenses, QuoteReduce
	From, To Terms
	// Add is a relative license change (QuoteInput.Add), 0 for an absolute
	// one: applied to the count of the moment, so another change landing
	// first does not make it stale unless the price of Add licenses moved.
	Add int
	// MailDomain is the domain chosen for mail, when To's plan has it.
	MailDomain string
	// Effective is when the change takes effect: today, or the period's end.
	Effective time.Time
	// Invoicing says when Lines are billed: InvoiceNow, InvoiceNextRun (with
	// the next regular invoice) or InvoiceNone (scheduled: nothing yet).
	Invoicing string
	Lines     []Line
	// Estimate lines are what a monthly contract will probably cost at the
	// month's end, at today's member count: shown, not billed now.
	Estimate []Line
	Currency string
	Subtotal int64
	Taxes    []TaxAmount
	Tax      int64
	Total    int64
	// What the price depended on: a change to any refuses the apply.
	Version  int64
	Billable int
	MethodID string
	method   *PaymentMethod // MethodID's, when priced in this transaction
	Status   string         // QuoteOpen, QuoteApplying, QuoteApplied, QuoteDeclined
	// ApplyingAt is when its payment began (QuoteApplying); kept beside
	// the body, not in it.
	ApplyingAt time.Time `json:"-"`
	// InvoiceID is the invoice (or credit note) the apply issued.
	InvoiceID string
	ExpiresAt time.Time
	CreatedAt time.Time
}

// The quote kinds.
const (
	QuoteUpgrade   = "upgrade"   // to a dearer plan or contract: at once
	QuoteDowngrade = "downgrade" // to a cheaper plan or contract: at period end
	QuoteLicenses  = "licenses"  // more licenses: at once
	QuoteReduce    = "reduce"    // fewer licenses: per the plan's reduction policy
)

// When a quote's lines are billed.
const (
	InvoiceNow     = "now"
	InvoiceNextRun = "next_invoice"
	InvoiceNone    = "none"
)

// The quote statuses.
const (
	QuoteOpen     = "open"
	QuoteApplying = "applying" // payment being taken; the subscription's version moved already
	QuoteApplied  = "applied"
	QuoteDeclined = "declined"
)

// Invoice is an issued invoice or credit note (返還インボイス): immutable but
// for its payment status.
type Invoice struct {
	ID       string
	TenantID string
	Number   string // gapless per issuer; "" for the moment between the issue and its numbering (NumberInvoices)
	Kind     string // KindInvoice, KindCreditNote
	// OriginalID links a credit note to the invoice it credits; Service.
	// Invoice also reads that invoice's number and issue time, which the
	// document names (not stored on the credit note).
	OriginalID       string
	OriginalNumber   string
	OriginalIssuedAt time.Time
	// Period and Reason: at most one invoice per subscription, period and reason.
	Period   string
	Reason   string
	Status   string // InvoiceOpen, InvoicePaid; credit notes: InvoiceIssued, then InvoiceRefunded or InvoiceCredited
	Currency string
	Lines    []Line
	Subtotal int64
	Taxes    []TaxAmount
	Tax      int64
	Total    int64
	// The qualified-invoice fields (適格請求書), copied at issue.
	IssuerName         string
	IssuerRegistration string
	RecipientName      string // the tenant's company name
	RecipientEmail     string // the billing contact: the super admin
	// Payment.
	PaymentKind   string // MethodCard or MethodInvoice; "" when nothing is due
	ChargeID      string
	BankDetails   string // invoice payment: where to transfer
	DueAt         time.Time
	Attempts      int       // card charges tried
	NextAttemptAt time.Time // card: when the next retry runs
	IssuedAt      time.Time
	PaidAt        time.Time
	// refundTo is a credit note's charge to refund, when its issue knew it.
	refundTo string
}

// The invoice kinds and statuses.
const (
	KindInvoice     = "invoice"
	KindCreditNote  = "credit_note"
	InvoiceOpen     = "open"
	InvoicePaid     = "paid"
	InvoiceIssued   = "issued"   // a credit note, its money not returned yet
	InvoiceRefunded = "refunded" // a credit note refunded to the card that paid
	InvoiceCredited = "credited" // a credit note taken off the next invoice
)

// PaymentMethod is a card (a provider's token: never the number) or invoice
// payment (請求書払い), which an operator approves per tenant.
type PaymentMethod struct {
	ID         string
	TenantID   string
	Kind       string // MethodCard, MethodInvoice
	Status     string // MethodActive, MethodPending (invoice payment awaiting approval)
	Default    bool
	Token      string `json:"-"` // the provider's: never shown
	Brand      string
	Last4      string
	ExpMonth   int
	ExpYear    int
	CreatedAt  time.Time
	ApprovedAt time.Time
}

// The payment-method kinds and statuses.
const (
	MethodCard    = "card"
	MethodInvoice = "invoice"
	MethodActive  = "active"
	MethodPending = "pending"
)

// Closure is a canceled tenant's retention: its data goes at PurgeAfter.
type Closure struct {
	TenantID   string
	ClosedAt   time.Time
	PurgeAfter time.Time
	PurgedAt   time.Time
}

// InvoiceFilter selects invoices: a tenant's, or every tenant's for
// operators (TenantID ""), issued in [From, To), of at least MinTotal.
type InvoiceFilter struct {
	TenantID  string
	From, To  time.Time
	MinTotal  int64
	Recipient string // part of the company name
	Status    string
	Kind      string
	Limit     int
}

// Store is what the billing service needs from the database. Get methods
// return NotFound for missing rows and lock the row in a transaction;
// Create methods return Conflict for unique violations.
type Store interface {
	OpsStore // the operator's views (ops_invoices.go)
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// AfterCommit runs f once the transaction in ctx has committed (now,
	// outside one); nothing when it rolls back.
	AfterCommit(ctx context.Context, f func(ctx context.Context))
	GetTenant(ctx context.Context, id string) (*tenant.Tenant, error)
	// ReadTenant is GetTenant without the lock, for a member change that
	// holds the tenant already (member.Store.LockBillable).
	ReadTenant(ctx context.Context, id string) (*tenant.Tenant, error)
	UpdateTenant(ctx context.Context, t *tenant.Tenant) error
	// ReadSuperAdmin returns the super admin without locking its row.
	ReadSuperAdmin(ctx context.Context, tenantID string) (*member.Member, error)
	CountBillable(ctx context.Context, tenantID string) (int, error)
	// BillableHistory returns stored daily counts (member package).
	BillableHistory(ctx context.Context, tenantID string, from, to time.Time) ([]member.DayCount, error)
	// GetSubscription returns tenantID's subscription. Errors: NotFound (free).
	GetSubscription(ctx context.Context, tenantID string) (*Subscription, error)
	// PutSubscription inserts or updates s when its stored version is
	// s.Version-1 (or it has none). Errors: Conflict (the version moved).
	PutSubscription(ctx context.Context, s *Subscription) error
	// DueSubscriptions returns up to limit subscriptions with something due
	// on or before day, of tenants after the tenant id after, in id order.
	DueSubscriptions(ctx context.Context, day time.Time, after string, limit int) ([]*Subscription, error)
	CreateQuote(ctx context.Context, q *Quote) error
	GetQuote(ctx context.Context, tenantID, id string) (*Quote, error)
	UpdateQuote(ctx context.Context, q *Quote) error
	// ApplyingQuotes returns tenantID's quotes whose payment is being taken.
	ApplyingQuotes(ctx context.Context, tenantID string) ([]*Quote, error)
	// MailDomains returns tenantID's verified domain names, the primary first.
	MailDomains(ctx context.Context, tenantID string) ([]string, error)
	// CreateInvoice inserts inv with its lines and without a number.
	// Errors: Conflict (the period and reason were billed).
	CreateInvoice(ctx context.Context, inv *Invoice) error
	// NumberInvoices numbers up to limit of issuer's committed invoices
	// without a number, in the order they were issued, from the issuer's
	// gapless counter ("KNR" becomes "KNR-000042"), and returns them with
	// their lines; in the caller's transaction, which holds the counter.
	NumberInvoices(ctx context.Context, issuer, prefix string, limit int) ([]*Invoice, error)
	// InvoiceNumber returns an invoice's number, "" until it is numbered.
	InvoiceNumber(ctx context.Context, id string) (string, error)
	GetInvoice(ctx context.Context, tenantID, id string) (*Invoice, error)
	// UpdateInvoicePayment stores the payment fields only: issued amounts never change.
	UpdateInvoicePayment(ctx context.Context, inv *Invoice) error
	// MarkRefunded records the refund of credit note id if it is still
	// issued, and reports whether it did.
	MarkRefunded(ctx context.Context, id, refundID string, at time.Time) (bool, error)
	ListInvoices(ctx context.Context, f InvoiceFilter) ([]*Invoice, error)
	// OverdueInvoices counts tenantID's open invoices due before day.
	OverdueInvoices(ctx context.Context, tenantID string, day time.Time) (int, error)
	// RetryOpenInvoices makes tenantID's open card invoices due for a charge at now.
	RetryOpenInvoices(ctx context.Context, tenantID string, now time.Time) error
	// RetryableInvoices returns up to limit open card invoices whose next
	// attempt is due, with ids after after, in id order.
	RetryableInvoices(ctx context.Context, now time.Time, after string, limit int) ([]*Invoice, error)
	// UnrefundedCreditNotes returns up to limit credit notes still issued
	// (not refunded yet), with ids after after, in id order.
	UnrefundedCreditNotes(ctx context.Context, after string, limit int) ([]*Invoice, error)
	CreatePaymentMethod(ctx context.Context, m *PaymentMethod) error
	GetPaymentMethod(ctx context.Context, tenantID, id string) (*PaymentMethod, error)
	ListPaymentMethods(ctx context.Context, tenantID string) ([]*PaymentMethod, error)
	UpdatePaymentMethod(ctx context.Context, m *PaymentMethod) error
	DeletePaymentMethod(ctx context.Context, tenantID, id string) error
	// AddPendingLines keeps lines for the tenant's next regular invoice;
	// TakePendingLines removes and returns them.
	AddPendingLines(ctx context.Context, tenantID string, lines []Line) error
	TakePendingLines(ctx context.Context, tenantID string) ([]Line, error)
	// PutPartnerTerms records the terms of a partner's customer from a day.
	PutPartnerTerms(ctx context.Context, tenantID string, from time.Time, t Terms) error
	// PartnerTerms returns the terms in effect on from and their changes
	// before to, oldest first.
	PartnerTerms(ctx context.Context, tenantID string, from, to time.Time) ([]DatedTerms, error)
	PendingLines(ctx context.Context, tenantID string) ([]Line, error)
	// StuckQuotes returns up to limit quotes left applying (a crash between
	// the charge and its record) that expired before now or began applying
	// before since, with ids after after, in id order.
	StuckQuotes(ctx context.Context, now, since time.Time, after string, limit int) ([]*Quote, error)
	PutClosure(ctx context.Context, c *Closure) error
	DueClosures(ctx context.Context, now time.Time) ([]*Closure, error)
	// PurgeTenant deletes a closed tenant's data but its invoices.
	PurgeTenant(ctx context.Context, tenantID string) error
	RevokeTenantSessions(ctx context.Context, tenantID string, now time.Time) (int, error)
	AppendAuditEvents(ctx context.Context, events ...*audit.Event) error
	// Enqueue starts a job of kind for each refID when the transaction commits.
	Enqueue(ctx context.Context, kind string, now time.Time, refIDs ...string) error
	StatsStore
}
