package member

import (
	"context"
	"fmt"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
)

// DayCount is a tenant's billable members (SPEC §2) on one day of the
// billing calendar (Service.Zone).
type DayCount struct {
	Day  time.Time // the date, as midnight UTC
	Max  int       // the highest count of the day: what monthly billing charges for (SPEC §3)
	Last int       // the count after the day's last change
}

// MaxHistoryDays bounds one BillableHistory call: ten years of days.
const MaxHistoryDays = 3660

// BillableHistory returns tenantID's billable members for every day
// from from to to (both included), oldest first. A day without a change
// has the previous day's count; days before the first change have 0.
// Admins with members.manage or audit.read may read it. Errors: Invalid
// (to before from, too many days), PermissionDenied.
func (s *Service) BillableHistory(ctx context.Context, tenantID string, from, to time.Time) ([]DayCount, error) {
	a, err := auth.Require(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if !a.Can(auth.PermMembersManage) && !a.Can(auth.PermAuditRead) {
		return nil, errs.E(errs.PermissionDenied, "member.history_denied",
			"permission", string(auth.PermMembersManage), "other_permission", string(auth.PermAuditRead))
	}
	from, to = utcDay(from), utcDay(to)
	if to.Before(from) {
		return nil, errs.Field("to", "member.history_reversed", "to", to.Format(time.DateOnly), "from", from.Format(time.DateOnly))
	}
	n := int(to.Sub(from)/(24*time.Hour)) + 1
	if n > MaxHistoryDays {
		return nil, errs.Field("from", "member.history_too_long", "days", n, "max", MaxHistoryDays)
	}
	rows, err := s.Store.BillableHistory(ctx, tenantID, from, to)
	if err != nil {
		return nil, fmt.Errorf("billable history: %w", err)
	}
	return fillDays(rows, from, n), nil
}

// fillDays spreads the stored rows (oldest first, possibly one before
// from) over n days from from, carrying each day's last count forward.
func fillDays(rows []DayCount, from time.Time, n int) []DayCount {
	out := make([]DayCount, n)
	carried := 0
	for i := range out {
		day := from.AddDate(0, 0, i)
		for len(rows) > 0 && rows[0].Day.Before(day) {
			carried, rows = rows[0].Last, rows[1:]
		}
		out[i] = DayCount{Day: day, Max: carried, Last: carried}
		if len(rows) > 0 && rows[0].Day.Equal(day) {
			out[i], carried, rows = rows[0], rows[0].Last, rows[1:]
		}
	}
	return out
}

// recordBillable stores tenantID's billable count for now's billing day, in the
// transaction of the change that may have moved it, and has the licenses
// follow it where they do. It takes the lock first, so concurrent changes
// count one after another: two adds that each counted before the other
// committed would both record n+1 (and bill one license). A change that
// grew the count past the tenant's limit is refused, naming the fix.
func (s *Service) recordBillable(ctx context.Context, tenantID string, now time.Time, grew bool) (Seated, error) {
	if err := s.Store.LockBillable(ctx, tenantID); err != nil {
		return Seated{}, err
	}
	n, err := s.Store.CountBillable(ctx, tenantID)
	if err != nil {
		return Seated{}, err
	}
	if grew && s.Seats != nil {
		limit, fix, err := s.Seats(ctx, tenantID)
		if err != nil {
			return Seated{}, err
		}
		if limit > 0 && n > limit {
			return Seated{}, errs.E(errs.FailedPrecondition, "member.over_license_limit", "count", n, "limit", limit, "fix", fix)
		}
	}
	if err := s.Store.RecordBillable(ctx, tenantID, s.day(now), n); err != nil || s.Follow == nil {
		return Seated{}, err
	}
	return s.Follow(ctx, tenantID, n)
}

// day is now's date in the billing calendar, so that a monthly invoice
// counts the members of the days it bills.
func (s *Service) day(now time.Time) time.Time {
	if s.Zone == nil {
		return utcDay(now)
	}
	return utcDay(now.In(s.Zone))
}

// utcDay is midnight UTC of t's date (in t's location).
func utcDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
