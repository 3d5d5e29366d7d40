package billing

import "time"

// Day returns t's civil date in zone, as midnight UTC.
func Day(t time.Time, zone *time.Location) time.Time {
	y, m, d := t.In(zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// daysBetween returns how many days run from a to b.
func daysBetween(a, b time.Time) int64 { return int64(b.Sub(a) / (24 * time.Hour)) }

// monthStart is the first day of d's month.
func monthStart(d time.Time) time.Time {
	return time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// month returns the calendar month that holds d.
func month(d time.Time) (start, end time.Time) {
	start = monthStart(d)
	return start, start.AddDate(0, 1, 0)
}

// addMonths returns the day n months after anchor, the month's last day
// when it is shorter (1/31 + 1 month = 2/28): every period of a contract is
// counted from its anchor, so short months never shift the ones after.
func addMonths(anchor time.Time, n int) time.Time {
	first := time.Date(anchor.Year(), anchor.Month()+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(anchor.Day(), last)-1)
}

// instalment returns the annual_monthly instalment month of a term that
// started at anchor which holds day.
func instalment(anchor, day time.Time) (start, end time.Time) {
	for k := 0; ; k++ {
		if end = addMonths(anchor, k+1); day.Before(end) {
			return addMonths(anchor, k), end
		}
	}
}

// FormatDay writes a day as people read it: 2026/03/15.
func FormatDay(d time.Time) string { return d.Format("2006/01/02") }
