package app_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/idempotency"
)

// TestIdempotencyKeySurvivesKill kills `kanri serve` (SIGKILL) while it
// imports 100,000 members under an Idempotency-Key: nothing is imported.
// After a restart the retry with the same key is refused as still running
// only until the dead process's lease lapses, well within a minute; then it
// runs, once: a further retry replays its answer.
func TestIdempotencyKeySurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kanri and kills kanri serve processes")
	}
	t.Parallel()
	bin := buildKanri(t)
	onEachDatabase(t, func(t *testing.T, url string) {
		const rows = 100000
		first := serve(t, bin, url)
		s := apptest.Remote(t, first.url)
		ten := s.Signup("importco")
		s.PayMonthly(ten)
		imp := apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/members/import?create_missing=true", Token: ten.AdminToken,
			Body: apptest.MembersCSV(rows), Header: http.Header{idempotency.Header: {"import-1"}}}
		go send(first.url, imp)
		eventually(t, time.Minute, func() string {
			if apptest.CountRows(t, url, `SELECT COUNT(*) FROM idempotency_keys WHERE key = 'import-1' AND status = 0`) == 0 {
				return "the import has not claimed its key"
			}
			return ""
		})
		time.Sleep(500 * time.Millisecond) // into the import's transaction
		first.kill()
		members := func() int {
			return apptest.CountRows(t, url, `SELECT COUNT(*) FROM members WHERE tenant_id = ?`, ten.ID)
		}
		if n := members(); n != 1 {
			t.Fatalf("after the kill the tenant has %d members, want 1: a killed import imports nothing", n)
		}

		s = apptest.Remote(t, serve(t, bin, url).url)
		restarted, refused := time.Now(), 0
		var res *apptest.Response
		eventually(t, time.Minute, func() string {
			if res = s.Do(imp); res.Status == http.StatusConflict {
				refused++
				time.Sleep(time.Second)
				return fmt.Sprintf("the retry is still refused: %s", res.Body)
			}
			return ""
		})
		t.Logf("the retry ran %v after the restart, after %d refusals", time.Since(restarted).Round(time.Second), refused)
		if res.Status != http.StatusOK || res.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("the retry: %d (replayed %q) %s, want 200 run now", res.Status, res.Header.Get("Idempotent-Replayed"), res.Body)
		}
		again := s.Do(imp)
		if again.Status != http.StatusOK || again.Header.Get("Idempotent-Replayed") != "true" || string(again.Body) != string(res.Body) {
			t.Errorf("a second retry: %d (replayed %q) %s, want the retry's answer replayed", again.Status, again.Header.Get("Idempotent-Replayed"), again.Body)
		}
		if n := members(); n != rows+1 {
			t.Errorf("the tenant has %d members, want %d: the import ran once", n, rows+1)
		}
	})
}
