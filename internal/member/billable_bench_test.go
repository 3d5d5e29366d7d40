package member_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/store/storetest"
)

// BenchmarkMemberChangeAtSize adds a member, renames it and deletes it
// (each add a change of the billable count), in a tenant of
// KANRI_BENCH_MEMBERS members (default 100,000) and in a 10-member tenant,
// alternately, one client: issue 18 asks that the
// big tenant's rate be at least half the small one's (the billable count
// is a counter, not a count). Run with
//
//	go test ./internal/member -run '^$' -bench MemberChangeAtSize -benchtime 2000x
func BenchmarkMemberChangeAtSize(b *testing.B) {
	onEachBenchEngine(b, 100_000, func(b *testing.B, env *storetest.Env, _ string, n int) {
		svc := env.MemberService()
		tenant := func(name string, size int) *storetest.Tenant {
			ten := storetest.SignUp(b, env, name)
			for start := 0; start < size; start += member.MaxImportRows {
				var csv strings.Builder
				csv.WriteString("login_id,display_name\n")
				for i := start; i < min(size, start+member.MaxImportRows); i++ {
					fmt.Fprintf(&csv, "u%07d,User %d\n", i, i)
				}
				if _, err := svc.Import(ten.Ctx, ten.ID, strings.NewReader(csv.String()), member.ImportOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			return ten
		}
		big, small := tenant("big", n), tenant("small", 10)
		// change adds a member (invited), renames it and deletes it: three
		// changes, two of them to the billable count.
		change := func(ten *storetest.Tenant, i int) time.Duration {
			start := time.Now()
			m, _, err := svc.Add(ten.Ctx, ten.ID, member.AddInput{LoginID: fmt.Sprintf("added%d", i), Profile: member.Profile{DisplayName: new("A")}})
			if err == nil {
				_, err = svc.Update(ten.Ctx, ten.ID, m.ID, member.Edit{Profile: member.Profile{DisplayName: new(fmt.Sprintf("Renamed %d", i))}})
			}
			if err == nil {
				_, err = svc.SetStatus(ten.Ctx, ten.ID, m.ID, member.ActionDelete)
			}
			if err != nil {
				b.Fatal(err)
			}
			return time.Since(start)
		}
		var inBig, inSmall time.Duration
		count := 0
		b.ResetTimer()
		for b.Loop() {
			inBig += change(big, count)
			inSmall += change(small, count)
			count++
		}
		b.ReportMetric(3*float64(count)/inBig.Seconds(), "changes/s(big)")
		b.ReportMetric(3*float64(count)/inSmall.Seconds(), "changes/s(small)")
	})
}
