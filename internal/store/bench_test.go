package store_test

// BenchmarkAuditPage measures the audit trail's newest-first keyset paging
// on a large trail. It builds its data inside the benchmark, so a plain
// `go test` costs nothing; docs/PERFORMANCE.md says how to run it.

import (
	"context"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/store"
	"github.com/kanri/kanri/internal/store/storetest"
)

// auditRowsEnv lowers the trail's size for quick runs.
const auditRowsEnv = "KANRI_BENCH_AUDIT_ROWS"

// auditPage is the page size asked for; the service asks for one more row
// to learn whether a next page exists.
const auditPage = 50

// BenchmarkAuditPage loads KANRI_BENCH_AUDIT_ROWS events (default
// 10,000,000; 90% in one tenant, the rest spread over nine others) once per
// engine, shows the query plan, then measures pages of 50: the first page
// of the big tenant, pages at random depths of it by keyset cursor, and the
// first page of a small tenant. Targets: p99 < 5 ms on SQLite, < 10 ms on
// PostgreSQL.
func BenchmarkAuditPage(b *testing.B) {
	rows := 10_000_000
	if v := os.Getenv(auditRowsEnv); v != "" {
		n, err := strconv.Atoi(strings.ReplaceAll(v, "_", ""))
		if err != nil || n < 1000 {
			b.Fatalf("%s=%q: want a whole number of at least 1000", auditRowsEnv, v)
		}
		rows = n
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			url := filepath.Join(b.TempDir(), "kanri.db")
			if engine == "postgres" {
				url = storetest.PostgresURL(b)
			}
			env := storetest.Open(b, url)
			tr := trail{rows: rows}
			tr.load(b, env)
			tr.explain(b, env)
			newest := tr.rows - 1
			if tr.tenant(newest) != bigTenant {
				newest--
			}
			b.Run("first", func(b *testing.B) {
				tr.measure(b, env, func(*rand.Rand) cursor { return cursor{tenant: bigTenant, start: newest} })
			})
			b.Run("deep", func(b *testing.B) {
				tr.measure(b, env, func(r *rand.Rand) cursor {
					i := r.IntN(tr.rows - 1)
					if tr.tenant(i) != bigTenant {
						i--
					}
					return cursor{tenant: bigTenant, start: i, keyset: true}
				})
			})
			b.Run("small-tenant", func(b *testing.B) {
				tr.measure(b, env, func(*rand.Rand) cursor { return cursor{tenant: "ten_small_1", start: -1} })
			})
		})
	}
}

const bigTenant = "ten_big"

// trail is a synthetic audit trail whose i-th event (0 oldest) can be
// recomputed from i, so cursors anywhere in it cost no memory.
type trail struct {
	rows int
}

var trailEpoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// at is event i's time: four events share each 10-second tick, so the id
// breaks ties as in real bursts.
func (tr trail) at(i int) time.Time { return trailEpoch.Add(time.Duration(i/4) * 10 * time.Second) }

// id is event i's id in the shape of id.Sortable: milliseconds, then (here
// instead of random bits) i, so ids sort by time and are unique.
func (tr trail) id(i int) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(tr.at(i).UnixMilli())<<16)
	binary.BigEndian.PutUint64(b[8:], uint64(i))
	return "evt_" + crockford.EncodeToString(b[:])
}

var crockford = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// tenant is event i's tenant: every tenth event belongs to one of nine
// small tenants, the rest to the big one.
func (tr trail) tenant(i int) string {
	if i%10 != 9 {
		return bigTenant
	}
	return "ten_small_" + strconv.Itoa(i/10%9+1)
}

func (tr trail) event(i int, e *audit.Event) {
	actor := "mem_" + strconv.Itoa(i%500)
	*e = audit.Event{ID: tr.id(i), TenantID: tr.tenant(i), OccurredAt: tr.at(i), ActorKind: "member", ActorID: actor,
		ActorName: "admin" + strconv.Itoa(i%500) + "@big.works.example", TargetType: "member", TargetID: "mem_t" + strconv.Itoa(i),
		IP: "192.0.2." + strconv.Itoa(i%250), UserAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"}
	snap := json.RawMessage(`{"login_id":"user` + strconv.Itoa(i) + `@big.works.example","display_name":"Member ` + strconv.Itoa(i) +
		`","email":"user` + strconv.Itoa(i) + `@example.com","department":"Dept 7","status":"active"}`)
	switch i % 3 {
	case 0:
		e.Action, e.After = "member.added", snap
	case 1:
		e.Action, e.Before, e.After = "member.updated", snap, snap
	default:
		e.Action, e.TargetType, e.TargetID = "session.signed_in", "session", "ses_"+strconv.Itoa(i)
	}
}

// load appends every event oldest first through AppendAuditEvents, 100,000
// per transaction, and on PostgreSQL then analyzes the table as autovacuum
// would.
func (tr trail) load(b *testing.B, env *storetest.Env) {
	ctx := context.Background()
	start := time.Now()
	const perTx = 100_000
	events := make([]audit.Event, perTx)
	ptrs := make([]*audit.Event, perTx)
	for lo := 0; lo < tr.rows; lo += perTx {
		n := min(perTx, tr.rows-lo)
		for j := range n {
			tr.event(lo+j, &events[j])
			ptrs[j] = &events[j]
		}
		err := env.DB.InTx(ctx, func(ctx context.Context) error { return env.DB.AppendAuditEvents(ctx, ptrs[:n]...) })
		if err != nil {
			b.Fatalf("append events %d…: %v", lo, err)
		}
		if lo%2_000_000 == 0 && lo > 0 {
			b.Logf("%d events after %v", lo, time.Since(start).Round(time.Second))
		}
	}
	loaded := time.Since(start)
	if store.IsPostgres(env.URL) {
		if _, err := apptest.RawDB(b, env.URL).ExecContext(ctx, `VACUUM ANALYZE audit_events`); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("loaded %d audit events in %v (%.0f/s); then %v to vacuum/analyze (PostgreSQL only)",
		tr.rows, loaded.Round(time.Second), float64(tr.rows)/loaded.Seconds(), (time.Since(start) - loaded).Round(time.Second))
	if size := dbSize(b, env.URL); size > 0 {
		b.Logf("database size: %.0f MiB", float64(size)/(1<<20))
	}
}

// cursor says which page to ask for: the one that starts at event start
// (-1: unknown) of tenant, by keyset cursor or as the first page.
type cursor struct {
	tenant string
	start  int
	keyset bool
}

// measure asks for one page per iteration, the one pick says.
func (tr trail) measure(b *testing.B, env *storetest.Env, pick func(*rand.Rand) cursor) {
	ctx := context.Background()
	r := rand.New(rand.NewPCG(1, 2))
	lat := make([]time.Duration, 0, 100_000)
	for b.Loop() {
		c := pick(r)
		f := audit.Filter{TenantID: c.tenant, Limit: auditPage + 1}
		if c.keyset {
			f.BeforeTime, f.BeforeID = tr.at(c.start+1), tr.id(c.start+1) // the event just newer than start
		}
		start := time.Now()
		got, err := env.DB.ListAuditEvents(ctx, f)
		lat = append(lat, time.Since(start))
		if err != nil {
			b.Fatal(err)
		}
		tr.check(b, f, c.start, got)
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(float64(len(lat))*p/100))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(50), "p50-ms")
	b.ReportMetric(pct(99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1])/float64(time.Millisecond), "max-ms")
}

// check fails b unless the page holds only f.TenantID's events, newest
// first, starting at event i when i ≥ 0.
func (tr trail) check(b *testing.B, f audit.Filter, i int, got []*audit.Event) {
	if len(got) == 0 || len(got) > f.Limit {
		b.Fatalf("page of %s before event %d: %d events", f.TenantID, i, len(got))
	}
	for k, e := range got {
		if e.TenantID != f.TenantID || (k > 0 && e.ID >= got[k-1].ID) {
			b.Fatalf("page of %s before event %d: event %d is %s of %s", f.TenantID, i, k, e.ID, e.TenantID)
		}
	}
	if i >= 0 && got[0].ID != tr.id(i) {
		b.Fatalf("page before event %d starts at %s, want %s", i, got[0].ID, tr.id(i))
	}
}

// explain logs the plans of ListAuditEvents' first-page and keyset
// queries and fails b unless both walk the (tenant_id, occurred_at, id)
// index backwards without sorting.
func (tr trail) explain(b *testing.B, env *storetest.Env) {
	const sel = `SELECT id, tenant_id, occurred_at, actor_kind, actor_id, actor_name, action, target_type, target_id, before, after, ip, user_agent
		FROM audit_events WHERE tenant_id = ?`
	const order = ` ORDER BY occurred_at DESC, id DESC LIMIT ?`
	mid := tr.rows / 2
	tr.explainQuery(b, env, "first page", sel+order, bigTenant, auditPage+1)
	tr.explainQuery(b, env, fmt.Sprintf("keyset (cursor at event %d of %d)", mid, tr.rows), sel+` AND (occurred_at, id) < (?, ?)`+order,
		bigTenant, tr.at(mid).Format("2006-01-02T15:04:05.000000Z"), tr.id(mid), auditPage+1)
}

func (tr trail) explainQuery(b *testing.B, env *storetest.Env, what, q string, args ...any) {
	text := apptest.Explain(b, env.URL, q, args...)
	b.Logf("plan of the %s page:\n%s", what, text)
	if !strings.Contains(text, "audit_events_tenant_time") || strings.Contains(text, "TEMP B-TREE") || strings.Contains(text, "Sort") {
		b.Fatalf("the %s query does not walk audit_events_tenant_time in order:\n%s", what, text)
	}
}

// dbSize returns the database's size in bytes (0 when unknown).
func dbSize(b *testing.B, url string) int64 {
	if !store.IsPostgres(url) {
		var total int64
		for _, suffix := range []string{"", "-wal"} {
			if fi, err := os.Stat(url + suffix); err == nil {
				total += fi.Size()
			}
		}
		return total
	}
	var n int64
	_ = apptest.RawDB(b, url).QueryRowContext(context.Background(), `SELECT pg_total_relation_size('audit_events')`).Scan(&n)
	return n
}
