package member_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/store/storetest"
)

// wantCounted fails t unless the billable counter of each tenant equals a
// count of its members.
func wantCounted(t *testing.T, env *storetest.Env, when string, tenants ...*storetest.Tenant) {
	t.Helper()
	for _, ten := range tenants {
		kept, err := env.DB.CountBillable(context.Background(), ten.ID)
		must(t, "counter", err)
		counted := apptest.CountRows(t, env.URL, `SELECT COUNT(*) FROM members WHERE tenant_id = ? AND status IN ('invited', 'active', 'suspended')`, ten.ID)
		if kept != counted {
			t.Fatalf("%s: %s's billable counter is %d, a count says %d", when, ten.WorksGroup, kept, counted)
		}
	}
}

// TestBillableCounterProperty makes random member changes — adds, invites,
// imports (some refused whole), every status action, refused actions — in
// two tenants at once, and after every step the counter each tenant keeps
// equals a count of its members.
func TestBillableCounterProperty(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		svc := env.MemberService()
		tenants := []*storetest.Tenant{storetest.SignUp(t, env, "one"), storetest.SignUp(t, env, "two")}
		r := rand.New(rand.NewPCG(16, uint64(len(env.URL))))
		var ids [2][]string
		actions := []string{member.ActionSuspend, member.ActionDeactivate, member.ActionReactivate, member.ActionDelete}
		for step := range 300 {
			k := r.IntN(2)
			ten := tenants[k]
			switch op := r.IntN(10); {
			case op < 3 || len(ids[k]) == 0:
				in := member.AddInput{LoginID: fmt.Sprintf("m%d", step), Profile: member.Profile{DisplayName: new("M")}}
				if r.IntN(2) == 0 {
					in.Password = "a long enough password 1"
				}
				m, _, err := svc.Add(ten.Ctx, ten.ID, in)
				must(t, "add", err)
				ids[k] = append(ids[k], m.ID)
			case op == 3:
				var csv strings.Builder
				csv.WriteString("login_id,display_name\n")
				for i := range r.IntN(5) + 1 {
					fmt.Fprintf(&csv, "i%d-%d,I\n", step, i)
				}
				if r.IntN(3) == 0 {
					csv.WriteString("bad login id,X\n") // refused whole: nothing counted
				}
				_, _ = svc.Import(ten.Ctx, ten.ID, strings.NewReader(csv.String()), member.ImportOptions{})
			default:
				// Refused transitions (reactivating an active member…) must count nothing either.
				_, _ = svc.SetStatus(ten.Ctx, ten.ID, ids[k][r.IntN(len(ids[k]))], actions[r.IntN(len(actions))])
			}
			wantCounted(t, env, fmt.Sprintf("step %d", step), tenants...)
		}
	})
}

// TestBillableCounterUnderRace has 64 clients change members' statuses
// in one tenant at once; the counter still equals the count.
func TestBillableCounterUnderRace(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		svc := env.MemberService()
		ten := storetest.SignUp(t, env, "race")
		var ids []string
		for i := range 32 {
			ids = append(ids, storetest.NewMember(t, env, ten.Tenant, fmt.Sprintf("m%d", i), storetest.MemberOpts{}).ID)
		}
		actions := []string{member.ActionSuspend, member.ActionDeactivate, member.ActionReactivate, member.ActionDelete}
		var wg sync.WaitGroup
		for c := range 64 {
			wg.Go(func() {
				for i := range 8 {
					if c%4 == 0 && i == 0 {
						_, _, _ = svc.Add(ten.Ctx, ten.ID, member.AddInput{LoginID: fmt.Sprintf("new%d", c), Profile: member.Profile{DisplayName: new("N")}})
						continue
					}
					_, _ = svc.SetStatus(ten.Ctx, ten.ID, ids[(c*7+i)%len(ids)], actions[(c+i)%len(actions)])
				}
			})
		}
		wg.Wait()
		wantCounted(t, env, "after 64 clients", ten)
	})
}
