// Package audit is the append-only trail of who changed what.
package audit

import (
	"context"
	"encoding/json"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/id"
)

// Event is one change made by someone.
type Event struct {
	ID         string
	TenantID   string // empty for changes outside any tenant
	OccurredAt time.Time
	ActorKind  string
	ActorID    string
	ActorName  string
	Action     string // e.g. "member.added"
	TargetType string
	TargetID   string
	Before     json.RawMessage // nil when created
	After      json.RawMessage // nil when deleted
	IP         string
	UserAgent  string
}

// Recorder makes events for the actor in a context.
type Recorder struct {
	IDs id.Generator
}

// Event returns an event by ctx's actor; before and after are marshalled
// to JSON, nil staying nil.
func (r Recorder) Event(ctx context.Context, now time.Time, tenantID, action, targetType, targetID string, before, after any) *Event {
	e := &Event{ID: r.IDs.New("evt"), TenantID: tenantID, OccurredAt: now, Action: action, TargetType: targetType, TargetID: targetID,
		Before: marshal(before), After: marshal(after)}
	if a := auth.FromContext(ctx); a != nil {
		e.ActorKind, e.ActorID, e.ActorName, e.IP, e.UserAgent = string(a.Kind), a.ID, a.Name, a.IP, a.UserAgent
	}
	return e
}

func marshal(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic("audit: snapshot not marshalable: " + err.Error()) // a programming error: snapshots are plain structs
	}
	return b
}

// Filter selects a tenant's events, newest first.
type Filter struct {
	TenantID string
	From, To time.Time // [From, To); zero means unbounded
	ActorID  string
	Action   string // exact action or a prefix such as "member."
	// Keyset cursor: events strictly older than (BeforeTime, BeforeID).
	BeforeTime time.Time
	BeforeID   string
	Limit      int
}
