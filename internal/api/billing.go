package api

import (
	"time"

	"github.com/kanri/kanri/internal/billing"
)

// Catalog is what Kanri sells on the wire: prices in minor units of
// Currency, tax-exclusive (税別).
type Catalog struct {
	Product            CatalogProduct `json:"product"`
	Currency           string         `json:"currency"`
	TaxPercent         int64          `json:"tax_percent"`
	MinImmediateCharge int64          `json:"min_immediate_charge" doc:"licenses added mid-term whose total (tax included) is below this are billed with the next regular invoice, not charged at once; 0: off"`
	Plans              []Plan         `json:"plans" doc:"from the cheapest: a later plan is an upgrade"`
}

// CatalogProduct is the product every plan belongs to.
type CatalogProduct struct {
	ID   string            `json:"id"`
	Name map[string]string `json:"name" doc:"the name per language (ja, en)"`
}

// Plan is one plan of the catalog.
type Plan struct {
	ID                 string            `json:"id"`
	Name               map[string]string `json:"name" doc:"the name per language (ja, en)"`
	Free               bool              `json:"free" doc:"the plan every tenant starts on"`
	Prices             PlanPrices        `json:"prices" doc:"only the contracts the plan is offered on"`
	Mode               string            `json:"mode" enum:"flexible,all_employees" doc:"all_employees: the licenses follow the billable members (adding one adds a license, billed prorated)"`
	MemberLimit        int               `json:"member_limit" doc:"most billable members (0: no cap but the licenses)"`
	Features           []string          `json:"features"`
	Reduction          string            `json:"reduction" enum:"at_renewal,immediate_credit" doc:"what removing licenses mid-term does"`
	ProrationInvoicing string            `json:"proration_invoicing" enum:"immediate,next_invoice" doc:"when licenses added mid-term are charged"`
	ReturnToFree       bool              `json:"return_to_free" doc:"whether a downgrade to the free plan is allowed"`
}

// PlanPrices are a plan's prices per contract, in minor units.
type PlanPrices struct {
	Monthly       *int64 `json:"monthly,omitempty" doc:"per billable member per month, billed monthly in arrears"`
	Annual        *int64 `json:"annual,omitempty" doc:"per license per month, 12 months billed up front"`
	AnnualMonthly *int64 `json:"annual_monthly,omitempty" doc:"per license per month, 12 months billed monthly"`
}

func toCatalog(c *billing.Catalog) Catalog {
	return Catalog{CatalogProduct{c.Product.ID, c.Product.Name}, c.Currency, c.TaxPercent, c.MinImmediateCharge, mapSlice(c.Plans, toPlan)}
}

func toPlan(p *billing.Plan) Plan {
	price := func(contract string) *int64 {
		if v, ok := p.Prices[contract]; ok {
			return &v
		}
		return nil
	}
	return Plan{ID: p.ID, Name: p.Name, Free: p.Free, Prices: PlanPrices{price(billing.Monthly), price(billing.Annual), price(billing.AnnualMonthly)},
		Mode: p.Mode, MemberLimit: p.MemberLimit, Features: nonNil(p.Features), Reduction: p.Reduction,
		ProrationInvoicing: p.ProrationInvoicing, ReturnToFree: p.ReturnToFree}
}

// Terms is a plan on a contract.
type Terms struct {
	Plan     string `json:"plan"`
	Contract string `json:"contract" enum:"monthly,annual,annual_monthly"`
	Licenses int    `json:"licenses" doc:"annual contracts; 0 on monthly, which counts members"`
}

func toTerms(t billing.Terms) Terms { return Terms{t.Plan, t.Contract, t.Licenses} }

// Subscription is a tenant's contract on the wire. Days are YYYY-MM-DD in
// the billing zone (JST); period_end is the period's last day.
type Subscription struct {
	Terms
	Status      string `json:"status" enum:"active,past_due,canceled"`
	Channel     string `json:"channel" enum:"direct,partner"`
	MailDomain  string `json:"mail_domain,omitempty"`
	PeriodStart string `json:"period_start,omitempty" doc:"first day of the current period"`
	PeriodEnd   string `json:"period_end,omitempty" doc:"last day of the current period (inclusive)"`
	PaidThrough string `json:"paid_through,omitempty" doc:"annual_monthly: last day paid for (inclusive)"`
	Next        *Terms `json:"next,omitempty" doc:"a change scheduled for the day after period_end"`
	CancelAt    string `json:"cancel_at,omitempty" doc:"a scheduled cancellation takes effect on this day (the day after period_end)"`
	Version     int64  `json:"version" doc:"0: the free plan, never changed"`
}

func toSubscription(s *billing.Subscription) Subscription {
	out := Subscription{Terms: toTerms(s.Terms), Status: s.Status, Channel: s.Channel, MailDomain: s.MailDomain,
		PeriodStart: day(s.PeriodStart), PeriodEnd: lastDay(s.PeriodEnd), PaidThrough: lastDay(s.PaidThrough), CancelAt: day(s.CancelAt), Version: s.Version}
	if s.Next != nil {
		n := toTerms(*s.Next)
		out.Next = &n
	}
	return out
}

// Licenses is the license count as the license screen shows it (seed 002),
// before any quote.
type Licenses struct {
	Subscription Subscription `json:"subscription"`
	Billable     int          `json:"billable" doc:"billable members: the license count cannot go below them"`
	SelfService  bool         `json:"self_service" doc:"whether the count can be changed here: quote the current plan and contract with the new count"`
	Refusal      *Refusal     `json:"refusal,omitempty" doc:"when self_service is false: why, and what to do instead"`
}

// Refusal is why something cannot be done, as a problem's code, params and
// detail say it.
type Refusal struct {
	Code   string         `json:"code"`
	Params map[string]any `json:"params,omitempty"`
	Detail string         `json:"detail" doc:"in the request's language"`
}

func toLicenses(l *billing.LicenseState, lang string) Licenses {
	out := Licenses{Subscription: toSubscription(l.Subscription), Billable: l.Billable, SelfService: l.Refusal == nil}
	if r := l.Refusal; r != nil {
		out.Refusal = &Refusal{Code: r.Code, Params: r.Params, Detail: r.Message(lang)}
	}
	return out
}

// Line is a line of a quote or an invoice. Amounts are in minor units.
type Line struct {
	Description string `json:"description"`
	PeriodStart string `json:"period_start" doc:"first day billed (YYYY-MM-DD)"`
	PeriodEnd   string `json:"period_end" doc:"last day billed, inclusive (YYYY-MM-DD)"`
	Quantity    int64  `json:"quantity"`
	UnitAmount  int64  `json:"unit_amount" doc:"per quantity for the whole period"`
	Amount      int64  `json:"amount" doc:"prorated by days, rounded; negative for a credit"`
	TaxPercent  int64  `json:"tax_percent"`
	// The basis: amount = unit_amount × quantity × days / period_days,
	// rounded half away from zero, where unit_amount is unit_per_month
	// times the months of the period (12 for annual, else 1).
	UnitPerMonth int64 `json:"unit_per_month" doc:"the catalog's monthly price the line is billed at; 0 on lines issued before the basis was kept"`
	Days         int64 `json:"days" doc:"the days billed: period_start to period_end"`
	PeriodDays   int64 `json:"period_days" doc:"the days of the term (annual) or month the amount is prorated over"`
}

func toLine(l billing.Line) Line {
	return Line{l.Description, day(l.PeriodStart), lastDay(l.PeriodEnd), l.Quantity, l.UnitAmount, l.Amount, l.TaxPercent,
		l.UnitPerMonth, l.Days, l.PeriodDays}
}

// TaxAmount is the tax on the lines of one rate, rounded down once.
type TaxAmount struct {
	Percent int64 `json:"percent"`
	Base    int64 `json:"base"`
	Tax     int64 `json:"tax"`
}

func toTaxes(ts []billing.TaxAmount) []TaxAmount {
	return mapSlice(ts, func(t billing.TaxAmount) TaxAmount { return TaxAmount{t.Percent, t.Base, t.Tax} })
}

// Quote is a priced change: total is exactly what applying it bills.
type Quote struct {
	ID         string      `json:"id"`
	Kind       string      `json:"kind" enum:"upgrade,downgrade,licenses,reduce"`
	From       Terms       `json:"from"`
	To         Terms       `json:"to"`
	MailDomain string      `json:"mail_domain,omitempty"`
	Effective  string      `json:"effective" doc:"the day the change takes effect (YYYY-MM-DD)"`
	Invoicing  string      `json:"invoicing" enum:"now,next_invoice,none" doc:"when lines are billed: now; with the next regular invoice (the plan's proration_invoicing, or licenses added for less than the catalog's min_immediate_charge); none (a change scheduled for the period's end)"`
	Lines      []Line      `json:"lines"`
	Estimate   []Line      `json:"estimate" doc:"monthly contract: what the month will probably cost at today's member count; not billed now"`
	Currency   string      `json:"currency"`
	Subtotal   int64       `json:"subtotal"`
	Taxes      []TaxAmount `json:"taxes"`
	Tax        int64       `json:"tax"`
	Total      int64       `json:"total"`
	Status     string      `json:"status" enum:"open,applying,applied,declined"`
	ExpiresAt  time.Time   `json:"expires_at" doc:"apply it by then"`
	CreatedAt  time.Time   `json:"created_at"`
}

func toQuote(q *billing.Quote) Quote {
	return Quote{ID: q.ID, Kind: q.Kind, From: toTerms(q.From), To: toTerms(q.To), MailDomain: q.MailDomain, Effective: day(q.Effective),
		Invoicing: q.Invoicing, Lines: mapSlice(q.Lines, toLine), Estimate: mapSlice(q.Estimate, toLine), Currency: q.Currency,
		Subtotal: q.Subtotal, Taxes: toTaxes(q.Taxes), Tax: q.Tax, Total: q.Total, Status: q.Status, ExpiresAt: q.ExpiresAt, CreatedAt: q.CreatedAt}
}

// Invoice is an invoice or a credit note (返還インボイス) on the wire: a
// qualified invoice (適格請求書) with the issuer's registration number.
type Invoice struct {
	ID                 string      `json:"id"`
	Number             string      `json:"number" doc:"gapless per issuer (KNR-000042); empty only between the issue and its numbering, right after the commit (after a crash, until the minutely resume job numbers it)"`
	Kind               string      `json:"kind" enum:"invoice,credit_note"`
	OriginalID         string      `json:"original_id,omitempty" doc:"a credit note: the invoice it credits"`
	OriginalNumber     string      `json:"original_number,omitempty" doc:"a credit note, read alone: the number of the invoice it credits"`
	Status             string      `json:"status" enum:"open,paid,issued,refunded,credited"`
	Currency           string      `json:"currency"`
	Lines              []Line      `json:"lines,omitempty" doc:"GET of one invoice only"`
	Subtotal           int64       `json:"subtotal"`
	Taxes              []TaxAmount `json:"taxes"`
	Tax                int64       `json:"tax"`
	Total              int64       `json:"total"`
	IssuerName         string      `json:"issuer_name"`
	IssuerRegistration string      `json:"issuer_registration" doc:"適格請求書発行事業者登録番号: T and 13 digits"`
	RecipientName      string      `json:"recipient_name"`
	RecipientEmail     string      `json:"recipient_email"`
	PaymentKind        string      `json:"payment_kind,omitempty" enum:"card,invoice"`
	BankDetails        string      `json:"bank_details,omitempty" doc:"invoice payment: where to transfer"`
	DueAt              string      `json:"due_at,omitempty" doc:"YYYY-MM-DD"`
	Attempts           int         `json:"attempts" doc:"card charges tried"`
	NextAttemptAt      time.Time   `json:"next_attempt_at,omitzero"`
	IssuedAt           time.Time   `json:"issued_at"`
	PaidAt             time.Time   `json:"paid_at,omitzero"`
}

func toInvoice(i *billing.Invoice) Invoice {
	return Invoice{ID: i.ID, Number: i.Number, Kind: i.Kind, OriginalID: i.OriginalID, OriginalNumber: i.OriginalNumber, Status: i.Status, Currency: i.Currency,
		Lines: mapSlice(i.Lines, toLine), Subtotal: i.Subtotal, Taxes: toTaxes(i.Taxes), Tax: i.Tax, Total: i.Total,
		IssuerName: i.IssuerName, IssuerRegistration: i.IssuerRegistration, RecipientName: i.RecipientName, RecipientEmail: i.RecipientEmail,
		PaymentKind: i.PaymentKind, BankDetails: i.BankDetails, DueAt: day(i.DueAt), Attempts: i.Attempts, NextAttemptAt: i.NextAttemptAt,
		IssuedAt: i.IssuedAt, PaidAt: i.PaidAt}
}

// PaymentMethod is a card (brand and last 4 digits only) or invoice
// payment (請求書払い), which an operator approves.
type PaymentMethod struct {
	ID         string    `json:"id"`
	Type       string    `json:"type" enum:"card,invoice"`
	Status     string    `json:"status" enum:"active,pending" doc:"pending: invoice payment awaiting an operator's approval"`
	Default    bool      `json:"default" doc:"the method charged"`
	Brand      string    `json:"brand,omitempty"`
	Last4      string    `json:"last4,omitempty"`
	ExpMonth   int       `json:"exp_month,omitempty"`
	ExpYear    int       `json:"exp_year,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	ApprovedAt time.Time `json:"approved_at,omitzero"`
}

func toPaymentMethod(m *billing.PaymentMethod) PaymentMethod {
	return PaymentMethod{m.ID, m.Kind, m.Status, m.Default, m.Brand, m.Last4, m.ExpMonth, m.ExpYear, m.CreatedAt, m.ApprovedAt}
}

// RunReport says what a billing run did.
type RunReport struct {
	Renewed  int      `json:"renewed" doc:"subscriptions moved to their next period or instalment"`
	Charged  int      `json:"charged" doc:"card invoices paid"`
	Declined int      `json:"declined" doc:"card charges refused (retried later)"`
	Purged   int      `json:"purged" doc:"closed tenants whose data was deleted"`
	Problems []string `json:"problems" doc:"what failed (the next run tries it again)"`
}

// day is a civil day as YYYY-MM-DD, or "" for none.
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// lastDay shows an exclusive end (the first day after) as the last day.
func lastDay(end time.Time) string {
	if end.IsZero() {
		return ""
	}
	return day(end.AddDate(0, 0, -1))
}
