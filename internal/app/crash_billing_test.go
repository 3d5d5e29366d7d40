package app_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app/apptest"
)

// TestBillingRunSurvivesKill kills `kanri serve` (SIGKILL) while its billing
// run bills 100 monthly subscriptions whose month ended, and starts another
// on its database: every subscription is billed once, its invoice paid and
// mailed once, and nothing is refunded or credited.
func TestBillingRunSurvivesKill(t *testing.T) {
	longTest(t, "builds kanri and kills kanri serve processes")
	t.Parallel()
	bin := buildKanri(t)
	onEachDatabase(t, func(t *testing.T, url string) {
		const tenants = 100
		flags := []string{"--test-clock", "--billing-every", "1s"}
		first := serve(t, bin, url, flags...)
		op := cliOperatorToken(t, bin, url)
		s := apptest.Remote(t, first.url)
		for i := range tenants {
			s.PayMonthly(s.Signup(fmt.Sprintf("bill%03d", i)))
		}
		later := time.Now().Add(40 * 24 * time.Hour)
		setClock(t, s, op, later)
		invoices := func() int { return apptest.CountRows(t, url, `SELECT COUNT(*) FROM invoices`) }
		eventually(t, time.Minute, func() string {
			if invoices() == 0 {
				return "the billing run has not started"
			}
			return ""
		})
		first.kill()
		t.Logf("killed with %d of %d subscriptions billed", invoices(), tenants)

		s = apptest.Remote(t, serve(t, bin, url, flags...).url)
		setClock(t, s, op, later)
		restarted := time.Now()
		eventually(t, 2*time.Minute, func() string {
			paid := apptest.CountRows(t, url, `SELECT COUNT(*) FROM invoices WHERE kind = 'invoice' AND status = 'paid'`)
			mailed := apptest.CountRows(t, url, `SELECT COUNT(DISTINCT tenant_id) FROM mails WHERE template = 'invoice_issued'`)
			if paid < tenants || mailed < tenants {
				return fmt.Sprintf("%d invoices paid and %d tenants mailed, want %d", paid, mailed, tenants)
			}
			return ""
		})
		t.Logf("every subscription billed %v after the restart", time.Since(restarted).Round(time.Second))
		for what, query := range map[string]string{
			"invoices":       `SELECT COUNT(*) FROM invoices`,
			"paid invoices":  `SELECT COUNT(*) FROM invoices WHERE kind = 'invoice' AND status = 'paid'`,
			"invoice mails":  `SELECT COUNT(*) FROM mails WHERE template = 'invoice_issued'`,
			"tenants billed": `SELECT COUNT(DISTINCT tenant_id) FROM invoices`,
			"renewal audits": `SELECT COUNT(*) FROM audit_events WHERE action = 'subscription.renewed'`,
		} {
			if n := apptest.CountRows(t, url, query); n != tenants {
				t.Errorf("%d %s, want %d", n, what, tenants)
			}
		}
	})
}

// setClock moves the test clock of the Kanri s to now.
func setClock(t *testing.T, s *apptest.Server, opToken string, now time.Time) {
	t.Helper()
	if res := s.Do(apptest.Request{Method: "PUT", Path: "/api/v1/ops/clock", Token: opToken, Body: map[string]any{"now": now}}); res.Status != http.StatusOK {
		t.Fatalf("set the clock: %d %s", res.Status, res.Body)
	}
}
