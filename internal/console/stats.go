package console

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/kanri/kanri/internal/member"
)

func (c *Console) registerStats(rt *router) {
	rt.page("/admin/stats", c.member(c.stats))
}

// statsRanges are the periods the page offers, in days; the first is the default.
var statsRanges = []int{30, 90, 365}

// statsPage shows billable members over time (SPEC §9): the current count,
// a chart of each day's highest count and the same numbers as a table.
type statsPage struct {
	Page
	Days    int
	Ranges  []int
	Current int
	Chart   *statsChart
	Rows    []statsRow
}

// statsRow is one day of the table.
type statsRow struct {
	Date      string // YYYY-MM-DD, a day of the billing calendar
	Max, Last int
}

func (c *Console) stats(w http.ResponseWriter, r *http.Request) {
	p, err := c.adminPage(r, "stats.title", Crumb{Key: "menu.stats_members"})
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	ctx, tenantID := r.Context(), actor(r).TenantID
	v := &statsPage{Page: p, Ranges: statsRanges, Days: statsRanges[0]}
	v.Form.Values = url.Values{"days": {r.URL.Query().Get("days")}}
	if s := v.Value("days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || !slices.Contains(statsRanges, n) {
			msg, _ := c.cat.Text(p.Lang, "stats.err_days")
			v.Form.Errors = map[string]string{"days": msg} // and the default period is shown
		} else {
			v.Days = n
		}
	}
	// The counts are kept per day of the billing calendar (member.DayCount),
	// so today is the calendar's today, not UTC's.
	to := c.cfg.Clock.Now().In(c.svc.Billing.Zone)
	days, err := c.svc.Members.BillableHistory(ctx, tenantID, to.AddDate(0, 0, 1-v.Days), to)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	v.Current = days[len(days)-1].Last // every change records today's count
	v.Chart = newStatsChart(days, p.Lang)
	for _, d := range days {
		v.Rows = append(v.Rows, statsRow{Date: d.Day.Format(time.DateOnly), Max: d.Max, Last: d.Last})
	}
	status := http.StatusOK
	if v.Form.Errors != nil {
		status = http.StatusUnprocessableEntity
	}
	c.render(w, r, status, "stats_members", v)
}

// statsChart is a line chart drawn as inline SVG: the geometry is computed here
// and the template only places it. Coordinates are in viewBox units.
type statsChart struct {
	Width, Height            int
	Left, Top, Right, Bottom float64 // the plot area
	Points                   string  // the polyline: "x,y x,y …", one point per day
	Count                    int     // how many points
	YTicks, XTicks           []statsTick
	Peak                     int // the highest value drawn
}

// statsTick is a grid line or axis mark with its label.
type statsTick struct {
	X1, Y1, X2, Y2 float64
	LX, LY         float64 // where the label's anchor is
	Label          string
}

const (
	statsWidth, statsHeight = 720, 260
	statsLeft, statsRight   = 48.0, 704.0
	statsTop, statsBottom   = 12.0, 224.0
	statsXLabels            = 6
)

// newStatsChart plots each day's highest billable count, which monthly billing
// charges for (SPEC §3).
func newStatsChart(days []member.DayCount, lang string) *statsChart {
	ch := &statsChart{Width: statsWidth, Height: statsHeight, Left: statsLeft, Top: statsTop, Right: statsRight, Bottom: statsBottom, Count: len(days)}
	for _, d := range days {
		ch.Peak = max(ch.Peak, d.Max)
	}
	step, top := statsScale(ch.Peak)
	y := func(v int) float64 { return statsRound(statsBottom - float64(v)/float64(top)*(statsBottom-statsTop)) }
	x := func(i int) float64 {
		if len(days) < 2 {
			return statsRound((statsLeft + statsRight) / 2)
		}
		return statsRound(statsLeft + float64(i)*(statsRight-statsLeft)/float64(len(days)-1))
	}
	buf := make([]byte, 0, len(days)*12)
	for i, d := range days {
		if i > 0 {
			buf = append(buf, ' ')
		}
		buf = fmt.Appendf(buf, "%g,%g", x(i), y(d.Max))
	}
	ch.Points = string(buf)
	for v := 0; v <= top; v += step {
		ch.YTicks = append(ch.YTicks, statsTick{X1: statsLeft, X2: statsRight, Y1: y(v), Y2: y(v), LX: statsLeft - 8, LY: y(v) + 4, Label: strconv.Itoa(v)})
	}
	last := -1
	for k := range statsXLabels {
		i := int(math.Round(float64(k) * float64(len(days)-1) / (statsXLabels - 1)))
		if i == last || i < 0 || i >= len(days) {
			continue
		}
		last = i
		ch.XTicks = append(ch.XTicks, statsTick{X1: x(i), X2: x(i), Y1: statsBottom, Y2: statsBottom + 5, LX: x(i), LY: statsBottom + 20,
			Label: statsDate(days[i].Day, lang)})
	}
	return ch
}

// statsScale picks a step of 1, 2 or 5 × 10ⁿ giving at most 5 grid lines from 0,
// and the top of the axis (a multiple of the step, at least peak).
func statsScale(peak int) (step, top int) {
	for mag := 1; ; mag *= 10 {
		for _, m := range []int{1, 2, 5} {
			step = m * mag
			if top = (peak + step - 1) / step * step; top/step <= 4 {
				return step, max(top, step)
			}
		}
	}
}

func statsRound(f float64) float64 { return math.Round(f*10) / 10 }

// statsDate labels an axis day: 3/15 in Japanese, Mar 15 in English.
func statsDate(d time.Time, lang string) string {
	if lang == langJA {
		return fmt.Sprintf("%d/%d", d.Month(), d.Day())
	}
	return d.Format("Jan 2")
}
