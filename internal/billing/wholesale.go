package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/money"
	"github.com/kanri/kanri/internal/tenant"
)

// WholesaleCustomer is a partner's customer, billed to the partner from
// the day it switched.
type WholesaleCustomer struct {
	TenantID string
	Name     string
	Since    time.Time // the switch
}

// WholesaleTerms are a partner's prices: its price list's monthly unit
// price per "plan/contract", else the catalog's less Discount percent.
type WholesaleTerms struct {
	Discount int
	Prices   map[string]int64
}

// unit is the wholesale monthly unit price of plan on contract.
func (w WholesaleTerms) unit(plan *Plan, contract, currency string) (money.Money, error) {
	if p, ok := w.Prices[plan.ID+"/"+contract]; ok {
		return money.New(p, currency), nil
	}
	return money.Prorate(money.New(plan.Prices[contract], currency), 1, int64(100-w.Discount), 100)
}

// StatementLine is one customer's line of a wholesale statement.
type StatementLine struct {
	TenantID string
	Customer string
	Line
}

// Statement is a partner's wholesale statement for a calendar month:
// each customer's line at the wholesale price, tax once per rate.
type Statement struct {
	Month    time.Time // its first day
	Discount int       // percent off the catalog's prices where the price list has none
	Currency string
	Lines    []StatementLine
	Subtotal int64
	Taxes    []TaxAmount
	Tax      int64
	Total    int64
}

// Wholesale prices the month that starts on first for a
// partner's customers: per customer its plan's monthly price from the
// partner's price list, else less the discount (rounded half up), times its licenses (annual
// contracts) or its highest billable members of the month (monthly), for
// the month's days from its switch, a line per span of the same terms (as
// recorded by PutPartnerTerms). The free plan bills nothing.
func (s *Service) Wholesale(ctx context.Context, customers []WholesaleCustomer, w WholesaleTerms, first time.Time, lang string) (*Statement, error) {
	if first.Day() != 1 {
		return nil, fmt.Errorf("wholesale statement for %s: not a month's first day", isoDay(first))
	}
	st := &Statement{Month: first, Discount: w.Discount, Currency: s.Catalog.Currency}
	end := first.AddDate(0, 1, 0)
	for _, c := range customers {
		from := first
		if since := s.today(c.Since); since.After(first) {
			from = since
		}
		if !from.Before(end) {
			continue
		}
		lines, err := s.wholesaleLines(ctx, c.TenantID, w, from, end, lang)
		if err != nil {
			return nil, err
		}
		for _, l := range lines {
			st.Lines = append(st.Lines, StatementLine{c.TenantID, c.Name, l})
		}
	}
	lines := make([]Line, len(st.Lines))
	for i, l := range st.Lines {
		lines[i] = l.Line
	}
	var err error
	st.Subtotal, st.Taxes, st.Tax, st.Total, err = totals(st.Currency, lines)
	return st, err
}

// wholesaleLines are one customer's lines for [from, end) of a month: one
// per span of the same terms (the partner's changes split the month).
func (s *Service) wholesaleLines(ctx context.Context, tenantID string, w WholesaleTerms, from, end time.Time, lang string) ([]Line, error) {
	sub, err := s.current(ctx, &tenant.Tenant{ID: tenantID, Channel: tenant.ChannelPartner})
	if err != nil || sub.Status == StatusCanceled {
		return nil, err
	}
	spans, err := s.Store.PartnerTerms(ctx, tenantID, from, end)
	if err != nil {
		return nil, err
	}
	if len(spans) == 0 { // a customer without history: its terms now
		spans = []DatedTerms{{From: from, Terms: sub.Terms}}
	}
	var out []Line
	for i, span := range spans {
		start, stop := span.From, end
		if start.Before(from) {
			start = from
		}
		if i+1 < len(spans) {
			stop = spans[i+1].From
		}
		if !start.Before(stop) {
			continue
		}
		l, err := s.wholesaleLine(ctx, tenantID, span.Terms, w, start, stop, lang)
		if err != nil {
			return nil, err
		}
		if l.Quantity != 0 {
			out = append(out, l)
		}
	}
	return out, nil
}

// wholesaleLine prices terms for [from, to) of from's month at the
// wholesale price; the free plan is nothing.
func (s *Service) wholesaleLine(ctx context.Context, tenantID string, terms Terms, w WholesaleTerms, from, to time.Time, lang string) (Line, error) {
	plan := s.Catalog.Plan(terms.Plan)
	if plan == nil || plan.Free {
		return Line{}, nil
	}
	qty := int64(terms.Licenses)
	if terms.Contract == Monthly {
		n, err := s.highest(ctx, tenantID, from, to)
		if err != nil {
			return Line{}, err
		}
		qty = int64(n)
	}
	unit, err := w.unit(plan, terms.Contract, s.Catalog.Currency)
	if err != nil {
		return Line{}, errs.Wrap(errs.Invalid, err, "billing.amount_too_large")
	}
	start, end := month(from)
	days, monthDays := daysBetween(from, to), daysBetween(start, end)
	amount, err := money.Prorate(unit, qty, days, monthDays)
	if err != nil {
		return Line{}, errs.Wrap(errs.Invalid, err, "billing.amount_too_large")
	}
	return Line{Description: describe(plan, terms.Contract, qty, lang), PeriodStart: from, PeriodEnd: to, Quantity: qty,
		UnitAmount: unit.Amount, Amount: amount.Amount, TaxPercent: s.Catalog.TaxPercent, UnitPerMonth: unit.Amount,
		Days: days, PeriodDays: monthDays}, nil
}
