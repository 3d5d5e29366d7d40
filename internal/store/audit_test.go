package store_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/store/storetest"
)

// auditFixture appends events of two tenants, several sharing a time so
// that the id breaks ties, and returns the first tenant's.
func auditFixture(t *testing.T, env *storetest.Env, tenantID, otherID string) []*audit.Event {
	t.Helper()
	t0 := env.Clock.Now()
	specs := []struct {
		at     time.Duration
		actor  string
		action string
	}{
		{0, "mem_a", "tenant.created"},
		{time.Second, "mem_a", "member.added"},
		{time.Second, "mem_b", "member.added"},
		{time.Second, "mem_a", "member.suspended"},
		{2 * time.Second, "mem_b", "role.created"},
		{3 * time.Second, "mem_a", "memberXnote.added"},
		{4 * time.Second, "mem_b", "member.updated"},
		{5 * time.Second, "mem_a", "session.signed_in"},
	}
	var mine []*audit.Event
	var all []*audit.Event
	for i, s := range specs {
		for _, ten := range []string{tenantID, otherID} {
			e := &audit.Event{ID: env.IDs.New("evt"), TenantID: ten, OccurredAt: t0.Add(s.at), ActorKind: "member", ActorID: s.actor,
				ActorName: s.actor + "@acme", Action: s.action, TargetType: "member", TargetID: fmt.Sprintf("mem_%d", i),
				After: json.RawMessage(fmt.Sprintf(`{"n":%d,"status":"active"}`, i)), IP: "192.0.2.1", UserAgent: "test"}
			if i%2 == 0 {
				e.Before = json.RawMessage(`{"status":"invited"}`)
			}
			all = append(all, e)
			if ten == tenantID {
				mine = append(mine, e)
			}
		}
	}
	if err := env.DB.AppendAuditEvents(t.Context(), all...); err != nil {
		t.Fatal(err)
	}
	return mine
}

func TestAuditEventsKeysetNewestFirst(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		acme := storetest.NewTenant(t, env, "acme")
		beta := storetest.NewTenant(t, env, "beta")
		events := auditFixture(t, env, acme.ID, beta.ID)
		t0 := storetest.Epoch
		tests := []struct {
			name   string
			filter audit.Filter
			keep   func(e *audit.Event) bool
		}{
			{"everything", audit.Filter{}, func(*audit.Event) bool { return true }},
			{"from", audit.Filter{From: t0.Add(time.Second)}, func(e *audit.Event) bool { return !e.OccurredAt.Before(t0.Add(time.Second)) }},
			{"to is exclusive", audit.Filter{To: t0.Add(2 * time.Second)}, func(e *audit.Event) bool { return e.OccurredAt.Before(t0.Add(2 * time.Second)) }},
			{"from and to", audit.Filter{From: t0.Add(time.Second), To: t0.Add(4 * time.Second)}, func(e *audit.Event) bool {
				return !e.OccurredAt.Before(t0.Add(time.Second)) && e.OccurredAt.Before(t0.Add(4*time.Second))
			}},
			{"actor", audit.Filter{ActorID: "mem_b"}, func(e *audit.Event) bool { return e.ActorID == "mem_b" }},
			{"action prefix", audit.Filter{Action: "member."}, func(e *audit.Event) bool { return strings.HasPrefix(e.Action, "member.") }},
			{"exact action", audit.Filter{Action: "member.added"}, func(e *audit.Event) bool { return e.Action == "member.added" }},
			{"underscore in prefix is literal", audit.Filter{Action: "member_"}, func(*audit.Event) bool { return false }},
			{"actor and action", audit.Filter{ActorID: "mem_a", Action: "member."}, func(e *audit.Event) bool {
				return e.ActorID == "mem_a" && strings.HasPrefix(e.Action, "member.")
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				var want []*audit.Event
				for _, e := range events {
					if tt.keep(e) {
						want = append(want, e)
					}
				}
				slices.SortFunc(want, func(a, b *audit.Event) int {
					return cmp.Or(b.OccurredAt.Compare(a.OccurredAt), strings.Compare(b.ID, a.ID))
				})
				f := tt.filter
				f.TenantID, f.Limit = acme.ID, 2
				var got []*audit.Event
				for page := 0; page < 20; page++ {
					es, err := env.DB.ListAuditEvents(ctx, f)
					must(t, "list audit events", err)
					got = append(got, es...)
					if len(es) < f.Limit {
						break
					}
					f.BeforeTime, f.BeforeID = es[len(es)-1].OccurredAt, es[len(es)-1].ID
				}
				if diff := gocmp.Diff(want, got, jsonEqual); diff != "" {
					t.Errorf("events over every page, newest first (-want +got):\n%s", diff)
				}
			})
		}
	})
}

func TestAuditEventsAppendOnly(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		acme := storetest.NewTenant(t, env, "acme")
		beta := storetest.NewTenant(t, env, "beta")
		want := auditFixture(t, env, acme.ID, beta.ID)
		for _, stmt := range []string{
			`UPDATE audit_events SET action = 'tampered'`,
			`UPDATE audit_events SET actor_id = 'mem_x' WHERE id = '` + want[0].ID + `'`,
			`DELETE FROM audit_events`,
			`DELETE FROM audit_events WHERE id = '` + want[0].ID + `'`,
		} {
			if err := env.DB.ExecRaw(ctx, stmt); err == nil {
				t.Errorf("%s: got no error, want the database to refuse it", stmt)
			}
		}
		got, err := env.DB.ListAuditEvents(ctx, audit.Filter{TenantID: acme.ID, Limit: 100})
		must(t, "list audit events", err)
		slices.SortFunc(got, func(a, b *audit.Event) int { return strings.Compare(a.ID, b.ID) })
		slices.SortFunc(want, func(a, b *audit.Event) int { return strings.Compare(a.ID, b.ID) })
		if diff := gocmp.Diff(want, got, jsonEqual); diff != "" {
			t.Errorf("events after refused changes (-want +got):\n%s", diff)
		}
	})
}
