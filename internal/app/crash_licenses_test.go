package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app/apptest"
)

// TestLicenseChangesSurviveKill kills `kanri serve` (SIGKILL) while 64
// clients add licenses to one annual contract, one at a time each (quote
// {"add_licenses": 1}, then apply), and starts another on its database.
// Once its billing run has finished what was in flight, every applied
// quote added exactly one license and issued exactly one paid invoice;
// every apply a client saw succeed is among them; no quote is left
// applying; every invoice is numbered (PostgreSQL numbers them after the
// commit: the restart numbers what the kill cut off), the numbers have no
// gap, and each invoice was mailed once.
func TestLicenseChangesSurviveKill(t *testing.T) {
	longTest(t, "builds kanri and kills kanri serve processes")
	t.Parallel()
	bin := buildKanri(t)
	onEachDatabase(t, func(t *testing.T, url string) {
		flags := []string{"--billing-every", "1s"}
		first := serve(t, bin, url, flags...)
		s := apptest.Remote(t, first.url)
		ten := s.Signup("crash-licenses")
		subscribeAnnual(t, s, ten, 10)

		var stop atomic.Bool
		var mu sync.Mutex
		var seen []string // quotes whose apply answered 200
		var wg sync.WaitGroup
		for range 64 {
			wg.Go(func() {
				for !stop.Load() {
					if id, ok := addOne(first.url, ten); ok {
						mu.Lock()
						seen = append(seen, id)
						mu.Unlock()
					}
				}
			})
		}
		eventually(t, time.Minute, func() string {
			if n := apptest.CountRows(t, url, `SELECT COUNT(*) FROM quotes WHERE status = 'applied'`); n < 65 {
				return fmt.Sprintf("%d quotes applied so far", n)
			}
			return ""
		})
		first.kill()
		stop.Store(true)
		wg.Wait()
		t.Logf("killed after %d applies answered", len(seen))

		serve(t, bin, url, flags...)
		eventually(t, 2*time.Minute, func() string {
			if n := apptest.CountRows(t, url, `SELECT COUNT(*) FROM quotes WHERE status = 'applying'`); n > 0 {
				return fmt.Sprintf("%d quotes still applying", n)
			}
			if n := apptest.CountRows(t, url, `SELECT COUNT(*) FROM invoices WHERE number IS NULL`); n > 0 {
				return fmt.Sprintf("%d invoices without a number", n)
			}
			return ""
		})
		all := apptest.CountRows(t, url, `SELECT COUNT(*) FROM invoices`)
		if last := apptest.CountRows(t, url, `SELECT MAX(CAST(SUBSTR(number, 5) AS INTEGER)) FROM invoices`); last != all {
			t.Errorf("%d invoices numbered up to %d: a gap", all, last)
		}
		if n := apptest.CountRows(t, url, `SELECT COUNT(*) FROM mails WHERE template = 'invoice_issued'`); n != all {
			t.Errorf("%d invoice mails for %d invoices, want one each", n, all)
		}
		applied := apptest.CountRows(t, url, `SELECT COUNT(*) FROM quotes WHERE status = 'applied'`) - 1 // the first is the contract
		licenses := apptest.CountRows(t, url, `SELECT licenses FROM subscriptions WHERE tenant_id = ?`, ten.ID)
		invoices := apptest.CountRows(t, url, `SELECT COUNT(*) FROM invoices WHERE tenant_id = ? AND reason LIKE 'quote %' AND status = 'paid'`, ten.ID)
		if licenses != 10+applied || invoices != applied+1 {
			t.Errorf("%d quotes applied after the contract: got %d licenses and %d paid invoices, want %d and %d", applied, licenses, invoices,
				10+applied, applied+1)
		}
		if n := apptest.CountRows(t, url, `SELECT COUNT(*) FROM quotes WHERE status = 'applied' AND invoice_id IS NULL`); n != 0 {
			t.Errorf("%d applied quotes without an invoice", n)
		}
		for _, id := range seen {
			if n := apptest.CountRows(t, url, `SELECT COUNT(*) FROM quotes WHERE id = ? AND status = 'applied'`, id); n != 1 {
				t.Errorf("quote %s answered 200 but is not applied", id)
			}
		}
	})
}

// subscribeAnnual puts ten on the standard plan's annual contract of n
// licenses with a test card.
func subscribeAnnual(t *testing.T, s *apptest.Server, ten *apptest.Tenant, n int) {
	t.Helper()
	path := "/api/v1/tenants/" + ten.ID
	card := map[string]any{"type": "card", "card": map[string]any{"number": "4242424242424242", "exp_month": 12, "exp_year": 2099, "cvc": "123"}}
	if res := s.Do(apptest.Request{Method: "POST", Path: path + "/payment-methods", Token: ten.AdminToken, Body: card}); res.Status != http.StatusCreated {
		t.Fatalf("card: %d %s", res.Status, res.Body)
	}
	res := s.Do(apptest.Request{Method: "POST", Path: path + "/subscription/quote", Token: ten.AdminToken,
		Body: map[string]any{"plan": "standard", "contract": "annual", "licenses": n}})
	var q struct{ ID string }
	res.Decode(t, &q)
	if res := s.Do(apptest.Request{Method: "POST", Path: path + "/subscription", Token: ten.AdminToken, Body: map[string]string{"quote_id": q.ID}}); res.Status != http.StatusOK {
		t.Fatalf("apply %s: %d %s", q.ID, res.Status, res.Body)
	}
}

// addOne asks for one more license and applies it, without a test to fail
// (the server is killed under it): the quote's id, and whether the apply
// answered 200.
func addOne(base string, ten *apptest.Tenant) (string, bool) {
	post := func(path string, body any) (*http.Response, error) {
		b, _ := json.Marshal(body)
		req, err := http.NewRequest("POST", base+"/api/v1/tenants/"+ten.ID+path, bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+ten.AdminToken)
		return http.DefaultClient.Do(req)
	}
	res, err := post("/subscription/quote", map[string]int{"add_licenses": 1})
	if err != nil {
		return "", false
	}
	var q struct{ ID string }
	err = json.NewDecoder(res.Body).Decode(&q)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusCreated {
		return "", false
	}
	res, err = post("/subscription", map[string]string{"quote_id": q.ID})
	if err != nil {
		return q.ID, false
	}
	res.Body.Close()
	return q.ID, res.StatusCode == http.StatusOK
}
