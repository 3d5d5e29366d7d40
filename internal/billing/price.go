package billing

import (
	"fmt"
	"math"
	"time"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/money"
)

// pricing is everything a quote's price depends on.
type pricing struct {
	cat      *Catalog
	sub      *Subscription // the current one; the free plan when the tenant has none
	to       Terms
	today    time.Time
	billable int // billable members now
	// segmentMax is the highest billable count from the monthly segment's
	// start to yesterday: what the closed segment is billed on.
	segmentMax int
	lang       string
}

// price decides what moving p.sub to p.to means and costs (SPEC §3): the
// kind, when it takes effect and the lines billed for it. Errors: Invalid,
// FailedPrecondition, each saying what to change.
func price(p pricing) (*Quote, error) {
	from, to := p.cat.Plan(p.sub.Plan), p.cat.Plan(p.to.Plan)
	if from == nil {
		return nil, errs.E(errs.FailedPrecondition, "billing.current_plan_gone", "plan", p.sub.Plan)
	}
	if p.sub.Contract == Monthly && licensesOnly(p.sub.Terms, p.to) && p.to.Licenses != 0 {
		return nil, errs.Field("licenses", "licenses.monthly_contract")
	}
	if err := p.checkTerms(to); err != nil {
		return nil, err
	}
	q := &Quote{From: p.sub.Terms, To: p.to, Currency: p.cat.Currency, Effective: p.today, Invoicing: InvoiceNow}
	if q.From == q.To && p.sub.Status != StatusCanceled {
		return nil, errs.Field("plan", "billing.already_current")
	}
	fromRank, toRank := p.cat.Rank(from.ID), p.cat.Rank(to.ID)
	var err error
	switch {
	case from.Free || p.sub.Status == StatusCanceled:
		q.Kind = QuoteUpgrade
		err = p.start(q, to)
	case to.Free:
		if !from.ReturnToFree {
			return nil, errs.Field("plan", "billing.free_not_offered")
		}
		p.schedule(q, QuoteDowngrade)
	case toRank < fromRank || (p.to.Contract == Monthly && p.sub.Contract != Monthly):
		p.schedule(q, QuoteDowngrade)
	case p.sub.Contract != Monthly && p.to.Contract != p.sub.Contract:
		p.schedule(q, QuoteDowngrade) // annual ⇄ annual_monthly: at renewal
	case toRank > fromRank || p.sub.Contract != p.to.Contract:
		if p.to.Licenses < p.sub.Licenses && p.to.Contract == p.sub.Contract {
			return nil, errs.Field("licenses", "billing.upgrade_then_reduce")
		}
		q.Kind = QuoteUpgrade
		err = p.upgrade(q, from, to)
	case p.to.Licenses > p.sub.Licenses:
		q.Kind = QuoteLicenses
		err = p.addLicenses(q, to)
	default:
		err = p.reduce(q, to)
	}
	if err != nil {
		return nil, err
	}
	if err := q.total(); err != nil {
		return nil, err
	}
	p.deferSmall(q)
	return q, nil
}

// deferSmall puts licenses added for less than the catalog's
// min_immediate_charge onto the next regular invoice: a card charge of a
// few yen is a known complaint (issue 14). The quote says so.
func (p pricing) deferSmall(q *Quote) {
	if q.Kind == QuoteLicenses && q.Invoicing == InvoiceNow && q.Total < p.cat.MinImmediateCharge {
		q.Invoicing = InvoiceNextRun
	}
}

// licensesOnly reports whether moving from to to changes the license count
// alone: what licenses.manage may do (SPEC §6).
func licensesOnly(from, to Terms) bool { return to.Plan == from.Plan && to.Contract == from.Contract }

// checkTerms refuses terms the catalog does not sell or the members do not fit.
func (p pricing) checkTerms(to *Plan) error {
	if to == nil {
		return errs.Field("plan", "billing.plan_unknown", "plan", p.to.Plan)
	}
	if !to.Offers(p.to.Contract) {
		return errs.Field("contract", "billing.contract_not_sold", "plan_name", to.Name.In(p.lang), "contract", p.to.Contract)
	}
	if to.MemberLimit > 0 && p.billable > to.MemberLimit {
		return errs.Field("plan", "billing.plan_member_limit", "plan_name", to.Name.In(p.lang), "limit", to.MemberLimit, "billable", p.billable)
	}
	if p.to.Contract == Monthly {
		if p.to.Licenses != 0 {
			return errs.Field("licenses", "billing.monthly_no_licenses")
		}
		return nil
	}
	switch {
	case p.to.Licenses < 1:
		return errs.Field("licenses", "billing.annual_needs_license")
	case to.Mode == PricingAllEmployees && p.to.Licenses != p.billable:
		return errs.Field("licenses", "billing.all_employees", "plan_name", to.Name.In(p.lang), "billable", p.billable)
	case p.to.Licenses < p.billable:
		return errs.Field("licenses", "licenses.below_billable", "billable", p.billable, "licenses", p.to.Licenses, "deactivate", p.billable-p.to.Licenses)
	}
	return nil
}

// schedule makes q a change at the period's end: nothing is billed now.
func (p pricing) schedule(q *Quote, kind string) {
	q.Kind, q.Effective, q.Invoicing = kind, p.sub.PeriodEnd, InvoiceNone
}

// start prices the first paid contract: from today.
func (p pricing) start(q *Quote, to *Plan) error {
	switch p.to.Contract {
	case Monthly:
		q.Invoicing = InvoiceNone
		ms, me := month(p.today)
		est, err := p.line(to, Monthly, int64(p.billable), p.today, me, ms, me)
		q.Estimate = []Line{est}
		return err
	case Annual:
		end := addMonths(p.today, 12)
		return p.add(q, to, Annual, int64(p.to.Licenses), p.today, end, p.today, end)
	default:
		end := addMonths(p.today, 1)
		return p.add(q, to, AnnualMonthly, int64(p.to.Licenses), p.today, end, p.today, end)
	}
}

// upgrade prices a dearer plan or a move to an annual contract, at once.
func (p pricing) upgrade(q *Quote, from, to *Plan) error {
	if p.sub.Contract == Monthly {
		if err := p.closeSegment(q, from); err != nil {
			return err
		}
		if p.to.Contract == Monthly {
			q.Invoicing = InvoiceNextRun // with the month's invoice
			ms, me := month(p.today)
			est, err := p.line(to, Monthly, int64(p.billable), p.today, me, ms, me)
			q.Estimate = []Line{est}
			return err
		}
		return p.start(q, to)
	}
	start, end := p.current()
	if err := p.add(q, from, p.sub.Contract, -int64(p.sub.Licenses), p.today, end, start, end); err != nil {
		return err
	}
	return p.add(q, to, p.to.Contract, int64(p.to.Licenses), p.today, end, start, end)
}

// addLicenses prices more licenses for the rest of the term (or of the
// instalment month), billed per the plan's proration_invoicing.
func (p pricing) addLicenses(q *Quote, plan *Plan) error {
	if plan.ProrationInvoicing == InvoiceNext {
		q.Invoicing = InvoiceNextRun
	}
	start, end := p.current()
	return p.add(q, plan, p.to.Contract, int64(p.to.Licenses-p.sub.Licenses), p.today, end, start, end)
}

// reduce prices fewer licenses: at renewal, or credited at once.
func (p pricing) reduce(q *Quote, plan *Plan) error {
	q.Kind = QuoteReduce
	if plan.Reduction == ReduceAtRenewal {
		p.schedule(q, QuoteReduce)
		return nil
	}
	start, end := p.current()
	return p.add(q, plan, p.to.Contract, -int64(p.sub.Licenses-p.to.Licenses), p.today, end, start, end)
}

// current is the span an annual change is prorated over: the term, or the
// instalment month on annual_monthly.
func (p pricing) current() (start, end time.Time) {
	if p.sub.Contract == AnnualMonthly {
		return instalment(p.sub.PeriodStart, p.today)
	}
	return p.sub.PeriodStart, p.sub.PeriodEnd
}

// closeSegment bills the old plan's part of a monthly period, up to yesterday.
func (p pricing) closeSegment(q *Quote, plan *Plan) error {
	if !p.sub.SegmentStart.Before(p.today) {
		return nil
	}
	ms, me := month(p.sub.PeriodStart)
	return p.add(q, plan, Monthly, int64(p.segmentMax), p.sub.SegmentStart, p.today, ms, me)
}

// add appends the line for qty of plan on contract from start to end,
// prorated over the period [periodStart, periodEnd).
func (p pricing) add(q *Quote, plan *Plan, contract string, qty int64, start, end, periodStart, periodEnd time.Time) error {
	l, err := p.line(plan, contract, qty, start, end, periodStart, periodEnd)
	if err == nil && l.Quantity != 0 {
		q.Lines = append(q.Lines, l)
	}
	return err
}

// line prices qty of plan on contract for [start, end) of the period
// [periodStart, periodEnd): unit × qty × days / days in the period (SPEC §8).
// The caller names the period's end because it cannot be derived from its
// start: an annual_monthly instalment is counted from the term's anchor
// (1/31 → 2/28 → 3/31), so the one starting 2/28 runs 31 days.
func (p pricing) line(plan *Plan, contract string, qty int64, start, end, periodStart, periodEnd time.Time) (Line, error) {
	perMonth := plan.Prices[contract]
	unit := perMonth
	if contract == Annual {
		if unit > math.MaxInt64/12 {
			return Line{}, errs.Wrap(errs.Invalid, money.ErrOverflow, "billing.amount_too_large")
		}
		unit *= 12 // the catalog prices per month; the term is paid at once
	}
	days, periodDays := daysBetween(start, end), daysBetween(periodStart, periodEnd)
	amount, err := money.Prorate(money.New(unit, p.cat.Currency), qty, days, periodDays)
	if err != nil {
		return Line{}, errs.Wrap(errs.Invalid, err, "billing.amount_too_large")
	}
	return Line{Description: describe(plan, contract, qty, p.lang), PeriodStart: start, PeriodEnd: end,
		Quantity: qty, UnitAmount: unit, Amount: amount.Amount, TaxPercent: p.cat.TaxPercent,
		UnitPerMonth: perMonth, Days: days, PeriodDays: periodDays}, nil
}

// Basis writes how l's amount is computed, so that a buyer can recompute
// it (seed 002): "¥450/月 × 12か月 × 5 × 182/365日" on an annual term, whose
// unit price covers 12 months, "¥450/月 × 5 × 15/31日" on a month; in
// Japanese unless lang is English. It is "" for a line without its basis
// (issued before it was kept).
func (l Line) Basis(currency, lang string) (string, error) {
	if l.UnitPerMonth <= 0 || l.PeriodDays <= 0 {
		return "", nil
	}
	unit, lang := money.New(l.UnitPerMonth, currency).String(), i18n.Pick(lang, i18n.JA)
	if months := l.UnitAmount / l.UnitPerMonth; months != 1 {
		return i18n.Messages().Text(lang, "billing.line.basis_months", unit, months, l.Quantity, l.Days, l.PeriodDays)
	}
	return i18n.Messages().Text(lang, "billing.line.basis", unit, l.Quantity, l.Days, l.PeriodDays)
}

// contractNames are the contracts as the screens and invoices say them.
var contractNames = map[string]Names{
	Monthly:       {"ja": "月額契約", "en": "monthly"},
	Annual:        {"ja": "年額契約(一括)", "en": "annual, paid up front"},
	AnnualMonthly: {"ja": "年額契約(月払い)", "en": "annual, paid monthly"},
}

// ContractName returns how contract is written in lang.
func ContractName(contract, lang string) string { return contractNames[contract].In(lang) }

// describe writes a line's description: "スタンダード 年額契約(一括) 10ライセンス".
func describe(plan *Plan, contract string, qty int64, lang string) string {
	unit := map[bool]Names{true: {"ja": "メンバー", "en": " members"}, false: {"ja": "ライセンス", "en": " licenses"}}[contract == Monthly]
	credit := ""
	if qty < 0 {
		credit, qty = map[string]string{"ja": " (未使用分の返金)", "en": " (credit for unused time)"}[lang], -qty
	}
	return fmt.Sprintf("%s %s %d%s%s", plan.Name.In(lang), ContractName(contract, lang), qty, unit.In(lang), credit)
}

// total sums the lines and the tax: once per rate, rounded down (SPEC §8).
func (q *Quote) total() error {
	var err error
	q.Subtotal, q.Taxes, q.Tax, q.Total, err = totals(q.Currency, q.Lines)
	return err
}
