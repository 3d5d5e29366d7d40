package domain_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/domain"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/session"
	"github.com/kanri/kanri/internal/store"
	"github.com/kanri/kanri/internal/store/storetest"
)

var errCrash = errors.New("injected crash")

// crashingStore is the real store with a crash injected at two points of a
// change's job: after the login ids are renamed (inside the renaming
// transaction), and after a number of members have been mailed.
type crashingStore struct {
	*store.DB
	crashRename    atomic.Bool
	crashMailAfter atomic.Int64 // crash when this many members are mailed; 0: never
}

func (s *crashingStore) RevokeTenantSessions(ctx context.Context, tenantID string, now time.Time) (int, error) {
	if s.crashRename.CompareAndSwap(true, false) {
		return 0, errCrash
	}
	return s.DB.RevokeTenantSessions(ctx, tenantID, now)
}

func (s *crashingStore) UpdateChange(ctx context.Context, c *domain.Change) error {
	if n := s.crashMailAfter.Load(); n > 0 && int64(c.Mailed) >= n && s.crashMailAfter.CompareAndSwap(n, 0) {
		return errCrash
	}
	return s.DB.UpdateChange(ctx, c)
}

// bigTenant gives ten n members m00000… with e-mail addresses and one
// password hash, plus externals members with only an external identity.
func bigTenant(t *testing.T, env *storetest.Env, ten *storetest.Tenant, n, externals int) []*member.Member {
	t.Helper()
	hash := auth.HashPassword(storetest.Password)
	now := env.Clock.Now()
	var ms []*member.Member
	for i := range n + externals {
		m := &member.Member{ID: env.IDs.New("mem"), TenantID: ten.ID, LoginID: fmt.Sprintf("m%05d@%s", i, ten.PrimaryDomain),
			DisplayName: fmt.Sprintf("Member %d", i), Email: fmt.Sprintf("m%05d@mail.example", i), Status: member.StatusActive,
			PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
		if i >= n {
			m.PasswordHash, m.ExternalIssuer, m.ExternalSubject = "", "https://line.example", fmt.Sprintf("sub-%d", i)
		}
		ms = append(ms, m)
	}
	for i := 0; i < len(ms); i += 1000 {
		if err := env.DB.CreateMembers(context.Background(), ms[i:min(i+1000, len(ms))]); err != nil {
			t.Fatal(err)
		}
	}
	return ms
}

// TestPrimaryChangeSurvivesCrashes changes the primary domain of a tenant
// with 10,000 members, crashing once inside the renaming transaction and
// once in the middle of the mails: the retries finish the job with every
// member renamed exactly once and mailed exactly once, no session alive,
// the old login ids refused and the new ones working with the old password.
func TestPrimaryChangeSurvivesCrashes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		const n, externals = 10000, 3
		z := newZone()
		svc := env.DomainService(z)
		crashing := &crashingStore{DB: env.DB}
		svc.Store = crashing
		ten := storetest.SignUp(t, env, "bigco")
		ms := bigTenant(t, env, ten, n, externals)
		storetest.NewMember(t, env, ten.Tenant, "gone", storetest.MemberOpts{Status: member.StatusDeleted}) // not counted, not mailed
		tokens := []string{storetest.NewSession(t, env, ms[0]), storetest.NewSession(t, env, ms[n-1]), storetest.NewSession(t, env, ten.Owner)}
		target := addVerified(t, svc, z, ten, "bigco.example")

		change, err := svc.MakePrimary(ten.Ctx, ten.ID, target.ID)
		if err != nil {
			t.Fatal(err)
		}
		ds, _ := env.DB.ListDomains(context.Background(), ten.ID)
		for _, d := range ds {
			if d.Status != domain.StatusPrimaryChanging {
				t.Errorf("while the change waits, %s is %s; want primary_changing", d.Name, d.Status)
			}
		}
		crashing.crashRename.Store(true)
		crashing.crashMailAfter.Store(4000)
		for attempt := 1; ; attempt++ {
			err := svc.RunChange(context.Background(), change.ID)
			if err == nil {
				break
			}
			if !errors.Is(err, errCrash) || attempt > 3 {
				t.Fatalf("run %d: %v", attempt, err)
			}
			if attempt == 1 { // the renaming transaction rolled back: nothing renamed yet
				if m := mustMember(t, env, ten.ID, ms[0].ID); m.LoginID != ms[0].LoginID {
					t.Fatalf("after a crash inside the rename, %s has login id %s", ms[0].ID, m.LoginID)
				}
			}
		}

		checkRenamed(t, env, ten, ms, n)
		done, _ := env.DB.GetChange(context.Background(), change.ID)
		if done.Status != domain.ChangeDone || done.Renamed != n+externals+1 || done.Mailed != n+externals+1 {
			t.Errorf("change %+v: want done with %d renamed and mailed (the owner too)", done, n+externals+1)
		}
		checkMailedOnce(t, env, n+externals+1)
		for _, token := range tokens {
			if _, err := env.SessionService().Authenticate(context.Background(), token, session.Client{}); err == nil {
				t.Error("a session survived the primary change")
			}
		}
		login := func(id string) error {
			_, _, err := env.SessionService().Login(context.Background(), id, storetest.Password, session.Client{IP: "192.0.2.9"})
			return err
		}
		if err := login("m00042@bigco.works.example"); err == nil {
			t.Error("the old login id still signs in")
		}
		if err := login("m00042@bigco.example"); err != nil {
			t.Errorf("the new login id with the old password: %v", err)
		}
		ds, _ = env.DB.ListDomains(context.Background(), ten.ID)
		if len(ds) != 2 || ds[0].Name != "bigco.example" || !ds[0].Primary || !ds[1].SubMail() || ds[1].Status != domain.StatusActive {
			t.Errorf("domains after the change: %+v, %+v; want bigco.example primary and the old one a sub mail domain", ds[0], ds[1])
		}
	})
}

func checkRenamed(t *testing.T, env *storetest.Env, ten *storetest.Tenant, ms []*member.Member, n int) {
	t.Helper()
	now := map[string]string{} // member id → login id
	for after := ""; ; {
		page, err := env.DB.ListMembers(context.Background(), member.Filter{TenantID: ten.ID, After: after, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, m := range page {
			now[m.ID] = m.LoginID
		}
		after = page[len(page)-1].ID
	}
	for i, m := range ms {
		got := now[m.ID]
		want := strings.Replace(m.LoginID, "@bigco.works.example", "@bigco.example", 1)
		if i >= n { // external identity only: an automatic id on the new domain
			if !strings.HasPrefix(got, "u-") || !strings.HasSuffix(got, "@bigco.example") || strings.Count(got, "@") != 1 {
				t.Errorf("external-only member %s got login id %s, want u-<random>@bigco.example", m.ID, got)
			}
			continue
		}
		if got != want {
			t.Fatalf("member %s has login id %s, want %s", m.ID, got, want)
		}
	}
	if got := mustMember(t, env, ten.ID, ten.Owner.ID).LoginID; got != "owner@bigco.example" {
		t.Errorf("the super admin's login id is %s, want owner@bigco.example", got)
	}
}

func checkMailedOnce(t *testing.T, env *storetest.Env, want int) {
	t.Helper()
	ms, err := env.DB.ListMails(context.Background(), notify.Page{Limit: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, m := range ms {
		if m.Template == "domain_primary_changed" {
			seen[m.To]++
			if seen[m.To] == 2 {
				t.Errorf("%s was mailed twice", m.To)
			}
		}
	}
	if len(seen) != want {
		t.Errorf("%d members mailed their new login id, want %d", len(seen), want)
	}
}

func TestMakePrimaryRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		z := newZone()
		svc := env.DomainService(z)
		ten := storetest.SignUp(t, env, "acme")
		admin := storetest.Actor(t, env, storetest.NewMember(t, env, ten.Tenant, "admin2", storetest.MemberOpts{RoleIDs: []string{ten.Roles["admin"].ID}}))
		active := addVerified(t, svc, z, ten, "acme.example")
		second := addVerified(t, svc, z, ten, "acme.co.jp")
		pending, _ := svc.Add(ten.Ctx, ten.ID, "pending.example")

		_, err := svc.MakePrimary(admin, ten.ID, active.ID)
		wantKind(t, err, errs.PermissionDenied, "super admin")
		_, err = svc.MakePrimary(ten.Ctx, ten.ID, pending.ID)
		wantKind(t, err, errs.FailedPrecondition, "not verified yet")
		wantJA(t, err, "pending.example は所有権の確認が済んでいないため、プライマリドメインに変更できません。")
		c, err := svc.MakePrimary(ten.Ctx, ten.ID, active.ID)
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.MakePrimary(ten.Ctx, ten.ID, second.ID)
		wantKind(t, err, errs.FailedPrecondition, "in progress")
		err = svc.Delete(ten.Ctx, ten.ID, active.ID, "")
		wantKind(t, err, errs.FailedPrecondition, "in progress")
		if err := svc.RunChange(context.Background(), c.ID); err != nil {
			t.Fatal(err)
		}
		// The change signed everyone out: act as the owner again.
		owner := storetest.Actor(t, env, mustMember(t, env, ten.ID, ten.Owner.ID))
		env.Clock.Advance(23 * time.Hour)
		_, err = svc.MakePrimary(owner, ten.ID, second.ID)
		wantKind(t, err, errs.FailedPrecondition, "another change is possible from")
		wantJA(t, err, "JST に変更されました。次の変更は ")
		env.Clock.Advance(time.Hour + time.Second)
		if _, err := svc.MakePrimary(owner, ten.ID, second.ID); err != nil {
			t.Fatalf("24 hours later: %v", err)
		}
	})
}
