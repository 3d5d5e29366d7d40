package api_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/app/apptest"
)

// opsSignInAgain signs in the operator operatorToken made: sessions end
// when a test moves the clock past them.
func opsSignInAgain(t testing.TB, s *apptest.Server) string {
	t.Helper()
	res := expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: "/api/v1/ops/login",
		Body: map[string]string{"login_id": "ops@vendor.example", "password": "operator-password-1"}})
	return decode[struct{ Token string }](t, res).Token
}

// openByInvoicePayment puts ten on standard annual n licenses paid by
// invoice (請求書払い), approved by the operator ops: an open invoice, due
// at the end of next month.
func openByInvoicePayment(t testing.TB, s *apptest.Server, ops string, ten *apptest.Tenant, n int) api.Invoice {
	t.Helper()
	m := decode[api.PaymentMethod](t, expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(ten.ID, "/payment-methods"),
		Token: ten.AdminToken, Body: map[string]any{"type": "invoice"}}))
	expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: "/api/v1/ops/tenants/" + ten.ID + "/payment-methods/" + m.ID + "/approve", Token: ops})
	q := decode[api.Quote](t, expect(t, s, http.StatusCreated, quoteReq(ten, ten.AdminToken, "standard", "annual", n)))
	inv := decode[api.Applied](t, expect(t, s, http.StatusOK, applyReq(ten, q.ID))).Invoice
	if inv == nil || inv.Status != "open" {
		t.Fatalf("invoice payment issued %+v, want an open invoice", inv)
	}
	return *inv
}

func numbers(items []api.OpsInvoice) []string {
	var out []string
	for _, i := range items {
		out = append(out, i.Number)
	}
	return out
}

// TestOpsInvoiceSearch: GET /api/v1/ops/invoices finds every tenant's
// invoices by day, total (negative for credit notes), number,
// counterparty, kind, status and aging bucket, pages by cursor, and
// refuses what it cannot read at the parameter; the export holds the same
// search as CSV in UTF-8 with a BOM or Shift_JIS; the aging view counts
// and totals the open invoices by days past due, each bucket linking to
// its search.
func TestOpsInvoiceSearch(t *testing.T) {
	t.Parallel()
	onEachEngine(t, withTestClock, func(t *testing.T, s *apptest.Server) {
		sw := switchOn14th(t, s) // acme: an invoice on 03-01, a credit note on 03-14
		setClock(s, jst(2027, 3, 20, 10))
		ops := opsSignInAgain(t, s)
		beta := s.Signup("beta-works")
		expect(t, s, http.StatusOK, apptest.Request{Method: "PATCH", Path: tpath(beta.ID), Token: beta.AdminToken,
			Body: map[string]any{"company_name": "ベータ商事株式会社"}})
		open := openByInvoicePayment(t, s, ops, beta, 2)

		all := listAll[api.OpsInvoice](t, s, ops, "/api/v1/ops/invoices")
		if len(all) != 3 || all[0].ID != open.ID || all[1].Kind != "credit_note" || all[1].Total >= 0 || all[2].Total != 59400 {
			t.Fatalf("every invoice: %+v, want beta's, acme's credit note, acme's invoice", all)
		}
		cn, inv := all[1], all[2]
		if all[0].TenantID != beta.ID || all[0].WorksGroup != "beta-works" || all[0].CompanyName != "ベータ商事株式会社" || cn.TenantID != sw.tenant.ID {
			t.Errorf("the tenants of the invoices: %+v", all)
		}
		for _, c := range []struct {
			query string
			want  []string
		}{
			{"max_total=-1", []string{cn.Number}},
			{"min_total=-1000000&max_total=0", []string{cn.Number}},
			{"min_total=0", []string{open.Number, inv.Number}},
			{"min_total=" + url.QueryEscape("-1000000"), []string{open.Number, cn.Number, inv.Number}},
			{"number=" + strings.ToLower(cn.Number), []string{cn.Number}},
			{"counterparty=" + url.QueryEscape("ベータ"), []string{open.Number}},
			{"counterparty=ACME", []string{cn.Number, inv.Number}},
			{"counterparty=beta-w", []string{open.Number}},
			{"recipient=acme", []string{cn.Number, inv.Number}},
			{"kind=credit_note", []string{cn.Number}},
			{"status=open", []string{open.Number}},
			{"aging=current", []string{open.Number}},
			{"aging=1-30", nil},
			{"from=2027-03-14&to=2027-03-14", []string{cn.Number}},
			{"to=2027-03-13", []string{inv.Number}},
		} {
			got := listAll[api.OpsInvoice](t, s, ops, "/api/v1/ops/invoices?"+c.query)
			if !slices.Equal(numbers(got), c.want) {
				t.Errorf("?%s: %v, want %v", c.query, numbers(got), c.want)
			}
		}

		// One a page: each once, newest first; no cursor after the last.
		var paged []string
		cursor := ""
		for i := 0; i < 5; i++ {
			pg := decode[page[api.OpsInvoice]](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET",
				Path: "/api/v1/ops/invoices?limit=1&cursor=" + url.QueryEscape(cursor), Token: ops}))
			paged = append(paged, numbers(pg.Items)...)
			if cursor = pg.NextCursor; cursor == "" {
				break
			}
		}
		if want := numbers(all); !slices.Equal(paged, want) || cursor != "" {
			t.Errorf("one a page: %v (cursor %q), want %v", paged, cursor, want)
		}

		for query, at := range map[string]string{
			"min_total=1&max_total=0":      "query.max_total",
			"min_total=abc":                "query.min_total",
			"aging=31-60&status=paid":      "query.aging",
			"aging=forever":                "query.aging",
			"from=2027-03-20&to=2027-03-1": "query.to",
		} {
			p := expectProblem(t, s, http.StatusUnprocessableEntity, apptest.Request{Method: "GET", Path: "/api/v1/ops/invoices?" + query, Token: ops})
			if !slices.Contains(p.locations(), at) {
				t.Errorf("?%s: located at %v, want %s", query, p.locations(), at)
			}
		}
		p := expectProblem(t, s, http.StatusUnprocessableEntity, apptest.Request{Method: "GET", Path: "/api/v1/ops/invoices?from=2027-03-21&to=2027-03-20", Token: ops})
		if !slices.Contains(p.locations(), "query.to") {
			t.Errorf("days inverted: located at %v, want query.to", p.locations())
		}
		expectProblem(t, s, http.StatusBadRequest, apptest.Request{Method: "GET", Path: "/api/v1/ops/invoices?cursor=inv_nope", Token: ops})

		opsExport(t, s, ops, cn, open)
		opsAging(t, s, open)
		admin := s.Login("admin@"+beta.Domain, apptest.Password)
		for _, path := range []string{"/api/v1/ops/invoices", "/api/v1/ops/invoices/export", "/api/v1/ops/invoices/aging", "/api/v1/ops/billing-runs"} {
			expectProblem(t, s, http.StatusNotFound, apptest.Request{Method: "GET", Path: path, Token: admin})
		}
	})
}

// opsExport checks GET /api/v1/ops/invoices/export in both encodings.
func opsExport(t *testing.T, s *apptest.Server, ops string, cn api.OpsInvoice, open api.Invoice) {
	t.Helper()
	res := expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/ops/invoices/export?max_total=-1", Token: ops})
	body := string(res.Body)
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(body, "\ufeff")), "\n")
	if res.Header.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.HasPrefix(body, "\ufeff") || len(lines) != 2 ||
		!strings.HasPrefix(lines[0], "number,kind,status,issued_at,") || !strings.HasPrefix(lines[1], cn.Number+",credit_note,") ||
		!strings.Contains(lines[1], ","+strconv.FormatInt(cn.Total, 10)+",") {
		t.Errorf("UTF-8 export (%s):\n%s", res.Header.Get("Content-Type"), body)
	}
	res = expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/ops/invoices/export?encoding=shift_jis&counterparty=" + url.QueryEscape("ベータ"), Token: ops})
	text, err := io.ReadAll(japanese.ShiftJIS.NewDecoder().Reader(strings.NewReader(string(res.Body))))
	if res.Header.Get("Content-Type") != "text/csv; charset=Shift_JIS" || err != nil || !strings.Contains(string(text), open.Number+",invoice,open,") ||
		!strings.Contains(string(text), "ベータ商事株式会社") || strings.Contains(string(res.Body), "ベータ") {
		t.Errorf("Shift_JIS export (%s, %v):\n%s", res.Header.Get("Content-Type"), err, text)
	}
	expectProblem(t, s, http.StatusUnprocessableEntity, apptest.Request{Method: "GET", Path: "/api/v1/ops/invoices/export?min_total=1&max_total=0", Token: ops})
}

// opsAging checks GET /api/v1/ops/invoices/aging on 2027-05-20, when
// beta's invoice (due 2027-04-30) is 20 days past due.
func opsAging(t *testing.T, s *apptest.Server, open api.Invoice) {
	t.Helper()
	setClock(s, jst(2027, 5, 20, 10))
	ops := opsSignInAgain(t, s)
	a := decode[api.InvoiceAging](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/ops/invoices/aging", Token: ops}))
	if a.AsOf != "2027-05-20" || len(a.Buckets) != 5 {
		t.Fatalf("aging: %+v, want five buckets as of 2027-05-20", a)
	}
	for i, want := range []api.AgingBucket{
		{Key: "current", DueFrom: "2027-05-20"},
		{Key: "1-30", MinDaysPastDue: 1, MaxDaysPastDue: 30, DueFrom: "2027-04-20", DueUntil: "2027-05-19", Count: 1,
			Totals: []api.MoneyAmount{{Currency: "JPY", Amount: open.Total}}},
		{Key: "31-60", MinDaysPastDue: 31, MaxDaysPastDue: 60, DueFrom: "2027-03-21", DueUntil: "2027-04-19"},
		{Key: "61-90", MinDaysPastDue: 61, MaxDaysPastDue: 90, DueFrom: "2027-02-19", DueUntil: "2027-03-20"},
		{Key: "90+", MinDaysPastDue: 91, DueUntil: "2027-02-18"},
	} {
		got := a.Buckets[i]
		if want.Totals == nil {
			want.Totals = []api.MoneyAmount{}
		}
		want.Invoices = "/api/v1/ops/invoices?aging=" + url.QueryEscape(want.Key)
		if got.Key != want.Key || got.MinDaysPastDue != want.MinDaysPastDue || got.MaxDaysPastDue != want.MaxDaysPastDue || got.DueFrom != want.DueFrom ||
			got.DueUntil != want.DueUntil || got.Count != want.Count || !slices.Equal(got.Totals, want.Totals) || got.Invoices != want.Invoices {
			t.Errorf("bucket %d: %+v, want %+v", i, got, want)
		}
	}
	listed := listAll[api.OpsInvoice](t, s, ops, a.Buckets[1].Invoices)
	if len(listed) != 1 || listed[0].ID != open.ID {
		t.Errorf("the 1-30 bucket's invoices: %v, want %s", numbers(listed), open.Number)
	}
}

// TestOpsBillingRunsList: each billing run is recorded, an operator's and
// the schedule's alike: when, who started it, the subscriptions renewed,
// the invoices issued and charged, and each failure with its tenant;
// GET /api/v1/ops/billing-runs lists them newest first by cursor.
func TestOpsBillingRunsList(t *testing.T) {
	t.Parallel()
	onEachEngine(t, withTestClock, func(t *testing.T, s *apptest.Server) {
		setClock(s, jst(2027, 3, 10, 10))
		acme := s.Signup("acme")
		s.PayMonthly(acme)
		broken := s.Signup("broken")
		s.PayMonthly(broken)
		if _, err := s.App.DB.Writer().Exec(`UPDATE subscriptions SET plan = 'retired' WHERE tenant_id = '` + broken.ID + `'`); err != nil {
			t.Fatal(err)
		}
		setClock(s, jst(2027, 4, 2, 10))
		ops := operatorToken(t, s)
		if runs := listAll[api.BillingRun](t, s, ops, "/api/v1/ops/billing-runs"); len(runs) != 0 {
			t.Fatalf("before any run: %+v", runs)
		}
		rep := decode[api.RunReport](t, expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: "/api/v1/ops/billing-runs", Token: ops}))
		if rep.Renewed != 1 || rep.Charged != 1 || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], broken.ID) {
			t.Fatalf("run: %+v, want acme renewed and charged, broken's renewal a problem", rep)
		}
		if _, err := s.App.Services.Billing.Run(context.Background()); err == nil {
			t.Error("the scheduled run: broken must fail again")
		}

		first := decode[page[api.BillingRun]](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/ops/billing-runs?limit=1", Token: ops,
			Header: http.Header{"Accept-Language": {"ja"}}}))
		if len(first.Items) != 1 || first.NextCursor == "" {
			t.Fatalf("first page: %+v, want one run and a cursor", first)
		}
		scheduled := first.Items[0]
		if scheduled.StartedBy != (api.RunActor{Kind: "system"}) || scheduled.Renewed != 0 || scheduled.Failed != 1 {
			t.Errorf("the scheduled run: %+v, want the schedule's, nothing renewed, one failure", scheduled)
		}
		second := decode[page[api.BillingRun]](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET",
			Path: "/api/v1/ops/billing-runs?limit=1&cursor=" + url.QueryEscape(first.NextCursor), Token: ops}))
		if len(second.Items) != 1 || second.NextCursor != "" {
			t.Fatalf("second page: %+v, want the operator's run and no cursor", second)
		}
		run := second.Items[0]
		at := jst(2027, 4, 2, 10) // the clock ticks on from there
		if !strings.HasPrefix(run.ID, "run_") || run.StartedAt.Before(at) || run.StartedAt.After(at.Add(time.Minute)) || run.FinishedAt.Before(run.StartedAt) ||
			run.StartedBy.Kind != "operator" || !strings.HasPrefix(run.StartedBy.ID, "opr_") || run.StartedBy.Name != "ops@vendor.example" ||
			run.Renewed != 1 || run.Issued != 1 || run.Charged != 1 || run.Declined != 0 || run.Purged != 0 || run.Failed != 1 {
			t.Errorf("the operator's run: %+v, want one started at %v by ops@vendor.example that renewed, issued and charged 1, failed 1", run, at)
		}
		if len(run.Failures) != 1 || run.Failures[0].Step != "renew" || run.Failures[0].TenantID != broken.ID || run.Failures[0].Ref != broken.ID ||
			!strings.Contains(run.Failures[0].Detail, "retired") || run.Failures[0].Reason != "" {
			t.Errorf("the failure: %+v, want broken's renewal, an internal error about the retired plan", run.Failures)
		}
		expectProblem(t, s, http.StatusBadRequest, apptest.Request{Method: "GET", Path: "/api/v1/ops/billing-runs?cursor=nope", Token: ops})
		expectProblem(t, s, http.StatusNotFound, apptest.Request{Method: "GET", Path: "/api/v1/ops/billing-runs", Token: s.Login("admin@"+acme.Domain, apptest.Password)})
	})
}
