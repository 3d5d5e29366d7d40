package audit

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"io"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/id"
)

// Store is what the audit service needs from the database.
type Store interface {
	ListAuditEvents(ctx context.Context, f Filter) ([]*Event, error)
}

// Service lets admins with audit.read search and export the trail.
type Service struct {
	Store Store
}

// List returns a page of events, newest first, and the cursor of the next
// page ("" at the end). cursor is "" for the first page. Errors:
// Malformed (a cursor List did not hand out).
func (s *Service) List(ctx context.Context, f Filter, cursor string) ([]*Event, string, error) {
	if _, err := auth.Require(ctx, f.TenantID, auth.PermAuditRead); err != nil {
		return nil, "", err
	}
	if err := f.decodeCursor(cursor); err != nil {
		return nil, "", err
	}
	f.Limit = min(max(f.Limit, 1), 1000) + 1
	events, err := s.Store.ListAuditEvents(ctx, f)
	if err != nil || len(events) < f.Limit {
		return events, "", err
	}
	events = events[:f.Limit-1]
	last := events[len(events)-1]
	return events, encodeCursor(last), nil
}

func encodeCursor(e *Event) string {
	return base64.RawURLEncoding.EncodeToString([]byte(e.OccurredAt.Format(time.RFC3339Nano) + "|" + e.ID))
}

func (f *Filter) decodeCursor(c string) error {
	if c == "" {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	at, evtID, ok := strings.Cut(string(b), "|")
	if err == nil && ok {
		f.BeforeTime, err = time.Parse(time.RFC3339Nano, at)
		f.BeforeID = evtID
	}
	if err != nil || !ok || !id.Valid("evt", evtID) {
		return errs.BadCursor()
	}
	return nil
}

// CSVHeader is the first row of an export.
var CSVHeader = []string{"occurred_at", "actor_kind", "actor_id", "actor_name", "action", "target_type", "target_id", "before", "after", "ip", "user_agent"}

// Export writes every event matching f to w as CSV, newest first, page by
// page so memory stays flat however long the trail is. The text is UTF-8
// without a byte-order mark; csvenc.NewWriter turns it into a download's
// encoding. Times are in zone, the tenant's.
func (s *Service) Export(ctx context.Context, f Filter, zone *time.Location, w io.Writer) error {
	if _, err := auth.Require(ctx, f.TenantID, auth.PermAuditRead); err != nil {
		return err // before the header, so a refusal writes nothing
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	f.Limit = 1000
	cursor := ""
	for {
		events, next, err := s.List(ctx, f, cursor)
		if err != nil {
			return err
		}
		for _, e := range events {
			if err := cw.Write(e.csvRow(zone)); err != nil {
				return err
			}
		}
		if cw.Flush(); next == "" || cw.Error() != nil {
			return cw.Error()
		}
		cursor = next
	}
}

// csvRow is e as a line of the export, its time in zone with the offset
// (2026-12-05T18:00:00+09:00), so that a spreadsheet shows local time and a
// program reads the instant.
func (e *Event) csvRow(zone *time.Location) []string {
	return []string{e.OccurredAt.In(zone).Format(time.RFC3339Nano), e.ActorKind, e.ActorID, csvSafe(e.ActorName), e.Action, e.TargetType, e.TargetID,
		string(e.Before), string(e.After), e.IP, csvSafe(e.UserAgent)}
}

// csvSafe defuses spreadsheet formulas in user-controlled text.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
