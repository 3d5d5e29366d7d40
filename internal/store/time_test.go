package store_test

import (
	"testing"
	"time"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/session"
	"github.com/kanri/kanri/internal/store/storetest"
)

// TestTimeRoundTrip checks that every engine keeps times to the microsecond
// (PostgreSQL's precision), in UTC, whatever zone they were written in, and
// that an optional zero time stays zero.
func TestTimeRoundTrip(t *testing.T) {
	t.Parallel()
	jst := time.FixedZone("JST", 9*60*60)
	written := time.Date(2026, 3, 15, 18, 4, 5, 123456789, jst)
	want := time.Date(2026, 3, 15, 9, 4, 5, 123456000, time.UTC)
	check := func(t *testing.T, what string, got, want time.Time) {
		t.Helper()
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%s: got %v, want %v", what, got, want)
		}
	}
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		ten := storetest.NewTenant(t, env, "acme")
		ten.UpdatedAt = written
		must(t, "update tenant", env.DB.UpdateTenant(ctx, ten))
		gotT, err := env.DB.GetTenant(ctx, ten.ID)
		must(t, "get tenant", err)
		check(t, "tenant updated_at", gotT.UpdatedAt, want)

		m := storetest.NewMember(t, env, ten, "ann", storetest.MemberOpts{Status: member.StatusInvited})
		gotM, err := env.DB.GetMember(ctx, ten.ID, m.ID)
		must(t, "get member", err)
		check(t, "member invitation_expires_at while NULL", gotM.InvitationExpiresAt, time.Time{})
		m.InvitationHash, m.InvitationExpiresAt, m.UpdatedAt = "hash-1", written, written.Add(time.Microsecond)
		must(t, "update member", env.DB.UpdateMember(ctx, m))
		gotM, err = env.DB.GetMember(ctx, ten.ID, m.ID)
		must(t, "get member", err)
		check(t, "member invitation_expires_at", gotM.InvitationExpiresAt, want)
		check(t, "member updated_at", gotM.UpdatedAt, want.Add(time.Microsecond))

		s := &session.Session{ID: "ses_1", TokenHash: "h1", Kind: session.KindSession, TenantID: ten.ID, MemberID: m.ID,
			CreatedAt: written, ExpiresAt: written.Add(time.Hour)}
		must(t, "create session", env.DB.CreateSession(ctx, s))
		gotS, _, err := env.DB.GetSessionByHash(ctx, "h1")
		must(t, "get session", err)
		check(t, "session created_at", gotS.CreatedAt, want)
		check(t, "session expires_at", gotS.ExpiresAt, want.Add(time.Hour))
		check(t, "session revoked_at while NULL", gotS.RevokedAt, time.Time{})

		must(t, "append event", env.DB.AppendAuditEvents(ctx, &audit.Event{ID: "evt_1", TenantID: ten.ID, OccurredAt: written,
			ActorKind: "system", ActorID: "test", ActorName: "test", Action: "x.y", TargetType: "tenant", TargetID: ten.ID}))
		events, err := env.DB.ListAuditEvents(ctx, audit.Filter{TenantID: ten.ID, Limit: 10})
		must(t, "list events", err)
		if len(events) != 1 {
			t.Fatalf("got %d events, want 1", len(events))
		}
		check(t, "audit occurred_at", events[0].OccurredAt, want)
	})
}
