package api_test

// Benchmarks of the performance targets, over real HTTP. They build
// their own data inside the Benchmark functions, so a plain `go test` costs
// nothing; docs/PERFORMANCE.md says how to run them and what they showed.

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app/apptest"
)

const importRows = 100_000

// BenchmarkMemberImport100k imports one 100,000-row CSV per iteration into
// a fresh tenant, and checks that every member and one audit event each
// arrived. The server already holds another tenant's 100,000 imported
// members, so the measured import runs beside them and, on PostgreSQL, on
// connections that have planned the same statements while the tables were
// small. Target on SQLite: ≤ 10 s, peak memory < 300 MiB.
func BenchmarkMemberImport100k(b *testing.B) {
	apptest.Engines(b, func(b *testing.B, url string) {
		csv := apptest.MembersCSV(importRows)
		srv := apptest.Start(b, url, nil)
		checkAllOrNothing(b, srv, url)
		importInto(b, srv, srv.Signup("neighbour"), csv)
		var total time.Duration
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			ten := srv.Signup(fmt.Sprintf("import%d", i))
			mem := apptest.WatchMemory()
			b.StartTimer()
			total += importInto(b, srv, ten, csv)
			b.StopTimer()
			mem.Report(b)
			checkImported(b, url, ten, importRows)
			b.StartTimer()
		}
		b.ReportMetric(total.Seconds()/float64(b.N), "s/import")
		b.ReportMetric(float64(importRows)*float64(b.N)/total.Seconds(), "rows/s")
	})
}

// importInto imports csv into ten over HTTP and returns how long it took.
func importInto(b *testing.B, srv *apptest.Server, ten *apptest.Tenant, csv []byte) time.Duration {
	b.Helper()
	srv.PayMonthly(ten) // past the free plan's 30 members
	start := time.Now()
	res := srv.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/members/import?create_missing=true", Token: ten.AdminToken, Body: csv})
	took := time.Since(start)
	if res.Status != http.StatusOK {
		b.Fatalf("import: %d %.500s", res.Status, res.Body)
	}
	b.Logf("imported %d bytes into %s in %v", len(csv), ten.ID, took.Round(time.Millisecond))
	return took
}

// checkAllOrNothing imports 100,000 rows whose last line is bad: the file
// must be refused and nothing stored.
func checkAllOrNothing(b *testing.B, srv *apptest.Server, url string) {
	b.Helper()
	ten := srv.Signup("refused")
	srv.PayMonthly(ten)
	csv := append(apptest.MembersCSV(importRows-1), "bad login!,Bad,bad@example.com,X\n"...)
	start := time.Now()
	res := srv.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/members/import?create_missing=true", Token: ten.AdminToken, Body: csv})
	b.Logf("refusing a 100,000-row file with one bad line took %v", time.Since(start).Round(time.Millisecond))
	if res.Status != http.StatusUnprocessableEntity {
		b.Fatalf("import with a bad line: got %d %.300s, want 422", res.Status, res.Body)
	}
	checkImported(b, url, ten, 0)
}

// checkImported fails b unless ten has want invited members besides its
// super admin, with exactly one member.added audit event each.
func checkImported(b *testing.B, url string, ten *apptest.Tenant, want int) {
	b.Helper()
	members := apptest.CountRows(b, url, `SELECT COUNT(*) FROM members WHERE tenant_id = ? AND status = 'invited'`, ten.ID)
	const added = ` FROM audit_events WHERE tenant_id = ? AND action = 'member.added' AND target_id <> ?`
	events := apptest.CountRows(b, url, `SELECT COUNT(*)`+added, ten.ID, ten.AdminID)
	distinct := apptest.CountRows(b, url, `SELECT COUNT(DISTINCT target_id)`+added, ten.ID, ten.AdminID)
	if members != want || events != want || distinct != want {
		b.Fatalf("after import: %d invited members, %d member.added events for %d members; want %d of each", members, events, distinct, want)
	}
}

// BenchmarkMemberListFirstPage asks for the first page of 100 of a tenant
// with 100,000 members (imported through the API first), with a bearer
// token, over HTTP. Target on SQLite: p99 < 5 ms.
func BenchmarkMemberListFirstPage(b *testing.B) {
	apptest.Engines(b, func(b *testing.B, url string) {
		srv := apptest.Start(b, url, nil)
		other := srv.Signup("neighbour") // another tenant's members sit beside this one's in the tables
		ten := srv.Signup("listing")
		for _, t := range []*apptest.Tenant{other, ten} {
			importInto(b, srv, t, apptest.MembersCSV(importRows))
		}
		b.Logf("plan of the first-page query:\n%s", apptest.Explain(b, url, `SELECT m.id, m.tenant_id, m.login_local || '@' || d.name, m.display_name,
			m.email, m.phone, COALESCE(m.department_id, ''), COALESCE(dp.name, ''), COALESCE(m.position_id, ''), COALESCE(po.name, ''),
			COALESCE(m.rule_id, ''), m.status, m.is_super_admin, m.external_issuer, m.external_subject, m.password_hash,
			m.invitation_hash, m.invitation_expires_at, m.created_at, m.updated_at, m.language FROM members m JOIN domains d ON d.tenant_id = m.tenant_id
			AND d.is_primary LEFT JOIN departments dp ON dp.id = m.department_id LEFT JOIN positions po ON po.id = m.position_id
			WHERE m.tenant_id = ? AND m.id > ? AND m.status <> 'deleted' ORDER BY m.id LIMIT ?`, ten.ID, "", 101))
		req := apptest.Request{Method: "GET", Path: "/api/v1/tenants/" + ten.ID + "/members?limit=100", Token: ten.AdminToken}
		var page struct {
			Items      []struct{ ID string }
			NextCursor string `json:"next_cursor"`
		}
		res := srv.Do(req)
		res.Decode(b, &page)
		if res.Status != http.StatusOK || len(page.Items) != 100 || page.NextCursor == "" {
			b.Fatalf("first page: %d, %d items, next %q", res.Status, len(page.Items), page.NextCursor)
		}
		lat := make(apptest.Latencies, 0, 10_000)
		for b.Loop() {
			start := time.Now()
			res := srv.Do(req)
			lat = append(lat, time.Since(start))
			if res.Status != http.StatusOK {
				b.Fatalf("list: %d %.300s", res.Status, res.Body)
			}
		}
		lat.Report(b)
	})
}

// BenchmarkServeIdle builds cmd/kanri, starts `kanri serve` on a fresh
// SQLite file per iteration, and reports the time from exec to /healthz
// answering 200 (target < 2 s) and the resident memory after 5 s idle
// (target < 64 MiB; KANRI_BENCH_IDLE changes the wait). ns/op means
// nothing here: it is mostly the wait.
func BenchmarkServeIdle(b *testing.B) {
	bin := filepath.Join(b.TempDir(), "kanri")
	build := exec.Command("go", "build", "-o", bin, "github.com/kanri/kanri/cmd/kanri")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	idle := 5 * time.Second
	if v, err := time.ParseDuration(os.Getenv("KANRI_BENCH_IDLE")); err == nil {
		idle = v
	}
	var start apptest.Latencies
	var maxRSS uint64
	for i := 0; i < b.N; i++ {
		d, rss := serveOnce(b, bin, idle)
		start, maxRSS = append(start, d), max(maxRSS, rss)
	}
	b.ReportMetric(float64(start.Percentile(50))/float64(time.Millisecond), "cold-start-p50-ms")
	b.ReportMetric(float64(start.Percentile(100))/float64(time.Millisecond), "cold-start-max-ms")
	b.ReportMetric(float64(maxRSS)/(1<<20), "idle-rss-max-MiB")
}

// serveOnce runs one server until /healthz answers and idle has passed, and
// returns how long it took to answer and its resident memory then.
func serveOnce(b *testing.B, bin string, idle time.Duration) (time.Duration, uint64) {
	b.Helper()
	addr := freeAddr(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve", "--listen", addr, "--database", filepath.Join(b.TempDir(), "kanri.db"), "--log-level", "warn")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		if stderr.Len() > 0 {
			b.Logf("kanri serve wrote to stderr:\n%s", stderr.String())
		}
	}()
	client := &http.Client{Timeout: time.Second}
	for {
		res, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Since(begin) > 30*time.Second {
			b.Fatalf("kanri serve did not answer /healthz within 30 s: %v", err)
		}
		time.Sleep(2 * time.Millisecond)
	}
	ready := time.Since(begin)
	client.CloseIdleConnections()
	time.Sleep(idle)
	rss := apptest.ProcStatus(strconv.Itoa(cmd.Process.Pid), "VmRSS")
	b.Logf("kanri serve: /healthz 200 after %v; VmRSS after %v idle: %.1f MiB", ready.Round(time.Millisecond), idle, float64(rss)/(1<<20))
	return ready, rss
}

func freeAddr(b *testing.B) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
