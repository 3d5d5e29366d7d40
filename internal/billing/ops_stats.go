package billing

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/money"
	"github.com/kanri/kanri/internal/tenant"
)

// StatsStore is what the operator's statistics need from the database.
type StatsStore interface {
	// TenantFigures returns every tenant, closed ones too, with its
	// subscription, closure and billable members, in id order.
	TenantFigures(ctx context.Context) ([]TenantFigure, error)
}

// TenantFigure is a tenant as the operator's statistics count it.
type TenantFigure struct {
	TenantID  string
	Open      bool // the tenant is active (not closed)
	CreatedAt time.Time
	ClosedAt  time.Time // when its cancellation took effect; zero while open
	// Its subscription: Plan is "" for a tenant that never left the free plan.
	Plan, Contract, Status, Channel string
	Licenses                        int
	Billable                        int // billable members now: what a monthly contract pays for
}

// OpsStats are the operator's statistics (SPEC §9): monthly recurring
// revenue, tenants by plan and churn per month.
type OpsStats struct {
	AsOf     time.Time
	Currency string
	// MRR is the monthly recurring revenue of the active subscriptions, in
	// minor units without tax, at the catalog's prices: per member per month
	// on the monthly contract (today's billable members), per license per
	// month on the annual ones (an annual term's price ÷ 12). Partners'
	// customers count at the catalog's price too, before the partner's
	// discount. Past-due subscriptions are left out.
	MRR      int64
	Paying   int // the subscriptions MRR counts
	Plans    []PlanFigure
	Channels []ChannelFigure
	Churn    []ChurnMonth // oldest first; the last is the month so far
}

// PlanFigure is one plan's open tenants and their MRR.
type PlanFigure struct {
	Plan    string
	Tenants int
	MRR     int64
}

// ChannelFigure is the MRR of one contract channel (direct, partner).
type ChannelFigure struct {
	Channel string
	Paying  int
	MRR     int64
}

// ChurnMonth is one month of the billing calendar: the tenants at its
// start, the cancellations that took effect in it, and the rate.
type ChurnMonth struct {
	Month    time.Time // its first day
	Start    int
	Canceled int
	// RateBP is Canceled ÷ Start in hundredths of a percent (250 is 2.50%),
	// rounded half up; -1 when no tenant was there at the start.
	RateBP int
}

// StatsMonths is how many months of churn the statistics show.
const StatsMonths = 12

// OpsStats computes the operator's statistics as of now. Errors: NotFound
// (not an operator), Internal (MRR beyond int64).
func (s *Service) OpsStats(ctx context.Context) (*OpsStats, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	ts, err := s.Store.TenantFigures(ctx)
	if err != nil {
		return nil, err
	}
	return Figures(s.Catalog, ts, now, s.Zone, StatsMonths)
}

// pays reports whether t's subscription counts in MRR.
func pays(t *TenantFigure) bool { return t.Open && t.Plan != "" && t.Status == StatusActive }

// Figures computes the statistics of tenants as of now, with months of
// churn ending with now's month of the billing calendar in zone.
func Figures(cat *Catalog, tenants []TenantFigure, now time.Time, zone *time.Location, months int) (*OpsStats, error) {
	st := &OpsStats{AsOf: now, Currency: cat.Currency}
	plans := map[string]*PlanFigure{}
	channels := map[string]*ChannelFigure{}
	for _, p := range cat.Plans {
		plans[p.ID] = &PlanFigure{Plan: p.ID}
	}
	for _, ch := range []string{tenant.ChannelDirect, tenant.ChannelPartner} {
		channels[ch] = &ChannelFigure{Channel: ch}
	}
	for i := range tenants {
		t := &tenants[i]
		if !t.Open {
			continue
		}
		id := cmp.Or(t.Plan, cat.FreePlan().ID)
		if plans[id] == nil {
			plans[id] = &PlanFigure{Plan: id}
		}
		plans[id].Tenants++
		if !pays(t) {
			continue
		}
		mrr, err := recurring(cat, t)
		if err != nil {
			return nil, fmt.Errorf("MRR of %s: %w", t.TenantID, err)
		}
		if channels[t.Channel] == nil {
			channels[t.Channel] = &ChannelFigure{Channel: t.Channel}
		}
		for _, sum := range []*int64{&st.MRR, &plans[id].MRR, &channels[t.Channel].MRR} {
			if *sum, err = addAmounts(cat.Currency, *sum, mrr); err != nil {
				return nil, fmt.Errorf("MRR: %w", err)
			}
		}
		st.Paying++
		channels[t.Channel].Paying++
	}
	st.Plans = planOrder(cat, plans)
	for _, ch := range channels {
		st.Channels = append(st.Channels, *ch)
	}
	slices.SortFunc(st.Channels, func(a, b ChannelFigure) int { return cmp.Compare(a.Channel, b.Channel) })
	st.Churn = churn(tenants, now, zone, months)
	return st, nil
}

// recurring is t's recurring revenue per month at the catalog's price.
func recurring(cat *Catalog, t *TenantFigure) (int64, error) {
	plan := cat.Plan(t.Plan)
	if plan == nil || plan.Free {
		return 0, nil // a plan no longer sold has no price to count
	}
	qty := int64(t.Licenses)
	if t.Contract == Monthly {
		qty = int64(t.Billable)
	}
	m, err := money.Prorate(money.New(plan.Prices[t.Contract], cat.Currency), qty, 1, 1)
	return m.Amount, err
}

// addAmounts sums two amounts of currency, refusing an overflow.
func addAmounts(currency string, a, b int64) (int64, error) {
	m, err := money.New(a, currency).Add(money.New(b, currency))
	return m.Amount, err
}

// planOrder lists the catalog's plans in its order, then plans it no
// longer has that tenants are still on, by id.
func planOrder(cat *Catalog, plans map[string]*PlanFigure) []PlanFigure {
	var out []PlanFigure
	for _, p := range cat.Plans {
		out = append(out, *plans[p.ID])
		delete(plans, p.ID)
	}
	var gone []PlanFigure
	for _, p := range plans {
		gone = append(gone, *p)
	}
	slices.SortFunc(gone, func(a, b PlanFigure) int { return cmp.Compare(a.Plan, b.Plan) })
	return append(out, gone...)
}

// churn counts, for each of the months up to now's, the tenants open at its
// first day (created before it, not closed before it) and the
// cancellations that took effect in it, in days of the billing calendar.
func churn(tenants []TenantFigure, now time.Time, zone *time.Location, months int) []ChurnMonth {
	current := monthStart(Day(now, zone))
	out := make([]ChurnMonth, 0, months)
	for i := months - 1; i >= 0; i-- {
		start := current.AddDate(0, -i, 0)
		end := start.AddDate(0, 1, 0)
		m := ChurnMonth{Month: start}
		for _, t := range tenants {
			created, closed := Day(t.CreatedAt, zone), time.Time{}
			if !t.ClosedAt.IsZero() {
				closed = Day(t.ClosedAt, zone)
			}
			if created.Before(start) && (closed.IsZero() || !closed.Before(start)) {
				m.Start++
			}
			if !closed.IsZero() && !closed.Before(start) && closed.Before(end) {
				m.Canceled++
			}
		}
		m.RateBP = -1
		if m.Start > 0 {
			m.RateBP = (m.Canceled*20000 + m.Start) / (2 * m.Start)
		}
		out = append(out, m)
	}
	return out
}
