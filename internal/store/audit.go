package store

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/kanri/kanri/internal/audit"
)

const auditColumns = `id, tenant_id, occurred_at, actor_kind, actor_id, actor_name, action, target_type, target_id, before, after, ip, user_agent`

// auditBatch keeps one INSERT under SQLite's bound-parameter limit.
const auditBatch = 1000

// AppendAuditEvents inserts events, many per statement. Nothing ever
// updates or deletes them (the schema's triggers refuse it).
func (db *DB) AppendAuditEvents(ctx context.Context, events ...*audit.Event) error {
	row := placeholders(13)
	for start := 0; start < len(events); start += auditBatch {
		chunk := events[start:min(start+auditBatch, len(events))]
		args := make([]any, 0, 13*len(chunk))
		for _, e := range chunk {
			args = append(args, e.ID, nullStr(e.TenantID), ts(e.OccurredAt), e.ActorKind, e.ActorID, e.ActorName, e.Action,
				e.TargetType, e.TargetID, nullJSON(e.Before), nullJSON(e.After), e.IP, e.UserAgent)
		}
		q := `INSERT INTO audit_events (` + auditColumns + `) VALUES ` + strings.TrimSuffix(strings.Repeat(row+", ", len(chunk)), ", ")
		if _, err := db.exec(ctx, q, args...); err != nil {
			return db.fail(err, "store.thing.audit_event")
		}
	}
	return nil
}

func nullJSON(b json.RawMessage) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// ListAuditEvents returns a page of f.TenantID's events, newest first, by
// keyset on (occurred_at, id) so deep pages cost what the first one does.
func (db *DB) ListAuditEvents(ctx context.Context, f audit.Filter) ([]*audit.Event, error) {
	q := `SELECT ` + auditColumns + ` FROM audit_events WHERE tenant_id = ?`
	args := []any{f.TenantID}
	add := func(cond string, v ...any) { q += " AND " + cond; args = append(args, v...) }
	if !f.From.IsZero() {
		add(`occurred_at >= ?`, ts(f.From))
	}
	if !f.To.IsZero() {
		add(`occurred_at < ?`, ts(f.To))
	}
	if f.ActorID != "" {
		add(`actor_id = ?`, f.ActorID)
	}
	if f.Action != "" {
		add(`action LIKE ? ESCAPE '\'`, likeEscape(f.Action)+"%")
	}
	if !f.BeforeTime.IsZero() {
		add(`(occurred_at, id) < (?, ?)`, ts(f.BeforeTime), f.BeforeID)
	}
	rows, err := db.query(ctx, q+` ORDER BY occurred_at DESC, id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, db.fail(err, "store.thing.audit_event")
	}
	events, err := collect(rows, scanAuditEvent)
	return events, db.fail(err, "store.thing.audit_event")
}

func scanAuditEvent(row scanner) (*audit.Event, error) {
	var e audit.Event
	var before, after string
	err := row.Scan(&e.ID, scanStr(&e.TenantID), scanTime(&e.OccurredAt), &e.ActorKind, &e.ActorID, &e.ActorName, &e.Action,
		&e.TargetType, &e.TargetID, scanStr(&before), scanStr(&after), &e.IP, &e.UserAgent)
	if before != "" {
		e.Before = json.RawMessage(before)
	}
	if after != "" {
		e.After = json.RawMessage(after)
	}
	return &e, err
}
