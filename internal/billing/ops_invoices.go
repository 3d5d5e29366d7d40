package billing

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/width"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/domain"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/money"
	"github.com/kanri/kanri/internal/text"
)

// OpsStore is what the operator's views need from the database.
type OpsStore interface {
	// SearchInvoices returns up to f.Limit invoices of every tenant matching
	// f, newest first (issued_at, id), older than f's keyset cursor.
	SearchInvoices(ctx context.Context, f InvoiceSearch) ([]*FoundInvoice, error)
	// OpenInvoicesByDue counts and sums the open invoices per currency and
	// bucket of due day: bucket 0 is due on or after edges[0] (or has no
	// due day), bucket i is due in [edges[i], edges[i-1]), bucket
	// len(edges) before the last edge. Edges are in descending order.
	OpenInvoicesByDue(ctx context.Context, edges []time.Time) ([]DueTally, error)
	// CreateBillingRun records a run that started; FinishBillingRun
	// records what it did and its failures. Errors: NotFound (Finish).
	CreateBillingRun(ctx context.Context, r *RunRecord) error
	FinishBillingRun(ctx context.Context, r *RunRecord) error
	// ListBillingRuns returns up to limit runs with ids before before
	// ("": the newest), newest first, with their failures.
	ListBillingRuns(ctx context.Context, before string, limit int) ([]*RunRecord, error)
	ListDomains(ctx context.Context, tenantID string) ([]*domain.Domain, error)
	ListAuditEvents(ctx context.Context, f audit.Filter) ([]*audit.Event, error)
}

// FoundInvoice is an invoice an operator's search found, with its tenant
// as it is now (the invoice keeps the company name it was issued to).
type FoundInvoice struct {
	Invoice
	WorksGroup  string
	CompanyName string
}

// InvoiceSearch selects every tenant's invoices for operators (SPEC §8:
// searchable by date, amount and counterparty), newest first.
type InvoiceSearch struct {
	From, To time.Time // issued in [From, To); zero is unbounded
	// MinTotal and MaxTotal bound the total, tax included; nil is
	// unbounded. Credit notes have negative totals.
	MinTotal, MaxTotal *int64
	Number             string // part of the invoice number, any case
	// Counterparty is part of the company name the invoice was issued to,
	// of the tenant's company name now, or of its works group; any case.
	Counterparty string
	Status, Kind string
	Aging        string // AgingCurrent…: open invoices so many days past due
	Limit        int

	// Set by the service: the due days Aging stands for, and the keyset
	// cursor (strictly older than BeforeTime, BeforeID).
	DueFrom, DueTo time.Time // due in [DueFrom, DueTo); zero is unbounded
	Undated        bool      // invoices without a due day match too
	BeforeTime     time.Time
	BeforeID       string
}

// The aging buckets of open invoices, by days past their due day.
const (
	AgingCurrent = "current" // due today or later
	Aging1to30   = "1-30"
	Aging31to60  = "31-60"
	Aging61to90  = "61-90"
	AgingOver90  = "90+"
)

// agingEdges are the buckets' days past due: bucket i+1 starts after edge i.
var agingEdges = [...]int{0, 30, 60, 90}

// AgingKeys lists the buckets in order, from current to 90+.
func AgingKeys() []string {
	return []string{AgingCurrent, Aging1to30, Aging31to60, Aging61to90, AgingOver90}
}

// AgingBucket is one bucket of the aging view: the open invoices so many
// days past due, with their count and totals.
type AgingBucket struct {
	Key              string
	MinDays, MaxDays int       // days past due; MaxDays 0 is unbounded (90+)
	DueFrom, DueTo   time.Time // the due days it holds, [DueFrom, DueTo); zero is unbounded
	Count            int
	Totals           []money.Money // one per currency, by currency code
}

// Aging is the open invoices by days past due, as of Day (billing calendar).
type Aging struct {
	Day     time.Time
	Buckets []AgingBucket
}

// DueTally is what OpenInvoicesByDue counts for one bucket and currency.
type DueTally struct {
	Bucket   int
	Currency string
	Count    int
	Total    int64
}

// searchMaxText bounds the text filters: an invoice number or a company name.
const searchMaxText = 200

// SearchInvoices returns a page of every tenant's invoices matching f,
// newest first, and the cursor of the next page ("" at the end). cursor
// is "" for the first page. Errors: Invalid (a filter), Malformed (a
// cursor it did not hand out), NotFound (not an operator).
func (s *Service) SearchInvoices(ctx context.Context, f InvoiceSearch, cursor string) ([]*FoundInvoice, string, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, "", err
	}
	if err := s.checkSearch(&f, s.today(s.Clock.Now())); err != nil {
		return nil, "", err
	}
	if err := decodeInvoiceCursor(&f, cursor); err != nil {
		return nil, "", err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	f.Limit++
	invs, err := s.Store.SearchInvoices(ctx, f)
	if err != nil {
		return nil, "", fmt.Errorf("search invoices: %w", err)
	}
	if len(invs) < f.Limit {
		return invs, "", nil
	}
	invs = invs[:f.Limit-1]
	last := invs[len(invs)-1]
	return invs, base64.RawURLEncoding.EncodeToString([]byte(last.IssuedAt.Format(time.RFC3339Nano) + "|" + last.ID)), nil
}

// checkSearch validates f and sets the due days of its aging bucket as of
// today; text filters are trimmed and read with full-width letters and
// digits as ASCII (ＫＮＲ－１ finds KNR-1).
func (s *Service) checkSearch(f *InvoiceSearch, today time.Time) error {
	f.Number = width.Fold.String(strings.TrimSpace(f.Number))
	f.Counterparty = width.Fold.String(strings.TrimSpace(f.Counterparty))
	switch {
	case !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From):
		return errs.Field("to", "ops.invoices.dates_inverted")
	case f.MinTotal != nil && f.MaxTotal != nil && *f.MaxTotal < *f.MinTotal:
		return errs.Field("max_total", "ops.invoices.totals_inverted")
	case utf8.RuneCountInString(f.Number) > searchMaxText:
		return errs.Field("number", "ops.invoices.text_too_long", "max", searchMaxText)
	case utf8.RuneCountInString(f.Counterparty) > searchMaxText:
		return errs.Field("counterparty", "ops.invoices.text_too_long", "max", searchMaxText)
	case f.Status != "" && !slices.Contains([]string{InvoiceOpen, InvoicePaid, InvoiceIssued, InvoiceRefunded, InvoiceCredited}, f.Status):
		return errs.Field("status", "ops.invoices.status_unknown", "status", text.Printable(f.Status))
	case f.Kind != "" && !slices.Contains([]string{KindInvoice, KindCreditNote}, f.Kind):
		return errs.Field("kind", "ops.invoices.kind_unknown", "kind", text.Printable(f.Kind))
	case f.Aging == "":
		return nil
	case f.Status != "" && f.Status != InvoiceOpen:
		return errs.Field("aging", "ops.invoices.aging_open_only")
	}
	for _, b := range agingBuckets(today) {
		if b.Key == f.Aging {
			f.Status, f.DueFrom, f.DueTo, f.Undated = InvoiceOpen, b.DueFrom, b.DueTo, b.Key == AgingCurrent
			return nil
		}
	}
	return errs.Field("aging", "ops.invoices.aging_unknown", "aging", text.Printable(f.Aging))
}

// decodeInvoiceCursor reads a cursor SearchInvoices handed out into f.
func decodeInvoiceCursor(f *InvoiceSearch, c string) error {
	if c == "" {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	at, invID, ok := strings.Cut(string(b), "|")
	if err == nil && ok {
		f.BeforeTime, err = time.Parse(time.RFC3339Nano, at)
		f.BeforeID = invID
	}
	if err != nil || !ok || !id.Valid("inv", invID) {
		return errs.BadCursor()
	}
	return nil
}

// agingBuckets are the aging buckets as of today, without counts.
func agingBuckets(today time.Time) []AgingBucket {
	keys := AgingKeys()
	out := make([]AgingBucket, len(keys))
	for i, key := range keys {
		b := AgingBucket{Key: key}
		if i > 0 {
			b.MinDays, b.DueTo = agingEdges[i-1]+1, today.AddDate(0, 0, -agingEdges[i-1])
		}
		if i < len(agingEdges) {
			b.MaxDays, b.DueFrom = agingEdges[i], today.AddDate(0, 0, -agingEdges[i])
		}
		out[i] = b
	}
	return out
}

// InvoiceAging counts and sums every tenant's open invoices by days past
// due, as of today in the billing calendar. Errors: NotFound (not an
// operator).
func (s *Service) InvoiceAging(ctx context.Context) (*Aging, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, err
	}
	today := s.today(s.Clock.Now())
	a := &Aging{Day: today, Buckets: agingBuckets(today)}
	edges := make([]time.Time, len(agingEdges))
	for i, days := range agingEdges {
		edges[i] = today.AddDate(0, 0, -days)
	}
	tallies, err := s.Store.OpenInvoicesByDue(ctx, edges)
	if err != nil {
		return nil, fmt.Errorf("invoice aging: %w", err)
	}
	for _, t := range tallies { // in bucket and currency order
		b := &a.Buckets[t.Bucket]
		b.Count += t.Count
		b.Totals = append(b.Totals, money.New(t.Total, t.Currency))
	}
	return a, nil
}

// TenantAccount is a tenant's account as operators see it.
type TenantAccount struct {
	Subscription *Subscription // the free plan at version 0 when it has none
	Methods      []*PaymentMethod
	Invoices     []*Invoice // the newest accountInvoices, newest first
	Domains      []*domain.Domain
	Events       []*audit.Event // the newest accountEvents of its audit trail
}

// How much of a tenant's history its account shows.
const (
	accountInvoices = 20
	accountEvents   = 20
)

// TenantAccount returns tenantID's contract, payment methods, latest
// invoices, domains and latest audit events, for operators. Errors:
// NotFound (no such tenant, or not an operator).
func (s *Service) TenantAccount(ctx context.Context, tenantID string) (*TenantAccount, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, err
	}
	t, err := s.Store.ReadTenant(ctx, tenantID)
	if err != nil {
		return nil, fmt.Errorf("tenant account: %w", err)
	}
	// Read as stored, even on a plan the catalog no longer has: the page
	// that shows why its billing fails must not fail too.
	acc := &TenantAccount{}
	if acc.Subscription, err = s.Store.GetSubscription(ctx, tenantID); errs.Is(err, errs.NotFound) {
		acc.Subscription, err = s.current(ctx, t)
	}
	if err == nil {
		acc.Methods, err = s.Store.ListPaymentMethods(ctx, tenantID)
	}
	if err == nil {
		acc.Invoices, err = s.Store.ListInvoices(ctx, InvoiceFilter{TenantID: tenantID, Limit: accountInvoices})
	}
	if err == nil {
		acc.Domains, err = s.Store.ListDomains(ctx, tenantID)
	}
	if err == nil {
		acc.Events, err = s.Store.ListAuditEvents(ctx, audit.Filter{TenantID: tenantID, Limit: accountEvents})
	}
	if err != nil {
		return nil, fmt.Errorf("tenant account: %w", err)
	}
	return acc, nil
}

// StartRun runs billing now for the operator in ctx and returns the run's
// record; the error lists what failed (the record too). Errors: NotFound
// (not an operator).
func (s *Service) StartRun(ctx context.Context) (*RunRecord, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, err
	}
	return s.runRecorded(ctx)
}

// Runs returns a page of the billing runs, newest first, and the cursor
// of the next page ("" at the end). Errors: Malformed (a cursor it did not
// hand out), NotFound (not an operator).
func (s *Service) Runs(ctx context.Context, cursor string, limit int) ([]*RunRecord, string, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, "", err
	}
	if cursor != "" && !id.Valid("run", cursor) {
		return nil, "", errs.BadCursor()
	}
	limit = min(max(limit, 1), 200) + 1
	runs, err := s.Store.ListBillingRuns(ctx, cursor, limit)
	if err != nil {
		return nil, "", fmt.Errorf("billing runs: %w", err)
	}
	if len(runs) < limit {
		return runs, "", nil
	}
	runs = runs[:limit-1]
	return runs, runs[len(runs)-1].ID, nil
}

// InvoiceCSVHeader is the first row of an invoice export.
var InvoiceCSVHeader = []string{"number", "kind", "status", "issued_at", "due_on", "paid_at", "tenant_id", "works_group",
	"recipient_name", "company_name", "currency", "subtotal", "tax", "total", "payment_kind", "original_id", "id"}

// ExportInvoices writes every invoice matching f to w as CSV, newest
// first, a page at a time so memory stays flat. The text is UTF-8 without
// a byte-order mark (csvenc.NewWriter makes a download's encoding of it);
// times are in zone with their offset, amounts in minor units. Errors as
// SearchInvoices, before anything is written.
func (s *Service) ExportInvoices(ctx context.Context, f InvoiceSearch, zone *time.Location, w io.Writer) error {
	f.Limit = 500
	invs, next, err := s.SearchInvoices(ctx, f, "")
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(InvoiceCSVHeader); err != nil {
		return err
	}
	for {
		for _, inv := range invs {
			if err := cw.Write(invoiceCSVRow(inv, zone)); err != nil {
				return err
			}
		}
		if cw.Flush(); next == "" || cw.Error() != nil {
			return cw.Error()
		}
		if invs, next, err = s.SearchInvoices(ctx, f, next); err != nil {
			return err
		}
	}
}

// invoiceCSVRow is inv as a line of the export.
func invoiceCSVRow(inv *FoundInvoice, zone *time.Location) []string {
	instant := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(zone).Format(time.RFC3339)
	}
	due := ""
	if !inv.DueAt.IsZero() {
		due = inv.DueAt.Format(time.DateOnly)
	}
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	return []string{inv.Number, inv.Kind, inv.Status, instant(inv.IssuedAt), due, instant(inv.PaidAt), inv.TenantID, inv.WorksGroup,
		csvText(inv.RecipientName), csvText(inv.CompanyName), inv.Currency, n(inv.Subtotal), n(inv.Tax), n(inv.Total), inv.PaymentKind,
		inv.OriginalID, inv.ID}
}

// csvText defuses a spreadsheet formula in text people typed (a company
// name starting with "="); numbers are written as they are.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
