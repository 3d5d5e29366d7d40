package store_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/session"
	"github.com/kanri/kanri/internal/store/storetest"
)

func TestSessions(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		acme := storetest.NewTenant(t, env, "acme")
		beta := storetest.NewTenant(t, env, "beta")
		ann := storetest.NewMember(t, env, acme, "ann", storetest.MemberOpts{})
		bob := storetest.NewMember(t, env, acme, "bob", storetest.MemberOpts{})
		zed := storetest.NewMember(t, env, beta, "zed", storetest.MemberOpts{})
		now := env.Clock.Now()
		n := 0
		open := func(memberID, tenantID string, created time.Time, ttl time.Duration) *session.Session {
			t.Helper()
			n++
			s := &session.Session{ID: env.IDs.New("ses"), TokenHash: "hash-" + string(rune('a'+n)), Kind: session.KindSession,
				TenantID: tenantID, MemberID: memberID, IP: "192.0.2.1", UserAgent: "test", CreatedAt: created, ExpiresAt: created.Add(ttl)}
			must(t, "create session", env.DB.CreateSession(ctx, s))
			return s
		}
		ann1 := open(ann.ID, acme.ID, now.Add(-2*time.Hour), time.Hour) // expired
		ann2 := open(ann.ID, acme.ID, now.Add(-time.Minute), time.Hour)
		ann3 := open(ann.ID, acme.ID, now, time.Hour)
		bob1 := open(bob.ID, acme.ID, now, time.Hour)
		zed1 := open(zed.ID, beta.ID, now, time.Hour)

		got, st, err := env.DB.GetSessionByHash(ctx, ann2.TokenHash)
		must(t, "get session", err)
		if diff := cmp.Diff(ann2, got); diff != "" {
			t.Errorf("GetSessionByHash (-want +got):\n%s", diff)
		}
		if want, err := env.DB.MemberStanding(ctx, acme.ID, ann.ID); err != nil || !cmp.Equal(st, want) {
			t.Errorf("GetSessionByHash's standing: got %+v, want MemberStanding's %+v (%v)", st, want, err)
		}
		_, _, err = env.DB.GetSessionByHash(ctx, "unknown")
		wantKind(t, "GetSessionByHash(unknown)", err, errs.NotFound)
		dup := *ann3
		dup.ID = env.IDs.New("ses")
		wantKind(t, "CreateSession(same token hash)", env.DB.CreateSession(ctx, &dup), errs.Conflict)

		live := func(memberID string) []string {
			t.Helper()
			ss, err := env.DB.ListSessions(ctx, memberID, env.Clock.Now())
			must(t, "list sessions", err)
			var ids []string
			for _, s := range ss {
				ids = append(ids, s.ID)
			}
			return ids
		}
		if diff := cmp.Diff([]string{ann3.ID, ann2.ID}, live(ann.ID)); diff != "" {
			t.Errorf("ListSessions: live ones, newest first (-want +got):\n%s", diff)
		}

		env.Clock.Advance(time.Second)
		must(t, "revoke one", env.DB.RevokeSession(ctx, ann3.ID, env.Clock.Now()))
		got, _, err = env.DB.GetSessionByHash(ctx, ann3.TokenHash)
		must(t, "get session", err)
		if !got.RevokedAt.Equal(env.Clock.Now()) {
			t.Errorf("RevokedAt: got %v, want %v", got.RevokedAt, env.Clock.Now())
		}
		wantKind(t, "RevokeSession(already revoked)", env.DB.RevokeSession(ctx, ann3.ID, env.Clock.Now()), errs.NotFound)
		wantKind(t, "RevokeSession(unknown)", env.DB.RevokeSession(ctx, "ses_unknown", env.Clock.Now()), errs.NotFound)
		if diff := cmp.Diff([]string{ann2.ID}, live(ann.ID)); diff != "" {
			t.Errorf("ListSessions after RevokeSession (-want +got):\n%s", diff)
		}

		// Revoking per member counts the sessions not yet revoked (the
		// expired one included: revoking it is harmless).
		count, err := env.DB.RevokeMemberSessions(ctx, ann.ID, env.Clock.Now())
		must(t, "revoke member", err)
		if count != 2 {
			t.Errorf("RevokeMemberSessions: got %d, want 2 (%s, %s)", count, ann1.ID, ann2.ID)
		}
		if got := live(ann.ID); len(got) != 0 {
			t.Errorf("ListSessions after RevokeMemberSessions: got %v, want none", got)
		}
		if diff := cmp.Diff([]string{bob1.ID}, live(bob.ID)); diff != "" {
			t.Errorf("bob's sessions after revoking ann's (-want +got):\n%s", diff)
		}

		open(bob.ID, acme.ID, env.Clock.Now(), time.Hour)
		count, err = env.DB.RevokeTenantSessions(ctx, acme.ID, env.Clock.Now())
		must(t, "revoke tenant", err)
		if count != 2 {
			t.Errorf("RevokeTenantSessions: got %d, want 2", count)
		}
		if got := live(bob.ID); len(got) != 0 {
			t.Errorf("bob's sessions after RevokeTenantSessions: got %v, want none", got)
		}
		if diff := cmp.Diff([]string{zed1.ID}, live(zed.ID)); diff != "" {
			t.Errorf("another tenant's sessions after RevokeTenantSessions (-want +got):\n%s", diff)
		}
	})
}

func TestOperatorsAndTokens(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		o := &session.Operator{ID: env.IDs.New("opr"), Email: "ops@vendor.example", Name: "Ops", PasswordHash: "h", CreatedAt: env.Clock.Now()}
		must(t, "create operator", env.DB.CreateOperator(ctx, o))
		for _, key := range []string{o.ID, o.Email} {
			got, err := env.DB.GetOperator(ctx, key)
			must(t, "get operator", err)
			if diff := cmp.Diff(o, got); diff != "" {
				t.Errorf("GetOperator(%s) (-want +got):\n%s", key, diff)
			}
		}
		dup := *o
		dup.ID = env.IDs.New("opr")
		wantKind(t, "CreateOperator(e-mail taken)", env.DB.CreateOperator(ctx, &dup), errs.Conflict)
		_, err := env.DB.GetOperator(ctx, "nobody@vendor.example")
		wantKind(t, "GetOperator(unknown)", err, errs.NotFound)

		tok := &session.Session{ID: env.IDs.New("ses"), TokenHash: "tok", Kind: session.KindAPIToken, OperatorID: o.ID, Name: "ci",
			CreatedAt: env.Clock.Now()}
		must(t, "create token", env.DB.CreateSession(ctx, tok))
		got, st, err := env.DB.GetSessionByHash(ctx, "tok")
		must(t, "get token", err)
		if diff := cmp.Diff(tok, got); diff != "" || st != nil {
			t.Errorf("GetSessionByHash(api token) (-want +got):\n%s; standing %+v, want none", diff, st)
		}
		orphan := &session.Session{ID: env.IDs.New("ses"), TokenHash: "orphan", Kind: session.KindSession, CreatedAt: env.Clock.Now()}
		wantKind(t, "CreateSession(neither member nor operator)", env.DB.CreateSession(ctx, orphan), errs.Invalid)
	})
}

func TestLoginAttemptWindow(t *testing.T) {
	t.Parallel()
	const window = 15 * time.Minute
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		t0 := env.Clock.Now()
		var lastStart time.Time
		add := func(key string, at time.Time) int {
			t.Helper()
			n, start, err := env.DB.ReserveLoginAttempt(ctx, key, at, at.Add(-window))
			must(t, "reserve login attempt", err)
			lastStart = start
			return n
		}
		release := func(key string, start time.Time, n int, at time.Time) int {
			t.Helper()
			must(t, "release login attempts", env.DB.ReleaseLoginAttempts(ctx, key, start, n))
			return add(key, at) // the count it leaves, plus this one
		}
		steps := []struct {
			name string
			got  func() int
			want int
		}{
			{"first attempt", func() int { return add("acct:a", t0) }, 1},
			{"window starts at the first", func() int { add("acct:a", t0.Add(time.Minute)); return int(lastStart.Sub(t0)) }, 0},
			{"third in window", func() int { return add("acct:a", t0.Add(14*time.Minute)) }, 3},
			{"other key apart", func() int { return add("ip:192.0.2.1", t0) }, 1},
			{"release two of three", func() int { return release("acct:a", t0, 2, t0.Add(14*time.Minute)) }, 2},
			{"release in an old window changes nothing", func() int {
				return release("acct:a", t0.Add(-time.Hour), 3, t0.Add(14*time.Minute))
			}, 3},
			{"after the window starts over", func() int { return add("acct:a", t0.Add(16*time.Minute)) }, 1},
			{"new window starts now", func() int { return int(lastStart.Sub(t0.Add(16 * time.Minute))) }, 0},
			{"release all forgets the key", func() int {
				return release("acct:a", t0.Add(16*time.Minute), 5, t0.Add(20*time.Minute))
			}, 1},
			{"other key kept", func() int { return add("ip:192.0.2.1", t0.Add(time.Minute)) }, 2},
		}
		for _, s := range steps {
			if got := s.got(); got != s.want {
				t.Errorf("%s: got %d, want %d", s.name, got, s.want)
			}
		}
	})
}

func TestEnsureServerKey(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		first, err := env.DB.EnsureServerKey(t.Context(), "two_factor", env.Clock.Now())
		must(t, "first server key", err)
		again, err := env.DB.EnsureServerKey(t.Context(), "two_factor", env.Clock.Now())
		must(t, "server key again", err)
		other, err := env.DB.EnsureServerKey(t.Context(), "other", env.Clock.Now())
		must(t, "other server key", err)
		if len(first) != 32 || string(first) != string(again) || string(first) == string(other) {
			t.Errorf("server keys: got %x, %x and %x; want one 32-byte key per name, the same every time", first, again, other)
		}
	})
}

func TestPendingSignIns(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		ten := storetest.SignUp(t, env, "acme")
		now := env.Clock.Now()
		p := &session.Pending{TokenHash: "h1", TenantID: ten.ID, MemberID: ten.Owner.ID, CreatedAt: now, ExpiresAt: now.Add(5 * time.Minute)}
		must(t, "create pending", env.DB.CreatePending(ctx, p))
		got, err := env.DB.GetPending(ctx, "h1")
		must(t, "get pending", err)
		if diff := cmp.Diff(p, got); diff != "" {
			t.Errorf("GetPending (-want +got):\n%s", diff)
		}
		wantKind(t, "UsePending(expired)", env.DB.UsePending(ctx, "h1", now.Add(5*time.Minute)), errs.NotFound)
		must(t, "use pending", env.DB.UsePending(ctx, "h1", now.Add(time.Minute)))
		wantKind(t, "UsePending(again)", env.DB.UsePending(ctx, "h1", now.Add(time.Minute)), errs.NotFound)
		_, err = env.DB.GetPending(ctx, "h1")
		wantKind(t, "GetPending(used)", err, errs.NotFound)

		must(t, "create another", env.DB.CreatePending(ctx, &session.Pending{TokenHash: "h2", TenantID: ten.ID, MemberID: ten.Owner.ID,
			CreatedAt: now, ExpiresAt: now.Add(5 * time.Minute)}))
		must(t, "purge", env.DB.Purge(ctx, now.Add(2*24*time.Hour)))
		var left int
		must(t, "count", env.DB.Writer().QueryRowContext(ctx, `SELECT COUNT(*) FROM pending_sign_ins`).Scan(&left))
		if left != 0 {
			t.Errorf("pending sign-ins after a purge two days on: got %d, want 0", left)
		}
	})
}
