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
	Chart   *chart
	Rows    []statsRow
}

// statsRow is one day of the table.
type statsRow struct {
	Date      string // YYYY-MM-DD, UTC
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
			msg, _ := c.cat.text(p.Lang, "stats.err_days")
			v.Form.Errors = map[string]string{"days": msg} // and the default period is shown
		} else {
			v.Days = n
		}
	}
	to := c.cfg.Clock.Now().UTC()
	days, err := c.svc.Members.BillableHistory(ctx, tenantID, to.AddDate(0, 0, 1-v.Days), to)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	if v.Current, err = c.svc.Members.BillableCount(ctx, tenantID); err != nil {
		c.fail(w, r, p, err)
		return
	}
	v.Chart = newChart(days, p.Lang)
	for _, d := range days {
		v.Rows = append(v.Rows, statsRow{Date: d.Day.Format(time.DateOnly), Max: d.Max, Last: d.Last})
	}
	status := http.StatusOK
	if v.Form.Errors != nil {
		status = http.StatusUnprocessableEntity
	}
	c.render(w, r, status, "stats_members", v)
}

// chart is a line chart drawn as inline SVG: the geometry is computed here
// and the template only places it. Coordinates are in viewBox units.
type chart struct {
	Width, Height            int
	Left, Top, Right, Bottom float64 // the plot area
	Points                   string  // the polyline: "x,y x,y …", one point per day
	Count                    int     // how many points
	YTicks, XTicks           []tick
	Peak                     int // the highest value drawn
}

// tick is a grid line or axis mark with its label.
type tick struct {
	X1, Y1, X2, Y2 float64
	LX, LY         float64 // where the label's anchor is
	Label          string
}

const (
	chartWidth, chartHeight = 720, 260
	chartLeft, chartRight   = 48.0, 704.0
	chartTop, chartBottom   = 12.0, 224.0
	chartXLabels            = 6
)

// newChart plots each day's highest billable count, which monthly billing
// charges for (SPEC §3).
func newChart(days []member.DayCount, lang string) *chart {
	ch := &chart{Width: chartWidth, Height: chartHeight, Left: chartLeft, Top: chartTop, Right: chartRight, Bottom: chartBottom, Count: len(days)}
	for _, d := range days {
		ch.Peak = max(ch.Peak, d.Max)
	}
	step, top := scale(ch.Peak)
	y := func(v int) float64 { return round1(chartBottom - float64(v)/float64(top)*(chartBottom-chartTop)) }
	x := func(i int) float64 {
		if len(days) < 2 {
			return round1((chartLeft + chartRight) / 2)
		}
		return round1(chartLeft + float64(i)*(chartRight-chartLeft)/float64(len(days)-1))
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
		ch.YTicks = append(ch.YTicks, tick{X1: chartLeft, X2: chartRight, Y1: y(v), Y2: y(v), LX: chartLeft - 8, LY: y(v) + 4, Label: strconv.Itoa(v)})
	}
	last := -1
	for k := range chartXLabels {
		i := int(math.Round(float64(k) * float64(len(days)-1) / (chartXLabels - 1)))
		if i == last || i < 0 || i >= len(days) {
			continue
		}
		last = i
		ch.XTicks = append(ch.XTicks, tick{X1: x(i), X2: x(i), Y1: chartBottom, Y2: chartBottom + 5, LX: x(i), LY: chartBottom + 20,
			Label: shortDate(days[i].Day, lang)})
	}
	return ch
}

// scale picks a step of 1, 2 or 5 × 10ⁿ giving at most 5 grid lines from 0,
// and the top of the axis (a multiple of the step, at least peak).
func scale(peak int) (step, top int) {
	for mag := 1; ; mag *= 10 {
		for _, m := range []int{1, 2, 5} {
			step = m * mag
			if top = (peak + step - 1) / step * step; top/step <= 4 {
				return step, max(top, step)
			}
		}
	}
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// shortDate labels an axis day: 3/15 in Japanese, Mar 15 in English.
func shortDate(d time.Time, lang string) string {
	if lang == langJA {
		return fmt.Sprintf("%d/%d", d.Month(), d.Day())
	}
	return d.Format("Jan 2")
}
