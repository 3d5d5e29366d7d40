package member_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/store/storetest"
)

// day is the nth day after the store tests' epoch, at midnight UTC.
func day(n int) time.Time {
	y, m, d := storetest.Epoch.Date()
	return time.Date(y, m, d+n, 0, 0, 0, 0, time.UTC)
}

// TestBillableHistoryCarriesForward: days without a row take the previous
// day's last count, days before the first row are 0, and a day's highest
// count is kept, including members it began with.
func TestBillableHistoryCarriesForward(t *testing.T) {
	t.Parallel()
	type rec struct{ day, count int }
	dc := func(n, max, last int) member.DayCount { return member.DayCount{Day: day(n), Max: max, Last: last} }
	tests := []struct {
		name     string
		records  []rec
		from, to int
		want     []member.DayCount
	}{
		{name: "nothing recorded", from: 0, to: 2, want: []member.DayCount{dc(0, 0, 0), dc(1, 0, 0), dc(2, 0, 0)}},
		{name: "days before the first change are 0", records: []rec{{2, 3}}, from: 0, to: 3,
			want: []member.DayCount{dc(0, 0, 0), dc(1, 0, 0), dc(2, 3, 3), dc(3, 3, 3)}},
		{name: "the last count carries forward", records: []rec{{0, 3}, {0, 5}, {0, 4}}, from: 0, to: 2,
			want: []member.DayCount{dc(0, 5, 4), dc(1, 4, 4), dc(2, 4, 4)}},
		{name: "a day that loses members keeps its first count as the highest", records: []rec{{0, 5}, {2, 3}}, from: 1, to: 3,
			want: []member.DayCount{dc(1, 5, 5), dc(2, 5, 3), dc(3, 3, 3)}},
		{name: "a change before the range carries in", records: []rec{{-10, 7}, {3, 9}}, from: 1, to: 3,
			want: []member.DayCount{dc(1, 7, 7), dc(2, 7, 7), dc(3, 9, 9)}},
		{name: "a change after the range is left out", records: []rec{{0, 1}, {5, 9}}, from: 0, to: 1,
			want: []member.DayCount{dc(0, 1, 1), dc(1, 1, 1)}},
		{name: "one day", records: []rec{{0, 2}, {0, 1}}, from: 0, to: 0, want: []member.DayCount{dc(0, 2, 1)}},
	}
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		svc := env.MemberService()
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				ten := storetest.NewTenant(t, env, fmt.Sprintf("ten-%d", i))
				owner := storetest.NewMember(t, env, ten, "owner", storetest.MemberOpts{SuperAdmin: true})
				for _, r := range tt.records {
					must(t, "record", env.DB.RecordBillable(context.Background(), ten.ID, day(r.day), r.count))
				}
				// Any time of day names its UTC day.
				got, err := svc.BillableHistory(storetest.Actor(t, env, owner), ten.ID, day(tt.from).Add(23*time.Hour), day(tt.to).Add(time.Minute))
				must(t, "history", err)
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("BillableHistory(%d..%d) (-want +got):\n%s", tt.from, tt.to, diff)
				}
			})
		}
	})
}

// TestBillableRecordedByChanges: sign-up, adding, importing and the status
// actions that move the count record it for the day, in their transaction.
func TestBillableRecordedByChanges(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme") // day 0: 1
		svc := env.MemberService()
		ann, _, err := svc.Add(ten.Ctx, ten.ID, member.AddInput{LoginID: "ann", Profile: member.Profile{DisplayName: ptr("Ann")}})
		must(t, "add ann", err) // day 0: 2
		env.Clock.Advance(24 * time.Hour)
		_, err = svc.SetStatus(ten.Ctx, ten.ID, ann.ID, member.ActionDelete)
		must(t, "delete ann's invitation", err) // day 1: 2 → 1
		env.Clock.Advance(2 * 24 * time.Hour)
		_, err = svc.Import(ten.Ctx, ten.ID, strings.NewReader("login_id,display_name\nbob,Bob\ncarl,Carl\n"), member.ImportOptions{})
		must(t, "import", err) // day 3: 3
		dan, _, err := svc.Add(ten.Ctx, ten.ID, member.AddInput{LoginID: "dan", Profile: member.Profile{DisplayName: ptr("Dan")}, Password: storetest.Password})
		must(t, "add dan", err) // day 3: 4
		env.Clock.Advance(24 * time.Hour)
		_, err = svc.SetStatus(ten.Ctx, ten.ID, dan.ID, member.ActionSuspend)
		must(t, "suspend dan", err) // day 4: still 4, nothing recorded
		_, err = svc.SetStatus(ten.Ctx, ten.ID, dan.ID, member.ActionDeactivate)
		must(t, "deactivate dan", err) // day 4: 4 → 3
		_, err = svc.SetStatus(ten.Ctx, ten.ID, dan.ID, member.ActionReactivate)
		must(t, "reactivate dan", err) // day 4: 3 → 4
		_, err = svc.SetStatus(ten.Ctx, ten.ID, dan.ID, member.ActionDeactivate)
		must(t, "deactivate dan again", err) // day 4: 4 → 3

		got, err := svc.BillableHistory(ten.Ctx, ten.ID, day(0), day(5))
		must(t, "history", err)
		want := []member.DayCount{{day(0), 2, 2}, {day(1), 2, 1}, {day(2), 1, 1}, {day(3), 4, 4}, {day(4), 4, 3}, {day(5), 3, 3}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("BillableHistory (-want +got):\n%s", diff)
		}
		n, err := svc.BillableCount(ten.Ctx, ten.ID)
		must(t, "count", err)
		if last := got[len(got)-1].Last; last != n {
			t.Errorf("last recorded count %d, BillableCount %d: they must agree", last, n)
		}
	})
}

// TestOverLicenseLimit: a change that would take the billable members past
// the tenant's limit is refused with the numbers as parameters and the fix
// as a term, in Japanese and English, and nothing is stored.
func TestOverLicenseLimit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme") // 1 billable
		svc := env.MemberService()
		svc.Seats = func(context.Context, string) (int, i18n.Term, error) { return 2, member.FixAddLicenses, nil }
		_, _, err := svc.Add(ten.Ctx, ten.ID, member.AddInput{LoginID: "ann", Profile: member.Profile{DisplayName: ptr("Ann")}})
		must(t, "add the second member", err)
		for name, do := range map[string]func() error{
			"add": func() error {
				_, _, err := svc.Add(ten.Ctx, ten.ID, member.AddInput{LoginID: "bob", Profile: member.Profile{DisplayName: ptr("Bob")}})
				return err
			},
			"import": func() error {
				_, err := svc.Import(ten.Ctx, ten.ID, strings.NewReader("login_id,display_name\nbob,Bob\n"), member.ImportOptions{})
				return err
			},
		} {
			err := do()
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.FailedPrecondition || e.Code != "member.over_license_limit" {
				t.Fatalf("%s: got %v, want FailedPrecondition member.over_license_limit", name, err)
			}
			if diff := cmp.Diff(map[string]any{"count": 3, "limit": 2, "fix": member.FixAddLicenses}, e.Params); diff != "" {
				t.Errorf("%s: params (-want +got):\n%s", name, diff)
			}
			const ja = "ライセンス対象のメンバーが3名になり、上限の2名を超えます。「購入/請求 > 商品の契約/変更」からライセンスを追加してください。"
			if got := e.Message("ja"); got != ja {
				t.Errorf("%s in Japanese: got %q, want %q", name, got, ja)
			}
			wantJapanese(t, name, e.Message("ja"))
			if got, want := e.Message("en"), "this would make 3 billable members, over the limit of 2: add licenses"; !strings.HasPrefix(got, want) {
				t.Errorf("%s in English: got %q, want it to start %q", name, got, want)
			}
		}
		n, err := svc.BillableCount(ten.Ctx, ten.ID)
		must(t, "count", err)
		if n != 2 {
			t.Errorf("billable members after refusals: got %d, want 2", n)
		}
	})
}

// TestBillableConcurrentChanges: members removed and imported at the same
// time each count the changes that committed first, so the day's last
// count is the true one.
func TestBillableConcurrentChanges(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		svc := env.MemberService()
		const removals, imports = 8, 2
		var invited []string
		for i := range removals {
			m, _, err := svc.Add(ten.Ctx, ten.ID, member.AddInput{LoginID: fmt.Sprintf("m%d", i), Profile: member.Profile{DisplayName: ptr("M")}})
			must(t, "add", err)
			invited = append(invited, m.ID)
		}
		start := make(chan struct{})
		errc := make([]error, removals+imports)
		var wg sync.WaitGroup
		for i, id := range invited {
			wg.Go(func() {
				<-start
				_, errc[i] = svc.SetStatus(ten.Ctx, ten.ID, id, member.ActionDelete)
			})
		}
		for i := range imports {
			wg.Go(func() {
				<-start
				_, errc[removals+i] = svc.Import(ten.Ctx, ten.ID, strings.NewReader(fmt.Sprintf("login_id,display_name\nx%d,X\ny%d,Y\n", i, i)), member.ImportOptions{})
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errc {
			must(t, fmt.Sprintf("change %d", i), err)
		}
		got, err := svc.BillableHistory(ten.Ctx, ten.ID, day(0), day(0))
		must(t, "history", err)
		// The highest count depends on the order the changes committed in.
		if d := got[0]; d.Last != 1+2*imports || d.Max < 1+removals || d.Max > 1+removals+2*imports {
			t.Errorf("after concurrent changes: got %+v, want last %d and a highest count from %d to %d", d, 1+2*imports, 1+removals, 1+removals+2*imports)
		}
	})
}

// TestBillableHistoryRefused: only admins with members.manage or
// audit.read read it, only in their tenant, and the range must make sense.
func TestBillableHistoryRefused(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.SignUp(t, env, "acme")
		other := storetest.SignUp(t, env, "beta")
		svc := env.MemberService()
		_, auditor := admin(t, env, ten, "auditor", auth.PermAuditRead)
		_, manager := admin(t, env, ten, "manager", auth.PermMembersManage)
		_, company := admin(t, env, ten, "company", auth.PermTenantManage)
		for name, ctx := range map[string]context.Context{"audit.read": auditor, "members.manage": manager} {
			if _, err := svc.BillableHistory(ctx, ten.ID, day(0), day(1)); err != nil {
				t.Errorf("%s: %v, want the history", name, err)
			}
		}
		_, err := svc.BillableHistory(company, ten.ID, day(0), day(1))
		wantKind(t, "tenant.manage only", err, errs.PermissionDenied)
		_, err = svc.BillableHistory(other.Ctx, ten.ID, day(0), day(1))
		wantKind(t, "another tenant's admin", err, errs.NotFound)
		_, err = svc.BillableHistory(ten.Ctx, ten.ID, day(1), day(0))
		wantField(t, "to before from", err, errs.Invalid, "to")
		_, err = svc.BillableHistory(ten.Ctx, ten.ID, day(-member.MaxHistoryDays), day(0))
		wantField(t, "too many days", err, errs.Invalid, "from")
	})
}
