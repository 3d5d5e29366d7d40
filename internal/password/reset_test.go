package password_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/password"
	"github.com/kanri/kanri/internal/session"
	"github.com/kanri/kanri/internal/store/storetest"
)

// TestReset: "forgot password" mails a link; using it sets the password,
// ends every session and API token, lifts the sign-in lockout and is
// audited without the token; the link works once.
func TestReset(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc, ctx := service(env), context.Background()
		login := ten.Owner.LoginID
		sess, token := signIn(t, env, login, storetest.Password), apiToken(t, env, ten.ID, ten.Owner.ID)
		for range storetest.Limits.PerAccount {
			_, _, _ = env.SessionService().Login(ctx, login, "wrong", session.Client{IP: "192.0.2.77"})
		}

		must(t, "request", svc.Request(visitor("198.51.100.1"), " "+strings.ToUpper(login)+" "))
		link := mailedToken(t, env, "owner@example.com")
		ms := resetMails(t, env, "owner@example.com")
		if !strings.Contains(ms[0].Text, "http://kanri.test/reset-password?token="+link) || ms[0].Language != "ja" {
			t.Errorf("mail (%s):\n%s", ms[0].Language, ms[0].Text)
		}
		_, err := svc.Confirm(visitor("198.51.100.1"), link, login)
		wantKind(t, "the login id as the new password", err, errs.Invalid)

		m, err := svc.Confirm(visitor("198.51.100.1"), link, newPassword)
		must(t, "confirm", err)
		if m.ID != ten.Owner.ID || live(env, sess) || live(env, token) {
			t.Errorf("confirmed %s; session live %v, API token live %v; want %s, false, false", m.ID, live(env, sess), live(env, token), ten.Owner.ID)
		}
		signIn(t, env, login, newPassword) // the lockout is lifted
		_, err = svc.Confirm(visitor("198.51.100.1"), link, "another good passphrase")
		wantKind(t, "the link again", err, errs.NotFound)

		requested, reset := events(t, env, ten.ID, "member.password_reset_requested"), events(t, env, ten.ID, "member.password_reset")
		if len(requested) != 1 || requested[0].ActorKind != "anonymous" || requested[0].IP != "198.51.100.1" || !strings.Contains(string(requested[0].After), `"member"`) {
			t.Errorf("member.password_reset_requested: %d events, want 1 by an anonymous caller from 198.51.100.1, asked by the member", len(requested))
		}
		// sess, token and the session of ten.Ctx end
		if len(reset) != 1 || reset[0].ActorID != ten.Owner.ID || compact(reset[0].After) != `{"sessions_revoked":3}` {
			t.Errorf("member.password_reset: %d events, want 1 by %s saying 3 sessions ended", len(reset), ten.Owner.ID)
		}
		for _, e := range append(requested, reset...) {
			if strings.Contains(string(e.After), link) || strings.Contains(string(e.After), link[4:]) {
				t.Errorf("audit event %s carries the token", e.Action)
			}
		}
	})
}

// TestResetExpires: a link works until 30 minutes have passed, not after.
func TestResetExpires(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := service(env)
		must(t, "request", svc.Request(visitor("198.51.100.1"), ten.Owner.LoginID))
		early := mailedToken(t, env, "owner@example.com")
		env.Clock.Advance(time.Minute)
		must(t, "request again", svc.Request(visitor("198.51.100.1"), ten.Owner.LoginID))
		late := mailedToken(t, env, "owner@example.com")

		env.Clock.Advance(30*time.Minute - time.Minute)
		_, err := svc.Confirm(context.Background(), early, newPassword)
		wantKind(t, "at 30 minutes", err, errs.NotFound)
		env.Clock.Advance(time.Minute - time.Microsecond)
		if _, err := svc.Confirm(context.Background(), late, newPassword); err != nil {
			t.Errorf("a microsecond before 30 minutes: %v", err)
		}
	})
}

// TestResetSameAnswer: unknown login ids, members without an e-mail
// address and members who are not active get the same answer as one who
// gets a mail, and no mail goes out.
func TestResetSameAnswer(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		withEmail(t, env, storetest.NewMember(t, env, ten.Tenant, "away", storetest.MemberOpts{Status: member.StatusSuspended}), "away@example.com")
		withEmail(t, env, storetest.NewMember(t, env, ten.Tenant, "invited", storetest.MemberOpts{Status: member.StatusInvited}), "inv@example.com")
		storetest.NewMember(t, env, ten.Tenant, "nomail", storetest.MemberOpts{})
		svc := service(env)
		for _, login := range []string{"nobody@acme.works.example", "away@acme.works.example", "invited@acme.works.example",
			"nomail@acme.works.example", "owner@nowhere.example"} {
			if err := svc.Request(visitor("198.51.100.1"), login); err != nil {
				t.Errorf("request for %s: %v, want the answer everyone gets (nil)", login, err)
			}
		}
		mails, err := env.DB.ListMails(context.Background(), notify.Page{Limit: 500})
		must(t, "list mails", err)
		for _, m := range mails {
			if m.Template == "password_reset" {
				t.Errorf("a reset mail went to %s", m.To)
			}
		}
		err = svc.Request(visitor("198.51.100.1"), "  ")
		wantKind(t, "an empty login id", err, errs.Invalid)
	})
}

// TestResetRateLimit: 5 requests per login id and 30 per IP in an hour,
// counted alike for login ids that exist and ones that do not.
func TestResetRateLimit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := service(env)
		for _, login := range []string{ten.Owner.LoginID, "nobody@acme.works.example"} {
			for i := range requests.PerAccount {
				must(t, fmt.Sprintf("request %d for %s", i+1, login), svc.Request(visitor(fmt.Sprintf("203.0.113.%d", i)), login))
			}
			wantKind(t, "one more for "+login, svc.Request(visitor("203.0.113.99"), login), errs.TooManyRequests)
		}
		if n := len(resetMails(t, env, "owner@example.com")); n != requests.PerAccount {
			t.Errorf("%d mails, want %d", n, requests.PerAccount)
		}
		for i := range requests.PerIP {
			must(t, fmt.Sprintf("request %d from one IP", i+1), svc.Request(visitor("192.0.2.50"), fmt.Sprintf("u%d@acme.works.example", i)))
		}
		wantKind(t, "one more from the IP", svc.Request(visitor("192.0.2.50"), "other@acme.works.example"), errs.TooManyRequests)
		env.Clock.Advance(requests.Window + time.Minute)
		must(t, "an hour later", svc.Request(visitor("192.0.2.50"), ten.Owner.LoginID))
	})
}

// TestResetRateLimitConcurrent: 64 "forgot password" requests at once for
// one login id, each from its own IP, are accepted exactly as often as the
// per-account limit allows, and mail exactly that many links.
func TestResetRateLimitConcurrent(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := service(env)
		var wg sync.WaitGroup
		var mu sync.Mutex
		kinds, accepted := map[errs.Kind]int{}, 0
		for i := range 64 {
			wg.Go(func() {
				err := svc.Request(visitor(fmt.Sprintf("203.0.113.%d", i)), ten.Owner.LoginID)
				mu.Lock()
				defer mu.Unlock()
				if err == nil {
					accepted++
				} else {
					kinds[errs.KindOf(err)]++
				}
			})
		}
		wg.Wait()
		if accepted != requests.PerAccount || accepted+kinds[errs.TooManyRequests] != 64 {
			t.Errorf("64 requests at once: %d accepted, refusals by kind %v; want %d accepted and the rest too many", accepted, kinds, requests.PerAccount)
		}
		if n := len(resetMails(t, env, "owner@example.com")); n != requests.PerAccount {
			t.Errorf("%d mails, want %d", n, requests.PerAccount)
		}
	})
}

// TestResetSingleUse: 64 concurrent uses of one link: exactly one sets the
// password, the others are told the link is used.
func TestResetSingleUse(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := service(env)
		must(t, "request", svc.Request(visitor("198.51.100.1"), ten.Owner.LoginID))
		link := mailedToken(t, env, "owner@example.com")
		const n = 64
		errors := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { _, errors[i] = svc.Confirm(context.Background(), link, fmt.Sprintf("passphrase number %d", i)) })
		}
		wg.Wait()
		won := -1
		for i, err := range errors {
			switch {
			case err == nil && won >= 0:
				t.Errorf("uses %d and %d both succeeded", won, i)
			case err == nil:
				won = i
			case errs.KindOf(err) != errs.NotFound:
				t.Errorf("use %d: %v, want NotFound", i, err)
			}
		}
		if won < 0 {
			t.Fatal("no use succeeded")
		}
		signIn(t, env, ten.Owner.LoginID, fmt.Sprintf("passphrase number %d", won))
		if es := events(t, env, ten.ID, "member.password_reset"); len(es) != 1 {
			t.Errorf("%d member.password_reset events, want 1", len(es))
		}
	})
}

// TestResetVoided: a password changed after the link was made, by the
// member or any other way, voids the link.
func TestResetVoided(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := service(env)
		must(t, "request", svc.Request(visitor("198.51.100.1"), ten.Owner.LoginID))
		first := mailedToken(t, env, "owner@example.com")
		_, err := svc.Change(ten.Ctx, storetest.Password, newPassword)
		must(t, "change", err)
		_, err = svc.Confirm(context.Background(), first, "yet another passphrase")
		wantKind(t, "a link made before a change", err, errs.NotFound)

		must(t, "request again", svc.Request(visitor("198.51.100.1"), ten.Owner.LoginID))
		second := mailedToken(t, env, "owner@example.com")
		must(t, "set the password another way", env.DB.SetMemberPassword(context.Background(), ten.ID, ten.Owner.ID, "$argon2id$other", env.Clock.Now()))
		_, err = svc.Confirm(context.Background(), second, "yet another passphrase")
		wantKind(t, "a link made before the password was set another way", err, errs.NotFound)
	})
}

// TestResetVoidedByNewEmail: a link mailed before the member's e-mail
// address changed no longer works, so the old mailbox cannot set the
// password; a link mailed to the new address does.
func TestResetVoidedByNewEmail(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := service(env)
		must(t, "request", svc.Request(visitor("198.51.100.1"), ten.Owner.LoginID))
		old := mailedToken(t, env, "owner@example.com")
		withEmail(t, env, ten.Owner, "owner@new.example")
		_, err := svc.Confirm(context.Background(), old, "yet another passphrase")
		wantKind(t, "a link mailed to the old address", err, errs.NotFound)
		signIn(t, env, ten.Owner.LoginID, storetest.Password)

		must(t, "request again", svc.Request(visitor("198.51.100.1"), ten.Owner.LoginID))
		_, err = svc.Confirm(context.Background(), mailedToken(t, env, "owner@new.example"), "yet another passphrase")
		must(t, "confirm a link mailed to the new address", err)
	})
}

// TestResetJob: a request only queues its job, the same for a login id
// that exists and one that does not; the job mails the link once however
// often it runs, dates the link and the audit event from the request, and
// mails nothing once the link would have expired.
func TestResetJob(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		var queue []password.Request
		svc := queuing(env, &queue)
		for _, login := range []string{ten.Owner.LoginID, "nobody@acme.works.example", ten.Owner.LoginID} {
			must(t, "request for "+login, svc.Request(visitor("198.51.100.1"), login))
		}
		if len(queue) != 3 || queue[1].LoginID != "nobody@acme.works.example" || queue[1].IP != "198.51.100.1" {
			t.Fatalf("queued %+v, want 3 jobs, the second for nobody from 198.51.100.1", queue)
		}
		if n, e := len(resetMails(t, env, "owner@example.com")), len(events(t, env, ten.ID, "member.password_reset_requested")); n+e != 0 {
			t.Fatalf("before the jobs ran: %d mails, %d audit events; want none", n, e)
		}

		env.Clock.Advance(10 * time.Minute)
		for range 2 { // a job run again mails nothing more
			must(t, "work the owner's job", svc.Send(context.Background(), queue[0]))
			must(t, "work nobody's job", svc.Send(context.Background(), queue[1]))
		}
		requested := events(t, env, ten.ID, "member.password_reset_requested")
		if n := len(resetMails(t, env, "owner@example.com")); n != 1 || len(requested) != 1 ||
			requested[0].IP != "198.51.100.1" || requested[0].ActorKind != "anonymous" || !requested[0].OccurredAt.Equal(queue[0].At) {
			t.Fatalf("%d mails and %d audit events, want 1 each, by an anonymous caller from 198.51.100.1 at the request's time", n, len(requested))
		}
		link := mailedToken(t, env, "owner@example.com")

		env.Clock.Advance(20 * time.Minute) // 30 minutes after the requests
		must(t, "work the owner's second job", svc.Send(context.Background(), queue[2]))
		if n := len(resetMails(t, env, "owner@example.com")); n != 1 {
			t.Errorf("a job run 30 minutes after its request mailed: %d mails, want 1", n)
		}
		_, err := svc.Confirm(context.Background(), link, newPassword)
		wantKind(t, "the link 30 minutes after the request", err, errs.NotFound)
	})
}
