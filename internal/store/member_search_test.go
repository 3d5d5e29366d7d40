package store_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/store/storetest"
	"github.com/kanri/kanri/internal/tenant"
)

// TestNameSearchEqualsScan searches random names by random parts, and
// login ids by their start, on both engines, and compares every answer
// with a plain scan in Go: members of
// two tenants named from a small alphabet (Japanese and Latin, upper and
// lower case, spaces), a part in over a thousand names (too common for
// SQLite's trigram index: read by scan) and parts of one or two
// characters (no trigram); then after renames and deletions, which the
// index must follow.
func TestNameSearchEqualsScan(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := context.Background()
		rnd := rand.New(rand.NewPCG(7, 18))
		alphabet := []rune("山田花子佐藤さくらアイaAbBcC ー")
		randomName := func() string {
			r := make([]rune, 2+rnd.IntN(7))
			for i := range r {
				r[i] = alphabet[rnd.IntN(len(alphabet))]
			}
			return string(r)
		}
		tenants := []*tenant.Tenant{storetest.NewTenant(t, env, "search-a"), storetest.NewTenant(t, env, "search-b")}
		names := map[string]string{} // member id → display name
		members := map[string]*member.Member{}
		for ti, ten := range tenants {
			var batch []*member.Member
			for i := range 1200 {
				name := randomName()
				if ti == 0 && i%10 != 0 { // 1,080 names share a part
					name += "共通部分" + randomName()
				}
				now := env.Clock.Now()
				m := &member.Member{ID: env.IDs.New("mem"), TenantID: ten.ID, LoginID: fmt.Sprintf("u%04d@%s", i, ten.PrimaryDomain),
					DisplayName: name, Status: member.StatusActive, CreatedAt: now, UpdatedAt: now}
				batch = append(batch, m)
				names[m.ID], members[m.ID] = name, m
			}
			if err := env.DB.CreateMembers(ctx, batch); err != nil {
				t.Fatal(err)
			}
		}
		ids := slices.Sorted(maps.Keys(names))
		queries := []string{"共通部分", "共通", "部", "ー", " ", "zzz", "山田花子佐藤"}
		for range 50 {
			name := []rune(names[ids[rnd.IntN(len(ids))]])
			start, n := rnd.IntN(len(name)), 1+rnd.IntN(5)
			queries = append(queries, string(name[start:min(start+n, len(name))]), string([]rune(randomName() + randomName())[:3]))
		}
		prefixes := []string{"u", "u0", "u01", "u011", "u0119", "u1199", "u12", "x"}
		check := func(when string) {
			t.Helper()
			for _, ten := range tenants {
				for _, q := range queries {
					got := search(t, env, member.Filter{TenantID: ten.ID, Name: q})
					if want := scan(names, members, ten.ID, func(m *member.Member) bool {
						return strings.Contains(strings.ToLower(names[m.ID]), strings.ToLower(q))
					}); !slices.Equal(got, want) {
						t.Fatalf("%s: %q in %s: %d members, a scan finds %d\n got %v\nwant %v", when, q, ten.ID, len(got), len(want), got, want)
					}
				}
				for _, p := range prefixes {
					got := search(t, env, member.Filter{TenantID: ten.ID, LoginID: p})
					if want := scan(names, members, ten.ID, func(m *member.Member) bool { return strings.HasPrefix(m.LoginID, p) }); !slices.Equal(got, want) {
						t.Fatalf("%s: login ids from %q in %s: %d members, a scan finds %d", when, p, ten.ID, len(got), len(want))
					}
				}
			}
		}
		check("created")

		for i, id := range ids {
			switch i % 7 {
			case 0:
				m := members[id]
				m.DisplayName = randomName() + "改名"
				names[id] = m.DisplayName
				if err := env.DB.UpdateMember(ctx, m); err != nil {
					t.Fatal(err)
				}
			case 1:
				if err := env.DB.ExecRaw(ctx, `DELETE FROM members WHERE id = ?`, id); err != nil {
					t.Fatal(err)
				}
				delete(names, id)
			}
		}
		queries = append(queries, "改名", "名")
		check("renamed and deleted")
	})
}

// search pages through every member f finds.
func search(t *testing.T, env *storetest.Env, f member.Filter) []string {
	t.Helper()
	var out []string
	for f.Limit = 100; ; {
		ms, err := env.DB.ListMembers(context.Background(), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			out = append(out, m.ID)
		}
		if len(ms) < 100 {
			return out
		}
		f.After = ms[len(ms)-1].ID
	}
}

// scan is the search done in Go: the tenant's members (those still in
// names) that match, in id order.
func scan(names map[string]string, members map[string]*member.Member, tenantID string, match func(*member.Member) bool) []string {
	var out []string
	for id := range names {
		if m := members[id]; m.TenantID == tenantID && match(m) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}
