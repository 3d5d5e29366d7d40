package app_test

import (
	"fmt"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/idempotency"
)

// importUnderKey is a members import of rows rows under Idempotency-Key key.
func importUnderKey(ten *apptest.Tenant, rows int, key string) apptest.Request {
	return apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/members/import?create_missing=true", Token: ten.AdminToken,
		Body: apptest.MembersCSV(rows), Header: http.Header{idempotency.Header: {key}}}
}

// TestKilledImportRetriedAtOnce: after a `kanri serve` died running an
// import under an Idempotency-Key, 64 retries at once, sent once the dead
// lease has lapsed, run the import exactly once.
func TestKilledImportRetriedAtOnce(t *testing.T) {
	longTest(t, "builds kanri and kills kanri serve processes")
	t.Parallel()
	bin := buildKanri(t)
	onEachDatabase(t, func(t *testing.T, url string) {
		const rows = 20000
		first := serve(t, bin, url)
		s := apptest.Remote(t, first.url)
		ten := s.Signup("burstco")
		s.PayMonthly(ten)
		imp := importUnderKey(ten, rows, "burst-1")
		go send(first.url, imp)
		eventually(t, time.Minute, func() string {
			if apptest.CountRows(t, url, `SELECT COUNT(*) FROM idempotency_keys WHERE key = 'burst-1' AND status = 0`) == 0 {
				return "the import has not claimed its key"
			}
			return ""
		})
		time.Sleep(200 * time.Millisecond)
		first.kill()
		killed := time.Now()
		if n := apptest.CountRows(t, url, `SELECT COUNT(*) FROM members WHERE tenant_id = ?`, ten.ID); n != 1 {
			t.Skipf("the import had committed %d members when killed: too fast to kill mid-way", n-1)
		}
		s = apptest.Remote(t, serve(t, bin, url).url)
		time.Sleep(time.Until(killed.Add(21 * time.Second)))
		var mu sync.Mutex
		got := map[string]int{}
		var wg sync.WaitGroup
		for range 64 {
			wg.Go(func() {
				res := s.Do(imp)
				mu.Lock()
				defer mu.Unlock()
				got[http.StatusText(res.Status)+" replayed="+res.Header.Get("Idempotent-Replayed")]++
			})
		}
		wg.Wait()
		t.Logf("64 retries at once: %v", got)
		if got["OK replayed="] != 1 {
			t.Errorf("64 retries: %v; want exactly one run", got)
		}
		if n := apptest.CountRows(t, url, `SELECT COUNT(*) FROM members WHERE tenant_id = ?`, ten.ID); n != rows+1 {
			t.Errorf("the tenant has %d members, want %d", n, rows+1)
		}
	})
}

// TestLiveImportKeepsItsClaim: a long import under an Idempotency-Key in
// one `kanri serve` keeps its claim however long it runs: retries sent to
// a second `kanri serve` on the same database meanwhile are refused as
// still running, never run it again. (On SQLite a retry can wait for the
// import's write lock until the import is done: it then gets the replay.)
func TestLiveImportKeepsItsClaim(t *testing.T) {
	longTest(t, "builds kanri and runs two kanri serve processes")
	t.Parallel()
	bin := buildKanri(t)
	onEachDatabase(t, func(t *testing.T, url string) {
		const rows = 200000
		a := serve(t, bin, url)
		sa := apptest.Remote(t, a.url)
		ten := sa.Signup("liveco")
		sa.PayMonthly(ten)
		sb := apptest.Remote(t, serve(t, bin, url, "--workers=false").url)
		imp := importUnderKey(ten, rows, "live-1")
		started := time.Now()
		done := make(chan *apptest.Response, 1)
		go func() { done <- sa.Do(imp) }()
		statuses := map[string]int{}
		var first *apptest.Response
		for first == nil {
			select {
			case first = <-done:
			case <-time.After(time.Second):
				res := sb.Do(imp)
				statuses[fmt.Sprintf("%d replayed=%s", res.Status, res.Header.Get("Idempotent-Replayed"))]++
			}
		}
		t.Logf("the import answered %d after %v; retries meanwhile: %v", first.Status, time.Since(started).Round(time.Second), statuses)
		if first.Status != http.StatusOK || statuses["200 replayed="] > 0 {
			t.Errorf("import %d %s, retries %v; want it to run once and the retries refused (409)", first.Status, first.Body, statuses)
		}
		if n := apptest.CountRows(t, url, `SELECT COUNT(*) FROM members WHERE tenant_id = ?`, ten.ID); n != rows+1 {
			t.Errorf("the tenant has %d members, want %d", n, rows+1)
		}
	})
}

// TestPausedImport: a `kanri serve` paused (SIGSTOP) for 30 s in the middle
// of an import under an Idempotency-Key while retries go to a second
// `kanri serve`: they are refused while its lease holds, then one takes the
// claim over and runs the import. When the paused process goes on
// (SIGCONT) its own run finds the members taken and imports nothing (its
// client gets that 422; the key replays the retry's answer): the members
// are imported once.
func TestPausedImport(t *testing.T) {
	longTest(t, "builds kanri and pauses kanri serve processes")
	t.Parallel()
	bin := buildKanri(t)
	onEachDatabase(t, func(t *testing.T, url string) {
		const rows = 100000
		a := serve(t, bin, url)
		sa := apptest.Remote(t, a.url)
		ten := sa.Signup("pauseco")
		sa.PayMonthly(ten)
		sb := apptest.Remote(t, serve(t, bin, url, "--workers=false").url)
		imp := importUnderKey(ten, rows, "pause-1")
		done := make(chan *apptest.Response, 1)
		go func() { done <- sa.Do(imp) }()
		eventually(t, time.Minute, func() string {
			if apptest.CountRows(t, url, `SELECT COUNT(*) FROM idempotency_keys WHERE key = 'pause-1' AND status = 0`) == 0 {
				return "the import has not claimed its key"
			}
			return ""
		})
		time.Sleep(500 * time.Millisecond)
		if err := a.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		paused := time.Now()
		var answers []string
		for time.Since(paused) < 30*time.Second {
			asked := time.Since(paused)
			res := sb.Do(imp)
			answers = append(answers, fmt.Sprintf("%.0fs:%d", asked.Seconds(), res.Status))
			if asked < 15*time.Second && res.Status != http.StatusConflict { // the lease holds for 15–20 s more
				t.Errorf("a retry %v into the pause: %d %s; want 409 still running", asked.Round(time.Second), res.Status, res.Body)
			}
			time.Sleep(time.Second)
		}
		if err := a.cmd.Process.Signal(syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
		first := <-done
		again := sb.Do(imp)
		t.Logf("retries while paused (seconds:status): %v; the paused import answered %d", answers, first.Status)
		if again.Status != http.StatusOK || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("a retry after: %d replayed=%q %s; want the import's 200 replayed", again.Status, again.Header.Get("Idempotent-Replayed"), again.Body)
		}
		if n := apptest.CountRows(t, url, `SELECT COUNT(*) FROM members WHERE tenant_id = ?`, ten.ID); n != rows+1 {
			t.Errorf("the tenant has %d members, want %d", n, rows+1)
		}
	})
}
