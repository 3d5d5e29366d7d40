package member_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/store/storetest"
)

// TestConcurrentUpdatesKeepBoth runs updates of different fields of one
// member at the same time: each must succeed and none may be lost to
// another's read-modify-write.
func TestConcurrentUpdatesKeepBoth(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := env.MemberService()
		m := storetest.NewMember(t, env, ten.Tenant, "ann", storetest.MemberOpts{})
		auditor := ten.Roles["auditor"].ID
		const rounds = 10
		for round := range rounds {
			dept, pos := fmt.Sprintf("dept-%d", round), fmt.Sprintf("pos-%d", round)
			deptID, posID := newDept(t, env, ten, dept), newPos(t, env, ten, pos)
			var roles []string
			if round%2 == 0 {
				roles = []string{auditor}
			}
			updates := []func() error{
				func() error {
					_, err := svc.Update(ten.Ctx, ten.ID, m.ID, member.Edit{Profile: member.Profile{DepartmentID: &deptID}})
					return err
				},
				func() error {
					_, err := svc.Update(ten.Ctx, ten.ID, m.ID, member.Edit{Profile: member.Profile{PositionID: &posID}})
					return err
				},
				func() error { _, err := svc.Update(ten.Ctx, ten.ID, m.ID, member.Edit{RoleIDs: &roles}); return err },
			}
			start := make(chan struct{})
			errc := make([]error, len(updates))
			var wg sync.WaitGroup
			for i, update := range updates {
				wg.Go(func() {
					<-start
					errc[i] = update()
				})
			}
			close(start)
			wg.Wait()
			for i, err := range errc {
				if err != nil {
					t.Errorf("round %d, update %d: %v", round, i, err)
				}
			}
			got := stored(t, env, ten.ID, m.ID)
			if got.DepartmentID != deptID || got.Department != dept || got.PositionID != posID || got.Position != pos || !slices.Equal(got.RoleIDs, roles) {
				t.Errorf("round %d: got department %s %q, position %s %q, roles %v; want %s %q, %s %q, %v",
					round, got.DepartmentID, got.Department, got.PositionID, got.Position, got.RoleIDs, deptID, dept, posID, pos, roles)
			}
		}
		if n := len(events(t, env, ten.ID, "member.updated")); n != 3*rounds {
			t.Errorf("member.updated events: got %d, want %d", n, 3*rounds)
		}
	})
}

// TestConcurrentSignupsSameWorksGroup signs up one works-group name twice at
// once: exactly one wins, and the other leaves nothing behind.
func TestConcurrentSignupsSameWorksGroup(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		svc := env.MemberService()
		for round := range 2 {
			wg := fmt.Sprintf("race-%d", round)
			start := make(chan struct{})
			errc := make([]error, 2)
			var done sync.WaitGroup
			for i := range errc {
				done.Go(func() {
					in := validSignup()
					in.WorksGroup, in.AdminLoginID = wg, fmt.Sprintf("owner%d", i)
					<-start
					_, _, errc[i] = svc.Signup(t.Context(), in)
				})
			}
			close(start)
			done.Wait()
			var kinds []string
			for _, err := range errc {
				switch {
				case err == nil:
					kinds = append(kinds, "ok")
				case errs.Is(err, errs.Conflict):
					kinds = append(kinds, "conflict")
					wantField(t, "losing sign-up", err, errs.Conflict, "works_group")
				default:
					kinds = append(kinds, err.Error())
				}
			}
			if diff := cmp.Diff([]string{"conflict", "ok"}, kinds, cmpSorted); diff != "" {
				t.Errorf("round %d: outcomes (-want +got):\n%s", round, diff)
			}
			domain := wg + "." + storetest.ProvidedBase
			taken, err := env.DB.TakenLoginIDs(t.Context(), []string{"owner0@" + domain, "owner1@" + domain})
			must(t, "taken login ids", err)
			if len(taken) != 1 {
				t.Errorf("round %d: super admins stored: got %v, want exactly one", round, taken)
			}
		}
	})
}
