package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/money"
)

// opsStatsPage is the operator's statistics (SPEC §9): MRR, tenants by
// plan and churn per month, each chart with the same figures as a table.
type opsStatsPage struct {
	Page
	Stats      *billing.OpsStats
	Plans      []opsPlanRow
	Churn      []opsChurnRow
	PlanChart  *barChart
	ChurnChart *barChart
}

// opsPlanRow is one plan's line of the tenants-by-plan table.
type opsPlanRow struct {
	Name    string
	Tenants int
	MRR     string
}

// opsChurnRow is one month's line of the churn table.
type opsChurnRow struct {
	Month    string // YYYY-MM
	Label    string // 2027年3月, March 2027
	Start    int
	Canceled int
	Rate     string // 2.5%, or — when no tenant was there at the start
}

// Yen writes an amount of the statistics' currency for people: ¥12,345.
func (p *opsStatsPage) Yen(amount int64) string { return money.New(amount, p.Stats.Currency).String() }

func (c *Console) opsStats(w http.ResponseWriter, r *http.Request) {
	p := &opsStatsPage{Page: c.opsPage(r, "ops.stats.title", Crumb{Key: "ops.stats.title"})}
	st, err := c.svc.Billing.OpsStats(r.Context())
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	p.Stats = st
	var counts []int
	var names []string
	for _, pl := range st.Plans {
		name := pl.Plan
		if plan := c.svc.Billing.Catalog.Plan(pl.Plan); plan != nil {
			name = plan.Name.In(p.Lang)
		}
		p.Plans = append(p.Plans, opsPlanRow{Name: name, Tenants: pl.Tenants, MRR: p.Yen(pl.MRR)})
		counts, names = append(counts, pl.Tenants), append(names, name)
	}
	p.PlanChart = newBarChart(counts, names, strconv.Itoa, 1)
	var rates []int
	var months []string
	for _, m := range st.Churn {
		row := opsChurnRow{Month: m.Month.Format("2006-01"), Label: opsMonthLabel(m.Month, p.Lang), Start: m.Start, Canceled: m.Canceled, Rate: "—"}
		if m.RateBP >= 0 {
			row.Rate = opsPercent(m.RateBP)
		}
		p.Churn = append(p.Churn, row)
		rates, months = append(rates, max(m.RateBP, 0)), append(months, opsShortMonth(m.Month, p.Lang))
	}
	p.ChurnChart = newBarChart(rates, months, opsPercent, 100)
	c.render(w, r, http.StatusOK, "ops_stats", p)
}

// opsPercent writes hundredths of a opsPercent without trailing zeros: 250 is
// "2.5%", 1000 "10%".
func opsPercent(bp int) string {
	s := fmt.Sprintf("%d.%02d", bp/100, bp%100)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".") + "%"
}

// opsMonthLabel names a month of the billing calendar: 2027年3月, March 2027.
func opsMonthLabel(m time.Time, lang string) string {
	if lang == langJA {
		return fmt.Sprintf("%d年%d月", m.Year(), m.Month())
	}
	return m.Format("January 2006")
}

// opsShortMonth labels a month on a chart's axis: 3月, Mar; January names
// its year, where the axis crosses one.
func opsShortMonth(m time.Time, lang string) string {
	switch {
	case lang == langJA && m.Month() == time.January:
		return fmt.Sprintf("%d/1", m.Year())
	case lang == langJA:
		return fmt.Sprintf("%d月", m.Month())
	case m.Month() == time.January:
		return m.Format("Jan 2006")
	}
	return m.Format("Jan")
}

// barChart is a bar chart drawn as inline SVG, like the tenant's 統計 line
// chart: the geometry is computed here and the template only places it.
type barChart struct {
	Width, Height            int
	Left, Top, Right, Bottom float64
	Bars                     []chartBar
	YTicks                   []statsTick
}

// chartBar is one bar with its value above it and its name below.
type chartBar struct {
	X, Y, W, H     float64
	Value, Name    string
	VX, VY, NX, NY float64 // where the value's and the name's anchors are
}

// newBarChart draws a bar per value, named by names; label writes a value
// for people, and the axis reaches at least least.
func newBarChart(values []int, names []string, label func(int) string, least int) *barChart {
	ch := &barChart{Width: statsWidth, Height: statsHeight, Left: statsLeft, Top: statsTop, Right: statsRight, Bottom: statsBottom}
	peak := least
	for _, v := range values {
		peak = max(peak, v)
	}
	step, top := statsScale(peak)
	y := func(v int) float64 { return statsRound(statsBottom - float64(v)/float64(top)*(statsBottom-statsTop)) }
	for v := 0; v <= top; v += step {
		ch.YTicks = append(ch.YTicks, statsTick{X1: statsLeft, X2: statsRight, Y1: y(v), Y2: y(v), LX: statsLeft - 8, LY: y(v) + 4, Label: label(v)})
	}
	slot := (statsRight - statsLeft) / float64(max(len(values), 1))
	for i, v := range values {
		x := statsLeft + float64(i)*slot
		b := chartBar{X: statsRound(x + slot*0.2), W: statsRound(slot * 0.6), Y: y(v), H: statsRound(statsBottom - y(v)),
			Value: label(v), Name: names[i], VX: statsRound(x + slot/2), NX: statsRound(x + slot/2), NY: statsBottom + 20}
		b.VY = statsRound(b.Y - 4)
		ch.Bars = append(ch.Bars, b)
	}
	return ch
}
