package domain_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/session"
	"github.com/kanri/kanri/internal/store"
	"github.com/kanri/kanri/internal/store/storetest"
)

// slowRename is the real store with the renaming transaction held open
// for a while after it has locked the tenant, so that other requests
// meet it.
type slowRename struct {
	*store.DB
	entered chan struct{}
}

func (s *slowRename) RevokeTenantSessions(ctx context.Context, tenantID string, now time.Time) (int, error) {
	close(s.entered)
	time.Sleep(300 * time.Millisecond)
	return s.DB.RevokeTenantSessions(ctx, tenantID, now)
}

// TestChangeBesideOtherRequests runs a member add and a sign-in with the
// old login id while the renaming transaction is open: the member is added
// on the new domain (on PostgreSQL too, where a waiter once found "tenant
// not found"), is not mailed about a change it never saw, and the sign-in
// either fails or its session does not outlive the change.
func TestChangeBesideOtherRequests(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		z := newZone()
		svc := env.DomainService(z)
		ten := storetest.SignUp(t, env, "acme")
		members := env.MemberService()
		early, _, err := members.Add(ten.Ctx, ten.ID, member.AddInput{LoginID: "early", Profile: member.Profile{DisplayName: ptr("Early"), Email: ptr("early@mail.example")}})
		if err != nil {
			t.Fatal(err)
		}
		target := addVerified(t, svc, z, ten, "acme.example")
		change, err := svc.MakePrimary(ten.Ctx, ten.ID, target.ID)
		if err != nil {
			t.Fatal(err)
		}
		slow := &slowRename{DB: env.DB, entered: make(chan struct{})}
		svc.Store = slow

		var wg sync.WaitGroup
		var late *member.Member
		var addErr, loginErr error
		var token string
		wg.Go(func() { err = svc.RunChange(context.Background(), change.ID) })
		<-slow.entered
		// Ids order by time: the frozen test clock moves on, as real time
		// does between the rename's start and a later request.
		env.Clock.Advance(time.Millisecond)
		wg.Go(func() {
			late, _, addErr = members.Add(ten.Ctx, ten.ID, member.AddInput{LoginID: "late", Profile: member.Profile{DisplayName: ptr("Late"), Email: ptr("late@mail.example")}})
		})
		wg.Go(func() {
			token, _, loginErr = env.SessionService().Login(context.Background(), "owner@acme.works.example", storetest.Password, session.Client{IP: "192.0.2.7"})
		})
		wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if addErr != nil || late.LoginID != "late@acme.example" {
			t.Fatalf("member added during the rename: %v, %+v; want late@acme.example", addErr, late)
		}
		if loginErr == nil {
			if _, err := env.SessionService().Authenticate(context.Background(), token, session.Client{}); err == nil {
				t.Error("a sign-in with the old login id during the rename kept a session")
			}
		}
		if got := mustMember(t, env, ten.ID, early.ID).LoginID; got != "early@acme.example" {
			t.Errorf("early member's login id: %s", got)
		}
		done, _ := env.DB.GetChange(context.Background(), change.ID)
		if done.Renamed != 2 { // the owner and early
			t.Errorf("renamed %d, want 2: a member who joined after the rename was not renamed", done.Renamed)
		}
		mails, _ := env.DB.ListMails(context.Background(), notify.Page{Limit: 1 << 30})
		for _, m := range mails {
			if m.Template == "domain_primary_changed" && m.To == "late@mail.example" {
				t.Error("the member who joined after the rename was told their login id changed")
			}
		}
	})
}

func ptr(s string) *string { return &s }
