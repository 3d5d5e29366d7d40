package domain_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/domain"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/store/storetest"
)

// zone is DNS as the service sees it: a fake at the system's edge (the real
// resolver is tested against real DNS servers in internal/dnscheck).
type zone struct {
	mu      sync.Mutex
	txt, mx map[string][]string
	down    error // every query fails with it, as SERVFAIL or a timeout would
}

func newZone() *zone { return &zone{txt: map[string][]string{}, mx: map[string][]string{}} }

func (z *zone) TXT(_ context.Context, name string) ([]string, error) { return z.get(z.txt, name) }
func (z *zone) MX(_ context.Context, name string) ([]string, error)  { return z.get(z.mx, name) }

func (z *zone) get(m map[string][]string, name string) ([]string, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	return m[name], z.down
}

func (z *zone) publish(p domain.Proof, method string) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if method == domain.MethodMX {
		z.mx[p.MXName] = append(z.mx[p.MXName], strings.ToUpper(p.MXHost)+".")
		return
	}
	z.txt[p.TXTName] = append(z.txt[p.TXTName], "v=spf1 -all", p.TXTValue)
}

func wantKind(t *testing.T, err error, kind errs.Kind, contains string) {
	t.Helper()
	if !errs.Is(err, kind) || !strings.Contains(err.Error(), contains) {
		t.Fatalf("got error %v, want kind %v containing %q", err, kind, contains)
	}
}

// addVerified adds name to ten and proves it by TXT.
func addVerified(t *testing.T, svc *domain.Service, z *zone, ten *storetest.Tenant, name string) *domain.Domain {
	t.Helper()
	d, err := svc.Add(ten.Ctx, ten.ID, name)
	if err != nil {
		t.Fatal(err)
	}
	z.publish(svc.Proof(d), domain.MethodTXT)
	c, err := svc.Verify(ten.Ctx, ten.ID, d.ID)
	if err != nil || c.Outcome != domain.OutcomeVerified {
		t.Fatalf("verify %s: %+v, %v", name, c, err)
	}
	return c.Domain
}

func TestVerify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		z := newZone()
		svc := env.DomainService(z)
		ten := storetest.SignUp(t, env, "acme")
		add := func(name string) *domain.Domain {
			d, err := svc.Add(ten.Ctx, ten.ID, name)
			if err != nil {
				t.Fatal(err)
			}
			if d.Status != domain.StatusPending || len(d.Token) < 26 || !d.Deadline.Equal(env.Clock.Now().Add(14*24*time.Hour)) {
				t.Fatalf("added %+v: want pending, a 128-bit token and a deadline in 14 days", d)
			}
			return d
		}

		byTXT, byMX, wrong, flaky := add("txt.example.jp"), add("mx.example.jp"), add("wrong.example.jp"), add("flaky.example.jp")
		z.publish(svc.Proof(byTXT), domain.MethodTXT)
		z.publish(svc.Proof(byMX), domain.MethodMX)
		z.txt[svc.Proof(wrong).TXTName] = []string{"kanri-verification=someone-else"}
		cases := []struct {
			name    string
			d       *domain.Domain
			down    error
			outcome string
			status  string
			method  string
		}{
			{"TXT record among others", byTXT, nil, domain.OutcomeVerified, domain.StatusActive, domain.MethodTXT},
			{"MX record, upper case with a trailing dot", byMX, nil, domain.OutcomeVerified, domain.StatusActive, domain.MethodMX},
			{"wrong token", wrong, nil, domain.OutcomeNotFound, domain.StatusPending, ""},
			{"DNS down is not a failure", flaky, errors.New("SERVFAIL from 127.0.0.1:53"), domain.OutcomeNotVisibleYet, domain.StatusPending, ""},
		}
		for _, tc := range cases {
			z.down = tc.down
			c, err := svc.Verify(ten.Ctx, ten.ID, tc.d.ID)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			got, _ := svc.Get(ten.Ctx, ten.ID, tc.d.ID)
			if c.Outcome != tc.outcome || got.Status != tc.status || got.Method != tc.method {
				t.Errorf("%s: outcome %s, stored %s/%q; want %s, %s/%q (message %q)", tc.name, c.Outcome, got.Status, got.Method, tc.outcome, tc.status, tc.method, c.Message)
			}
			if strings.Contains(c.Message, "\n") {
				t.Errorf("%s: message %q is more than one line", tc.name, c.Message)
			}
			if got.LastCheck == "" && tc.status == domain.StatusPending {
				t.Errorf("%s: the check's result was not kept", tc.name)
			}
		}
		z.down = nil
		c, _ := svc.Verify(ten.Ctx, ten.ID, wrong.ID)
		for _, want := range []string{svc.Proof(wrong).TXTValue, "someone-else", svc.Proof(wrong).MXHost} {
			if !strings.Contains(c.Message, want) {
				t.Errorf("not-found message %q does not name %q", c.Message, want)
			}
		}

		// Past the deadline the background check expires the domain: off the list, mailed, and addable again.
		env.Clock.Advance(15 * 24 * time.Hour)
		if err := svc.CheckPending(context.Background()); err != nil {
			t.Fatal(err)
		}
		ds, _ := svc.List(ten.Ctx, ten.ID)
		if names := domainNames(ds); names != "acme.works.example,mx.example.jp,txt.example.jp" {
			t.Errorf("after the deadline the list is %s, want the provided and the two verified domains", names)
		}
		if n := countMails(t, env, "domain_expired"); n != 2 {
			t.Errorf("%d expiry mails, want 2", n)
		}
		if _, err := svc.Add(ten.Ctx, ten.ID, "wrong.example.jp"); err != nil {
			t.Errorf("adding an expired domain again: %v", err)
		}
	})
}

func domainNames(ds []*domain.Domain) string {
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.Name
	}
	return strings.Join(names, ",")
}

func countMails(t *testing.T, env *storetest.Env, template string) int {
	t.Helper()
	ms, err := env.DB.ListMails(context.Background(), notify.Page{Limit: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range ms {
		if m.Template == template {
			n++
		}
	}
	return n
}

// TestVerifyRace: two tenants add the same domain and both publish their
// record; verifying at once, exactly one wins.
func TestVerifyRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		z := newZone()
		svc := env.DomainService(z)
		var tens [2]*storetest.Tenant
		var ds [2]*domain.Domain
		for i := range tens {
			tens[i] = storetest.SignUp(t, env, fmt.Sprintf("racer%d", i))
			d, err := svc.Add(tens[i].Ctx, tens[i].ID, "contested.example")
			if err != nil {
				t.Fatal(err)
			}
			ds[i] = d
			z.publish(svc.Proof(d), domain.MethodTXT)
		}
		var wg sync.WaitGroup
		var errsSeen [2]error
		for i := range tens {
			wg.Go(func() { _, errsSeen[i] = svc.Verify(tens[i].Ctx, tens[i].ID, ds[i].ID) })
		}
		wg.Wait()
		won, lost := 0, 0
		for i := range tens {
			d, _ := env.DB.GetDomain(context.Background(), tens[i].ID, ds[i].ID)
			switch {
			case errsSeen[i] == nil && d.Status == domain.StatusActive:
				won++
			case errs.Is(errsSeen[i], errs.Conflict) && d.Status == domain.StatusPending:
				lost++
			default:
				t.Errorf("tenant %d: error %v, status %s", i, errsSeen[i], d.Status)
			}
		}
		if won != 1 || lost != 1 {
			t.Fatalf("won %d, lost %d; want exactly one winner", won, lost)
		}
		// The background check finds the loser's record too: an answer (the
		// name is taken), kept on the domain, not a failure of the job.
		if err := svc.CheckPending(context.Background()); err != nil {
			t.Errorf("background check after the race: %v", err)
		}
		for i := range tens {
			d, _ := env.DB.GetDomain(context.Background(), tens[i].ID, ds[i].ID)
			if d.Status == domain.StatusPending && !strings.Contains(d.LastCheck, "another tenant") {
				t.Errorf("the loser's domain says %q, want why it stays pending", d.LastCheck)
			}
		}
		// A latecomer cannot add it either.
		other := storetest.SignUp(t, env, "latecomer")
		_, err := svc.Add(other.Ctx, other.ID, "contested.example")
		wantKind(t, err, errs.Conflict, "another tenant")
	})
}

func TestAddAndDeleteRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		z := newZone()
		svc := env.DomainService(z)
		ten := storetest.SignUp(t, env, "acme")
		plain := storetest.Actor(t, env, storetest.NewMember(t, env, ten.Tenant, "plain", storetest.MemberOpts{}))

		_, err := svc.Add(plain, ten.ID, "plain.example")
		wantKind(t, err, errs.PermissionDenied, "tenant.manage")
		first := addVerified(t, svc, z, ten, "first.example")
		_, err = svc.Add(ten.Ctx, ten.ID, "FIRST.example")
		wantKind(t, err, errs.Conflict, "already on this tenant's list")
		for i := 2; i <= domain.MaxSubMail; i++ {
			if _, err := svc.Add(ten.Ctx, ten.ID, fmt.Sprintf("d%d.example", i)); err != nil {
				t.Fatal(err)
			}
		}
		_, err = svc.Add(ten.Ctx, ten.ID, "eleventh.example")
		wantKind(t, err, errs.Invalid, "at most")

		ds, _ := svc.List(ten.Ctx, ten.ID)
		provided := ds[0]
		if !provided.Primary || provided.Kind != domain.KindProvided || provided.Status != domain.StatusActive {
			t.Fatalf("first listed domain %+v, want the provided primary", provided)
		}
		err = svc.Delete(ten.Ctx, ten.ID, provided.ID, provided.Name)
		wantKind(t, err, errs.FailedPrecondition, "primary")
		if err := svc.Delete(ten.Ctx, ten.ID, first.ID, ""); err != nil {
			t.Fatalf("delete a custom domain: %v", err)
		}
		_, err = svc.Get(ten.Ctx, ten.ID, first.ID)
		wantKind(t, err, errs.NotFound, "not found")
	})
}

// TestProvidedDomainDeletion: after a primary change the provided domain
// may go, but only by the super admin naming it; it never comes back.
func TestProvidedDomainDeletion(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		z := newZone()
		svc := env.DomainService(z)
		ten := storetest.SignUp(t, env, "acme")
		admin := storetest.NewMember(t, env, ten.Tenant, "admin2", storetest.MemberOpts{RoleIDs: []string{ten.Roles["admin"].ID}})
		custom := addVerified(t, svc, z, ten, "acme.example")
		change, err := svc.MakePrimary(ten.Ctx, ten.ID, custom.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.RunChange(context.Background(), change.ID); err != nil {
			t.Fatal(err)
		}
		owner := storetest.Actor(t, env, mustMember(t, env, ten.ID, ten.Owner.ID))
		adminCtx := storetest.Actor(t, env, mustMember(t, env, ten.ID, admin.ID))
		ds, _ := svc.List(owner, ten.ID)
		old := ds[1]
		if old.Name != "acme.works.example" || !old.SubMail() {
			t.Fatalf("after the change %+v is second; want the provided domain as a sub mail domain", old)
		}
		err = svc.Delete(adminCtx, ten.ID, old.ID, old.Name)
		wantKind(t, err, errs.PermissionDenied, "super admin")
		err = svc.Delete(owner, ten.ID, old.ID, "")
		wantKind(t, err, errs.Invalid, "cannot be undone")
		if err := svc.Delete(owner, ten.ID, old.ID, " acme.works.example "); err != nil {
			t.Fatal(err)
		}
		_, err = svc.Add(owner, ten.ID, "acme.works.example")
		wantKind(t, err, errs.Invalid, "works.example")
	})
}

func mustMember(t *testing.T, env *storetest.Env, tenantID, id string) *member.Member {
	t.Helper()
	m, err := env.DB.GetMember(context.Background(), tenantID, id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
