package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app/apptest"
)

// TestPartnerApprovalSurvivesKill kills `kanri serve` (SIGKILL) just after
// a partner switch is approved (the approval's transaction, or the refund
// of its credit note after it, may be cut off) and starts another on its
// database (the kill lands 5, 60 or 300 ms after the approval is sent): the
// tenant is either still direct with its code awaiting
// approval, which a second approval then completes, or switched, with
// exactly one credit note; either way the credit note ends refunded.
func TestPartnerApprovalSurvivesKill(t *testing.T) {
	longTest(t, "builds kanri and kills kanri serve processes")
	t.Parallel()
	bin := buildKanri(t)
	for _, after := range []time.Duration{5 * time.Millisecond, 60 * time.Millisecond, 300 * time.Millisecond} {
		t.Run("killed after "+after.String(), func(t *testing.T) { approvalKilled(t, bin, after) })
	}
}

// approvalKilled is TestPartnerApprovalSurvivesKill with the kill after
// the approval was sent.
func approvalKilled(t *testing.T, bin string, after time.Duration) {
	onEachDatabase(t, func(t *testing.T, url string) {
		first := serve(t, bin, url)
		op := cliOperatorToken(t, bin, url)
		s := apptest.Remote(t, first.url)
		ten := s.Signup("switching")
		subscribeAnnual(t, s, ten, 10)
		code := partnerCode(t, s, op, ten)

		approve := apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/partner-codes/" + code + "/approve",
			Token: ten.AdminToken, Body: map[string]string{"phone": "03-1234-5678"}}
		go postJSON(first.url, approve) // the server is killed under it
		time.Sleep(after)
		first.kill()

		s = apptest.Remote(t, serve(t, bin, url).url)
		if apptest.CountRows(t, url, `SELECT COUNT(*) FROM tenants WHERE id = ? AND channel = 'partner'`, ten.ID) == 0 {
			t.Log("killed before the approval committed: approving again")
			if res := s.Do(approve); res.Status != http.StatusOK {
				t.Fatalf("approve again: %d %s", res.Status, res.Body)
			}
		}
		eventually(t, 2*time.Minute, func() string {
			n := apptest.CountRows(t, url, `SELECT COUNT(*) FROM invoices WHERE tenant_id = ? AND kind = 'credit_note' AND status = 'refunded'`, ten.ID)
			return map[bool]string{true: "", false: fmt.Sprintf("%d refunded credit notes, want 1", n)}[n == 1]
		})
		for what, want := range map[string]int{
			`SELECT COUNT(*) FROM invoices WHERE tenant_id = ? AND kind = 'credit_note'`:                                         1,
			`SELECT COUNT(*) FROM partner_codes WHERE tenant_id = ? AND status = 'approved'`:                                     1,
			`SELECT COUNT(*) FROM mails WHERE tenant_id = ? AND template = 'partner_switched'`:                                   2,
			`SELECT COUNT(*) FROM audit_events WHERE tenant_id = ? AND action = 'partner.switched'`:                              1,
			`SELECT COUNT(*) FROM tenants t JOIN subscriptions s ON s.tenant_id = t.id WHERE t.id = ? AND s.channel = 'partner'`: 1,
		} {
			if n := apptest.CountRows(t, url, what, ten.ID); n != want {
				t.Errorf("%s: got %d, want %d", what, n, want)
			}
		}
	})
}

// partnerCode makes a partner with a user, issues ten a code and has the
// partner authenticate it; it returns the code.
func partnerCode(t *testing.T, s *apptest.Server, op string, ten *apptest.Tenant) string {
	t.Helper()
	do := func(req apptest.Request, want int) (out struct{ ID, Code, Token string }) {
		t.Helper()
		res := s.Do(req)
		if res.Status != want {
			t.Fatalf("%s %s: %d %s", req.Method, req.Path, res.Status, res.Body)
		}
		res.Decode(t, &out)
		return out
	}
	p := do(apptest.Request{Method: "POST", Path: "/api/v1/ops/partners", Token: op, Body: map[string]any{"name": "ABC 株式会社"}}, http.StatusCreated)
	do(apptest.Request{Method: "POST", Path: "/api/v1/ops/partners/" + p.ID + "/users", Token: op,
		Body: map[string]string{"email": "sales@abc.example.jp", "name": "営業", "password": "partner-password-77"}}, http.StatusCreated)
	login := do(apptest.Request{Method: "POST", Path: "/api/v1/partner/login", Body: map[string]string{"login_id": "sales@abc.example.jp",
		"password": "partner-password-77"}}, http.StatusOK)
	c := do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/partner-codes", Token: ten.AdminToken}, http.StatusCreated)
	do(apptest.Request{Method: "POST", Path: "/api/v1/partner/codes/authenticate", Token: login.Token, Body: map[string]string{"code": c.Code}},
		http.StatusOK)
	return c.Code
}

// postJSON sends req to the Kanri at base without a test to fail: its
// server may be killed before it answers.
func postJSON(base string, req apptest.Request) {
	b, _ := json.Marshal(req.Body)
	hr, err := http.NewRequest(req.Method, base+req.Path, bytes.NewReader(b))
	if err != nil {
		return
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", "Bearer "+req.Token)
	if res, err := http.DefaultClient.Do(hr); err == nil {
		res.Body.Close()
	}
}
