package billing

import (
	"time"
	_ "time/tzdata" // the calendar's zone loads on a server without zoneinfo files
)

// CalendarZoneName names the billing calendar's time zone, the one place
// it is named: periods, renewals, due dates and the daily billable counts
// are days in Japan (SPEC §3), as the invoices print them, whatever zone a
// tenant reads its console in.
const CalendarZoneName = "Asia/Tokyo"

// CalendarZone returns the billing calendar's zone. The zone database is
// embedded, so it always loads.
func CalendarZone() *time.Location {
	loc, err := time.LoadLocation(CalendarZoneName)
	if err != nil {
		panic(err)
	}
	return loc
}
