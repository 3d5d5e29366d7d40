package api_test

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/app/apptest"
)

// TestInvoicePayment: invoice payment (請求書払い) waits for an operator's
// approval; its invoice stays open with bank details until an operator
// marks it paid. Also the invoice filters and the billing run.
func TestInvoicePayment(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		ops := operatorToken(t, s)
		m := decode[api.PaymentMethod](t, expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(a.ID, "/payment-methods"),
			Token: a.AdminToken, Body: map[string]any{"type": "invoice"}}))
		if m.Type != "invoice" || m.Status != "pending" {
			t.Fatalf("got %+v, want a pending invoice payment", m)
		}
		p := expectProblem(t, s, http.StatusConflict, quoteReq(a, a.AdminToken, "standard", "annual", 10))
		if !strings.Contains(p.Detail, "invoice payment awaits approval") {
			t.Errorf("got detail %q, want it to say invoice payment awaits approval", p.Detail)
		}
		// Only an operator approves.
		approve := apptest.Request{Method: "POST", Path: "/api/v1/ops/tenants/" + a.ID + "/payment-methods/" + m.ID + "/approve", Token: a.AdminToken}
		expectProblem(t, s, http.StatusNotFound, approve)
		approve.Token = ops
		m = decode[api.PaymentMethod](t, expect(t, s, http.StatusOK, approve))
		if m.Status != "active" || m.ApprovedAt.IsZero() {
			t.Errorf("approved: got %+v, want active with approved_at", m)
		}
		if !m.Default {
			expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: tpath(a.ID, "/payment-methods/", m.ID, "/default"), Token: a.AdminToken})
		}

		q := decode[api.Quote](t, expect(t, s, http.StatusCreated, quoteReq(a, a.AdminToken, "standard", "annual", 10)))
		inv := decode[api.Applied](t, expect(t, s, http.StatusOK, applyReq(a, q.ID))).Invoice
		if inv == nil || inv.Status != "open" || inv.PaymentKind != "invoice" || inv.BankDetails == "" || inv.DueAt == "" || inv.Total != 59400 {
			t.Fatalf("got invoice %+v, want an open ¥59,400 invoice with bank details and a due day", inv)
		}

		// Filters: by day (JST), amount, status; operators also by recipient.
		today := jstToday()
		for _, tc := range []struct {
			query string
			want  int
		}{
			{"", 1},
			{"?from=" + today.Format(time.DateOnly), 1},
			{"?to=" + today.Format(time.DateOnly), 1},
			{"?to=" + today.AddDate(0, 0, -1).Format(time.DateOnly), 0},
			{"?from=" + today.AddDate(0, 0, 1).Format(time.DateOnly), 0},
			{"?min_total=59400", 1},
			{"?min_total=59401", 0},
			{"?status=open", 1},
			{"?status=paid", 0},
		} {
			got := decode[page[api.Invoice]](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID, "/invoices", tc.query), Token: a.AdminToken}))
			if len(got.Items) != tc.want {
				t.Errorf("invoices%s: got %d, want %d", tc.query, len(got.Items), tc.want)
			}
		}
		p = expectProblem(t, s, http.StatusUnprocessableEntity, apptest.Request{Method: "GET", Path: tpath(a.ID, "/invoices?from=2026/01/01"), Token: a.AdminToken})
		if len(p.Errors) == 0 || p.Errors[0].Location != "query.from" {
			t.Errorf("a bad day: got %+v, want it located at query.from", p)
		}
		for query, want := range map[string]int{"?recipient=acme": 1, "?recipient=nobody": 0, "?status=open&min_total=1": 1} {
			got := decode[page[api.Invoice]](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/ops/invoices" + query, Token: ops}))
			if len(got.Items) != want {
				t.Errorf("ops invoices%s: got %d, want %d", query, len(got.Items), want)
			}
		}

		// Only an operator marks it paid.
		markPaid := apptest.Request{Method: "POST", Path: "/api/v1/ops/invoices/" + inv.ID + "/mark-paid", Token: a.AdminToken}
		expectProblem(t, s, http.StatusNotFound, markPaid)
		markPaid.Token = ops
		if paid := decode[api.Invoice](t, expect(t, s, http.StatusOK, markPaid)); paid.Status != "paid" || paid.PaidAt.IsZero() {
			t.Errorf("marked paid: got %+v, want paid with paid_at", paid)
		}
		got := decode[api.Invoice](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID, "/invoices/", inv.ID), Token: a.AdminToken}))
		if got.Status != "paid" {
			t.Errorf("the tenant sees status %q, want paid", got.Status)
		}

		// The billing run: operators only; nothing is due today.
		expectProblem(t, s, http.StatusNotFound, apptest.Request{Method: "POST", Path: "/api/v1/ops/billing-runs", Token: a.AdminToken})
		rep := decode[api.RunReport](t, expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: "/api/v1/ops/billing-runs", Token: ops}))
		if !cmp.Equal(rep, api.RunReport{Problems: []string{}}) {
			t.Errorf("got run report %+v, want nothing done and no problems", rep)
		}
	})
}

// TestApplyConcurrently applies two quotes priced on the same state at the
// same time: one applies, the other is stale, and one invoice is issued.
func TestApplyConcurrently(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		addCard(t, s, a, cardOK)
		issued := 0
		for round, licenses := range []int{10, 20, 30, 40, 50} {
			qs := [2]api.Quote{}
			for i := range qs {
				qs[i] = decode[api.Quote](t, expect(t, s, http.StatusCreated, quoteReq(a, a.AdminToken, "standard", "annual", licenses+i)))
			}
			var wg sync.WaitGroup
			start := make(chan struct{})
			res := [2]*apptest.Response{}
			for i := range qs {
				wg.Go(func() {
					<-start
					res[i] = s.Do(applyReq(a, qs[i].ID))
				})
			}
			close(start)
			wg.Wait()
			statuses := map[int]int{}
			for _, r := range res {
				statuses[r.Status]++
				if r.Status == http.StatusOK {
					if decode[api.Applied](t, r).Invoice != nil {
						issued++
					}
				}
			}
			if statuses[http.StatusOK] != 1 || statuses[http.StatusConflict] != 1 {
				t.Errorf("round %d: got statuses %v, want one 200 and one 409; bodies: %s | %s", round, statuses, clip(res[0].Body), clip(res[1].Body))
			}
		}
		invs := decode[page[api.Invoice]](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID, "/invoices"), Token: a.AdminToken}))
		if len(invs.Items) != issued || issued == 0 {
			t.Errorf("got %d invoices, want the %d the applies returned", len(invs.Items), issued)
		}
	})
}

// TestQuoteKinds: on standard annual 10, more licenses bill the rest of the
// term now, fewer wait for the renewal, a dearer plan credits the unused old
// plan, and the current terms are refused.
func TestQuoteKinds(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		subscribe(t, s, a, "standard", "annual", 10)
		today := jstToday().Format(time.DateOnly)
		renewal := jstToday().AddDate(1, 0, 0).Format(time.DateOnly)
		mail := func(plan, contract string, licenses int) apptest.Request {
			return apptest.Request{Method: "POST", Path: tpath(a.ID, "/subscription/quote"), Token: a.AdminToken,
				Body: map[string]any{"plan": plan, "contract": contract, "licenses": licenses, "mail_domain": a.Domain}}
		}
		for _, tc := range []struct {
			name                       string
			req                        apptest.Request
			kind, effective, invoicing string
			lines                      []int64
			subtotal, tax, total       int64
		}{
			{"two more licenses", quoteReq(a, a.AdminToken, "standard", "annual", 12), "licenses", today, "now", []int64{10800}, 10800, 1080, 11880},
			{"five fewer licenses", quoteReq(a, a.AdminToken, "standard", "annual", 5), "reduce", renewal, "none", nil, 0, 0, 0},
			{"to the monthly contract", quoteReq(a, a.AdminToken, "standard", "monthly", 0), "downgrade", renewal, "none", nil, 0, 0, 0},
			{"to advanced", mail("advanced", "annual", 10), "upgrade", today, "now", []int64{-54000, 108000}, 54000, 5400, 59400},
		} {
			q := decode[api.Quote](t, expect(t, s, http.StatusCreated, tc.req))
			var lines []int64
			for _, l := range q.Lines {
				lines = append(lines, l.Amount)
			}
			if q.Kind != tc.kind || q.Effective != tc.effective || q.Invoicing != tc.invoicing || !slices.Equal(lines, tc.lines) ||
				q.Subtotal != tc.subtotal || q.Tax != tc.tax || q.Total != tc.total {
				t.Errorf("%s: got %s effective %s invoicing %s lines %v = %d + %d = %d; want %s effective %s invoicing %s lines %v = %d + %d = %d",
					tc.name, q.Kind, q.Effective, q.Invoicing, lines, q.Subtotal, q.Tax, q.Total,
					tc.kind, tc.effective, tc.invoicing, tc.lines, tc.subtotal, tc.tax, tc.total)
			}
		}
		p := expectProblem(t, s, http.StatusUnprocessableEntity, quoteReq(a, a.AdminToken, "standard", "annual", 10))
		if !strings.Contains(p.Detail, "current contract") {
			t.Errorf("the same terms: got detail %q, want it to say this is the current contract", p.Detail)
		}
		expectProblem(t, s, http.StatusUnprocessableEntity, quoteReq(a, a.AdminToken, "free", "monthly", 0))
	})
}
