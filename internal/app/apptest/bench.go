package apptest

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/store"
	"github.com/kanri/kanri/internal/store/storetest"
)

// Engines runs fn as a sub-benchmark per database engine, each with the URL
// of a fresh, empty database: a SQLite file under b.TempDir(), and a fresh
// PostgreSQL schema when storetest.PostgresEnv is set (skipped otherwise).
func Engines(b *testing.B, fn func(b *testing.B, url string)) {
	b.Helper()
	b.Run("sqlite", func(b *testing.B) { fn(b, filepath.Join(b.TempDir(), "kanri.db")) })
	b.Run("postgres", func(b *testing.B) { fn(b, storetest.PostgresURL(b)) })
}

// MembersCSV returns an import file with a header row and n members
// user0000000…: login_id,display_name,email,department.
func MembersCSV(n int) []byte {
	var buf bytes.Buffer
	buf.Grow(64 * (n + 1))
	buf.WriteString("login_id,display_name,email,department\n")
	for i := range n {
		fmt.Fprintf(&buf, "user%07d,Member %d,user%07d@example.com,Dept %d\n", i, i, i, i%50)
	}
	return buf.Bytes()
}

// CountRows runs a COUNT query on the database at url through a connection
// of its own, so that checking a result does not go through the code
// measured.
func CountRows(tb testing.TB, url, query string, args ...any) int {
	tb.Helper()
	db := RawDB(tb, url)
	defer db.Close()
	if store.IsPostgres(url) {
		query = store.Rebind(query)
	}
	var n int
	if err := db.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}

// RawDB opens the database at url (a SQLite path or a postgres:// URL)
// with database/sql directly, for set-up and checks beside the store; it
// closes when tb ends.
func RawDB(tb testing.TB, url string) *sql.DB {
	tb.Helper()
	driver, dsn := "sqlite", "file:"+url+"?_pragma=busy_timeout(10000)"
	if store.IsPostgres(url) {
		driver, dsn = "pgx", url
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// Explain returns the plan of query (with ? placeholders) on the database
// at url: EXPLAIN QUERY PLAN on SQLite, EXPLAIN (ANALYZE, BUFFERS) on
// PostgreSQL.
func Explain(tb testing.TB, url, query string, args ...any) string {
	tb.Helper()
	db := RawDB(tb, url)
	defer db.Close()
	query = "EXPLAIN QUERY PLAN " + query
	if store.IsPostgres(url) {
		query = store.Rebind(strings.Replace(query, "QUERY PLAN", "(ANALYZE, BUFFERS)", 1))
	}
	rows, err := db.QueryContext(context.Background(), query, args...)
	if err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var plan []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			tb.Fatal(err)
		}
		plan = append(plan, fmt.Sprint(vals[len(vals)-1])) // SQLite: id, parent, notused, detail; PostgreSQL: one column
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return strings.Join(plan, "\n")
}

// Latencies are measured request durations.
type Latencies []time.Duration

// Percentile returns the p-th percentile (0–100) by nearest rank.
func (l Latencies) Percentile(p float64) time.Duration {
	if len(l) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(l))
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// Report adds p50, p99 and max in milliseconds to b's results.
func (l Latencies) Report(b *testing.B) {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(l.Percentile(50)), "p50-ms")
	b.ReportMetric(ms(l.Percentile(99)), "p99-ms")
	b.ReportMetric(ms(l.Percentile(100)), "max-ms")
}

// MemoryWatch samples this process's Go heap while work runs, to report
// its peak along with the peak resident memory the kernel saw.
type MemoryWatch struct {
	stop chan struct{}
	done sync.WaitGroup
	peak uint64
}

// WatchMemory starts sampling the heap every 10 ms, after a collection so
// the peak belongs to the work that follows.
func WatchMemory() *MemoryWatch {
	debug.FreeOSMemory()
	w := &MemoryWatch{stop: make(chan struct{})}
	w.done.Add(1)
	go w.sample()
	return w
}

func (w *MemoryWatch) sample() {
	defer w.done.Done()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		metrics.Read(s)
		w.peak = max(w.peak, s[0].Value.Uint64())
		select {
		case <-w.stop:
			return
		case <-tick.C:
		}
	}
}

// Stop ends sampling and returns the peak heap in bytes.
func (w *MemoryWatch) Stop() uint64 {
	close(w.stop)
	w.done.Wait()
	return w.peak
}

// Report stops sampling and adds the peak heap and the process's peak
// resident memory (VmHWM) in MiB to b's results.
func (w *MemoryWatch) Report(b *testing.B) {
	b.ReportMetric(mib(w.Stop()), "peak-heap-MiB")
	b.ReportMetric(mib(ProcStatus("self", "VmHWM")), "peak-rss-MiB")
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }

// ProcStatus returns a "kB" field of /proc/<pid>/status (VmRSS, VmHWM, …)
// in bytes, or 0 when it cannot be read.
func ProcStatus(pid, field string) uint64 {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || name != field {
			continue
		}
		kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil {
			return 0
		}
		return kb << 10
	}
	return 0
}
