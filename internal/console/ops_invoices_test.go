package console_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/clock"
)

// billOpsActor acts as an operator for fixtures made through the services.
func billOpsActor() context.Context {
	return auth.WithActor(context.Background(), &auth.Actor{Kind: auth.KindOperator, ID: "opr_fixture", Name: "fixture"})
}

// billOpsOperator creates the operator the tests sign in as.
func billOpsOperator(t *testing.T, s *apptest.Server) *browser {
	t.Helper()
	if _, err := s.App.Services.Sessions.CreateOperator(auth.System(context.Background(), "test"), opsEmail, "Ops Taro", opsPassword); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, s)
	b.signInOperator(opsEmail, opsPassword)
	return b
}

// billOpsOpen puts ten on standard annual n licenses paid by invoice
// (請求書払い), approved by an operator: it returns the open invoice, due
// at the end of next month.
func billOpsOpen(t *testing.T, s *apptest.Server, ten *apptest.Tenant, n int) *billing.Invoice {
	t.Helper()
	mctx, svc := asMember(t, s, ten.AdminToken), s.App.Services.Billing
	pm, err := svc.RequestInvoicePayment(mctx, ten.ID)
	if err == nil {
		_, err = svc.ApproveInvoicePayment(billOpsActor(), ten.ID, pm.ID)
	}
	var q *billing.Quote
	if err == nil {
		q, err = svc.Quote(mctx, ten.ID, billing.QuoteInput{Terms: billing.Terms{Plan: "standard", Contract: billing.Annual, Licenses: n}})
	}
	var res *billing.Result
	if err == nil {
		res, err = svc.Apply(mctx, ten.ID, q.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	if res.Invoice == nil || res.Invoice.Status != billing.InvoiceOpen {
		t.Fatalf("invoice payment issued %+v, want an open invoice", res.Invoice)
	}
	return res.Invoice
}

var invoiceRow = regexp.MustCompile(`<tr id="invoice-(inv_[0-9a-z]+)">`)

// billOpsListed returns the ids of the invoices on a search page, in order.
func billOpsListed(p *page) []string {
	var ids []string
	for _, m := range invoiceRow.FindAllStringSubmatch(p.Body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// TestOpsInvoicesSearch: operators find every tenant's invoices by issue
// day, total (credit notes' negative totals too, typed as people type
// them), number, counterparty (the invoice's company, the company now, the
// works group), kind, status and aging; refusals name their field; pages
// follow by cursor; the CSV export holds the same search in UTF-8 with a
// BOM and in Shift_JIS; "mark paid" from the list comes back to it.
func TestOpsInvoicesSearch(t *testing.T) {
	s, acme := startStandard(t, `"reduction": "at_renewal"`, `"reduction": "immediate_credit"`)
	_, paid := paidTenant(t, s, acme, 30) // ¥178,200, paid by card
	mctx := asMember(t, s, acme.AdminToken)
	q, err := s.App.Services.Billing.Quote(mctx, acme.ID, billing.QuoteInput{Terms: billing.Terms{Plan: "standard", Contract: billing.Annual, Licenses: 28}})
	var credit *billing.Result
	if err == nil {
		credit, err = s.App.Services.Billing.Apply(mctx, acme.ID, q.ID)
	}
	if err != nil || credit.Invoice == nil || credit.Invoice.Total != -11880 {
		t.Fatalf("30 → 28 licenses: %v %+v, want a credit note of -¥11,880", err, credit)
	}
	cn := credit.Invoice
	beta := s.Signup("beta-works")
	if res := s.Do(apptest.Request{Method: "PATCH", Path: "/api/v1/tenants/" + beta.ID, Token: beta.AdminToken,
		Body: map[string]any{"company_name": "ベータ商事株式会社"}}); res.Status != http.StatusOK {
		t.Fatalf("rename beta: %d %s", res.Status, res.Body)
	}
	open := billOpsOpen(t, s, beta, 2) // ¥11,880, open
	gamma := s.Signup("gamma")
	_, small := paidTenant(t, s, gamma, 1) // ¥5,940
	ops := billOpsOperator(t, s)

	all := billOpsListed(ops.get("/ops/invoices"))
	if want := []string{small.ID, open.ID, cn.ID, paid.ID}; !slices.Equal(all, want) {
		t.Fatalf("every invoice: %v, want %v (newest first)", all, want)
	}
	today := s.App.Clock.Now().In(time.FixedZone("JST", 9*3600)).Format(time.DateOnly)
	yesterday := s.App.Clock.Now().In(time.FixedZone("JST", 9*3600)).AddDate(0, 0, -1).Format(time.DateOnly)
	for _, c := range []struct {
		name  string
		query url.Values
		want  []string
	}{
		{"negative totals only", url.Values{"max_total": {"-1"}}, []string{cn.ID}},
		{"a range below zero", url.Values{"min_total": {"-20000"}, "max_total": {"0"}}, []string{cn.ID}},
		{"full-width, yen and commas", url.Values{"min_total": {"－１２，０００"}, "max_total": {"¥-10,000"}}, []string{cn.ID}},
		{"at least ¥10,000", url.Values{"min_total": {"10000"}}, []string{open.ID, paid.ID}},
		{"company name as issued", url.Values{"counterparty": {"ベータ"}}, []string{open.ID}},
		{"company name, any case", url.Values{"counterparty": {"ACME"}}, []string{cn.ID, paid.ID}},
		{"works group", url.Values{"counterparty": {"gamma"}}, []string{small.ID}},
		{"number", url.Values{"number": {strings.ToLower(cn.Number)}}, []string{cn.ID}},
		{"credit notes", url.Values{"kind": {"credit_note"}}, []string{cn.ID}},
		{"open", url.Values{"status": {"open"}}, []string{open.ID}},
		{"not yet due", url.Values{"aging": {"current"}}, []string{open.ID}},
		{"long overdue", url.Values{"aging": {"90+"}}, nil},
		{"issued today", url.Values{"from": {today}, "to": {today}}, all},
		{"issued before today", url.Values{"to": {yesterday}}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := ops.get("/ops/invoices?" + c.query.Encode())
			if got := billOpsListed(p); p.Status != http.StatusOK || !slices.Equal(got, c.want) {
				t.Errorf("?%s: %d %v, want %v", c.query.Encode(), p.Status, got, c.want)
			}
		})
	}

	for _, c := range []struct {
		query url.Values
		field string
		text  string
	}{
		{url.Values{"min_total": {"abc"}}, "min_total", "金額「abc」が正しくありません"},
		{url.Values{"min_total": {"100"}, "max_total": {"-100"}}, "max_total", "合計金額(上限)は合計金額(下限)以上"},
		{url.Values{"from": {"2026-13-01"}}, "from", "開始日が正しくありません"},
		{url.Values{"to": {yesterday}, "from": {today}}, "to", "発行日(終了)は発行日(開始)と同じか"},
		{url.Values{"aging": {"31-60"}, "status": {"paid"}}, "aging", "未払いの請求書にだけ指定できます"},
	} {
		p := ops.get("/ops/invoices?" + c.query.Encode())
		if p.Status != http.StatusUnprocessableEntity || len(billOpsListed(p)) != 0 {
			t.Errorf("?%s: %d with %d rows, want 422 and none", c.query.Encode(), p.Status, len(billOpsListed(p)))
		}
		wantIn(t, "refusal of "+c.query.Encode(), p.Body, `id="f-`+c.field+`-error" role="alert">`, c.text)
	}

	// Pages of one, by cursor: each invoice once, newest first, then none.
	var paged []string
	next := "/ops/invoices?limit=1"
	nextLink := regexp.MustCompile(`href="([^"]+)" class="button" id="page-next"`)
	for i := 0; next != "" && i < 10; i++ {
		p := ops.get(next)
		paged = append(paged, billOpsListed(p)...)
		next = ""
		if m := nextLink.FindStringSubmatch(p.Body); m != nil {
			next = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	if !slices.Equal(paged, all) {
		t.Errorf("paged one at a time: %v, want %v", paged, all)
	}
	if p := ops.get("/ops/invoices?after=not-a-cursor"); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, "このページ送りのリンクは読み取れません") {
		t.Errorf("a bad cursor: %d, want 400 saying so", p.Status)
	}

	billOpsExport(t, ops, cn, open)

	// Mark paid from the list of open invoices: back to it, now empty.
	back := "/ops/invoices?status=open"
	p := ops.post("/ops/invoices/"+open.ID+"/paid", url.Values{"back": {back}})
	if p.Status != http.StatusSeeOther || p.Location != back+"&flash=ops_invoice_paid" {
		t.Fatalf("mark paid: %d → %q", p.Status, p.Location)
	}
	p = ops.follow(p)
	if wantIn(t, "after mark paid", p.Body, "入金を確認しました。", `id="invoices-none"`); len(billOpsListed(p)) != 0 {
		t.Errorf("the paid invoice is still listed as open")
	}
	got, err := s.App.Services.Billing.Invoice(billOpsActor(), "", open.ID)
	if err != nil || got.Status != billing.InvoicePaid {
		t.Fatalf("after mark paid: %v %+v", err, got)
	}
	if p := ops.post("/ops/invoices/"+open.ID+"/paid", nil); p.Status < 400 || !strings.Contains(p.Body, open.Number) {
		t.Errorf("marking a paid invoice paid again: %d, want a refusal naming it", p.Status)
	}
	if p := ops.post("/ops/invoices/"+paid.ID+"/paid", url.Values{"back": {"https://evil.example/"}}); p.Status < 400 {
		t.Errorf("a card invoice paid already: %d, want a refusal", p.Status)
	}

	// The credit note's own page names its original and its tenant.
	p = ops.get("/ops/invoices/" + cn.ID)
	wantIn(t, "the credit note's page", p.Body, "返還インボイス", cn.Number, `href="/ops/invoices/`+paid.ID+`"`, paid.Number,
		`href="/ops/tenants/`+acme.ID+`"`, "-¥11,880", "返金済み")
	if p := ops.get("/ops/invoices/inv_00000000000000000000000000"); p.Status != http.StatusNotFound {
		t.Errorf("an unknown invoice: %d, want 404", p.Status)
	}
}

// billOpsExport checks the CSV export of the search in both encodings.
func billOpsExport(t *testing.T, ops *browser, cn, open *billing.Invoice) {
	t.Helper()
	p := ops.get("/ops/invoices?max_total=-1")
	wantIn(t, "export links", p.Body, `href="/ops/invoices/export.csv?max_total=-1"`, `href="/ops/invoices/export.csv?max_total=-1&amp;encoding=shift_jis"`)
	p = ops.get("/ops/invoices/export.csv?max_total=-1")
	if p.Status != http.StatusOK || p.Header.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.HasPrefix(p.Body, "\ufeff") {
		t.Fatalf("UTF-8 export: %d %q, want a CSV starting with a BOM\n%.300s", p.Status, p.Header.Get("Content-Type"), p.Body)
	}
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(p.Body, "\ufeff")), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "number,kind,status,issued_at,due_on,paid_at,tenant_id,works_group,") ||
		!strings.HasPrefix(lines[1], cn.Number+",credit_note,refunded,") || !strings.Contains(lines[1], ",-11880,") ||
		!strings.Contains(lines[1], "+09:00") {
		t.Errorf("UTF-8 export of the credit notes:\n%s", p.Body)
	}
	p = ops.get("/ops/invoices/export.csv?counterparty=" + url.QueryEscape("ベータ") + "&encoding=shift_jis")
	if p.Status != http.StatusOK || p.Header.Get("Content-Type") != "text/csv; charset=Shift_JIS" || strings.HasPrefix(p.Body, "\ufeff") {
		t.Fatalf("Shift_JIS export: %d %q", p.Status, p.Header.Get("Content-Type"))
	}
	text, err := io.ReadAll(japanese.ShiftJIS.NewDecoder().Reader(strings.NewReader(p.Body)))
	if err != nil || !strings.Contains(string(text), open.Number+",invoice,open,") || !strings.Contains(string(text), "ベータ商事株式会社") ||
		bytes.Contains([]byte(p.Body), []byte("ベータ")) {
		t.Errorf("Shift_JIS export (%v):\n%s", err, text)
	}
	if p := ops.get("/ops/invoices/export.csv?min_total=x"); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `id="f-min_total-error"`) {
		t.Errorf("an export with a bad filter: %d, want the search page refusing it", p.Status)
	}
	if p := ops.get("/ops/invoices/export.csv?encoding=latin1"); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("an unknown encoding: %d, want 422", p.Status)
	}
}

// billOpsClock starts a Kanri whose clock tests set, at the given time.
func billOpsClock(t *testing.T, at time.Time) (*apptest.Server, *clock.Adjustable) {
	t.Helper()
	s := apptest.Start(t, filepath.Join(t.TempDir(), "kanri.db"), func(c *app.Config) { c.TestClock = true })
	clk := s.App.Clock.(*clock.Adjustable)
	clk.Set(at)
	return s, clk
}

func jstAt(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 10, 0, 0, 0, time.FixedZone("JST", 9*3600))
}

var agingRow = regexp.MustCompile(`(?s)<tr id="aging-([^"]+)">(.*?)</tr>`)

// TestOpsInvoicesAging: on 2027-05-20 five invoice-payment invoices, each
// due at the end of the month after its issue, fall in the five buckets
// (current, 1–30, 31–60, 61–90, over 90 days past due) with their counts
// and totals; each bucket links to its invoices; a payment leaves its
// bucket.
func TestOpsInvoicesAging(t *testing.T) {
	s, clk := billOpsClock(t, jstAt(2026, 12, 1))
	issue := func(wg string, day time.Time, licenses int) *billing.Invoice {
		clk.Set(day)
		return billOpsOpen(t, s, s.Signup(wg), licenses)
	}
	over90 := issue("epsilon", jstAt(2026, 12, 1), 1) // due 2027-01-31: 109 days
	d61 := issue("delta", jstAt(2027, 1, 5), 2)       // due 2027-02-28: 81 days
	d31 := issue("zeta", jstAt(2027, 2, 10), 3)       // due 2027-03-31: 50 days
	d1 := issue("beta", jstAt(2027, 3, 10), 4)        // due 2027-04-30: 20 days
	current := issue("gamma", jstAt(2027, 5, 20), 5)  // due 2027-06-30
	ops := billOpsOperator(t, s)

	p := ops.get("/ops/invoices/aging")
	if p.Status != http.StatusOK {
		t.Fatalf("aging: %d\n%s", p.Status, p.Body)
	}
	wantIn(t, "aging", p.Body, "未払い請求書の経過日数", "2027/05/20 時点", `id="aging-count">5<`)
	got := map[string]string{}
	for _, m := range agingRow.FindAllStringSubmatch(p.Body, -1) {
		got[m[1]] = m[2]
	}
	for _, c := range []struct {
		bucket, label, due, total string
		inv                       *billing.Invoice
	}{
		{"current", "期限内", "2027/05/20 以降", "¥29,700", current},
		{"1-30", "1〜30日超過", "2027/04/20–2027/05/19", "¥23,760", d1},
		{"31-60", "31〜60日超過", "2027/03/21–2027/04/19", "¥17,820", d31},
		{"61-90", "61〜90日超過", "2027/02/19–2027/03/20", "¥11,880", d61},
		{"90plus", "90日を超えて超過", "2027/02/18 以前", "¥5,940", over90},
	} {
		row := got[c.bucket]
		wantIn(t, "bucket "+c.bucket, row, c.label, c.due, `<td class="num">1</td>`, c.total)
		link := regexp.MustCompile(`href="([^"]+)" id="aging-link-` + regexp.QuoteMeta(c.bucket) + `"`).FindStringSubmatch(row)
		if link == nil {
			t.Errorf("bucket %s has no link to its invoices", c.bucket)
			continue
		}
		if ids := billOpsListed(ops.get(strings.ReplaceAll(link[1], "&amp;", "&"))); !slices.Equal(ids, []string{c.inv.ID}) {
			t.Errorf("bucket %s lists %v, want %s", c.bucket, ids, c.inv.ID)
		}
	}
	if p := ops.post("/ops/invoices/"+d31.ID+"/paid", url.Values{"back": {"/ops/invoices/aging"}}); p.Location != "/ops/invoices/aging?flash=ops_invoice_paid" {
		t.Fatalf("mark paid from the aging view: %d → %q", p.Status, p.Location)
	}
	p = ops.get("/ops/invoices/aging")
	if m := agingRow.FindAllStringSubmatch(p.Body, -1); len(m) != 5 || !strings.Contains(m[2][2], `<td class="num">0</td>`) ||
		!strings.Contains(p.Body, `id="aging-count">4<`) {
		t.Errorf("after paying the 31–60 invoice, that bucket must be empty and 4 remain:\n%s", p.Body)
	}
	ops.setLang("en")
	wantIn(t, "aging in English", ops.get("/ops/invoices/aging").Body, "Invoice aging", "Over 90 days", "On or before 2027/02/18", "Current")
}

// TestOpsBillingRuns: an operator starts a run after confirming it; the
// list shows when, who (the operator, or the schedule for the periodic
// run), what it renewed, issued and charged, and each failure with its
// tenant and reason; the failing tenant's page still opens.
func TestOpsBillingRuns(t *testing.T) {
	s, clk := billOpsClock(t, jstAt(2027, 3, 10))
	acme := s.Signup("acme")
	s.PayMonthly(acme)
	broken := s.Signup("broken")
	s.PayMonthly(broken)
	if _, err := s.App.DB.Writer().Exec(`UPDATE subscriptions SET plan = 'retired' WHERE tenant_id = '` + broken.ID + `'`); err != nil {
		t.Fatal(err)
	}
	clk.Set(jstAt(2027, 4, 2))
	ops := billOpsOperator(t, s)

	p := ops.get("/ops/billing-runs")
	wantIn(t, "no runs yet", p.Body, "請求処理はまだ実行されていません。", `id="f-confirm"`, `id="run-start"`)
	p = ops.post("/ops/billing-runs", url.Values{})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("run without confirming: %d, want 422", p.Status)
	}
	wantIn(t, "unconfirmed", p.Body, `id="f-confirm-error" role="alert">請求処理を実行するには、確認のチェックボックスをオンにしてください。`, "請求処理はまだ実行されていません。")

	p = ops.post("/ops/billing-runs", url.Values{"confirm": {"yes"}})
	if p.Status != http.StatusSeeOther || p.Location != "/ops/billing-runs?flash=ops_billing_run_failures" {
		t.Fatalf("run: %d → %q", p.Status, p.Location)
	}
	p = ops.follow(p)
	row := regexp.MustCompile(`(?s)<tr id="run-run_[^"]+">.*?</tr>`).FindString(p.Body)
	wantIn(t, "the operator's run", row, opsEmail, "2027/04/02 10:00 JST", `<td class="num">1</td>`, "1件の失敗", "契約の更新と請求",
		`href="/ops/tenants/`+broken.ID+`"`, "内部エラー", "retired")
	if strings.Contains(row, acme.ID) {
		t.Errorf("the run that renewed acme lists it as a failure:\n%s", row)
	}
	wantIn(t, "the notice", p.Body, "処理できなかったものがあります")
	invs, err := s.App.Services.Billing.Invoices(billOpsActor(), acme.ID, billing.InvoiceFilter{})
	if err != nil || len(invs) != 1 || invs[0].Status != billing.InvoicePaid {
		t.Errorf("acme after the run: %v %+v, want March's invoice, charged", err, invs)
	}

	// The failing tenant's page still opens: it shows why.
	if p := ops.get("/ops/tenants/" + broken.ID); p.Status != http.StatusOK || !strings.Contains(p.Body, `id="tenant-plan">retired<`) {
		t.Errorf("the page of a tenant on a plan the catalog lost: %d\n%.2000s", p.Status, p.Body)
	}

	// The periodic job's run reads as the schedule's.
	if _, err := s.App.Services.Billing.Run(context.Background()); err == nil {
		t.Error("the broken subscription must fail again")
	}
	p = ops.get("/ops/billing-runs")
	rows := regexp.MustCompile(`(?s)<tr id="run-run_[^"]+">.*?</tr>`).FindAllString(p.Body, -1)
	if len(rows) != 2 || !strings.Contains(rows[0], "定期実行") || !strings.Contains(rows[1], opsEmail) {
		t.Errorf("two runs, the scheduled one first: %d rows\n%s", len(rows), p.Body)
	}
	ops.setLang("en")
	wantIn(t, "runs in English", ops.get("/ops/billing-runs").Body, "Billing runs", "Schedule", "1 failed", "Renewal and invoice", "Internal error")
}

// TestOpsTenantAccount: a tenant's page shows its plan, contract,
// licenses, billable members and status, its payment methods, its
// invoices linking to each, its domains and its latest audit events.
func TestOpsTenantAccount(t *testing.T) {
	s, ten := start(t)
	card, inv := paidTenant(t, s, ten, 3)
	ops := billOpsOperator(t, s)
	p := ops.get("/ops/tenants/" + ten.ID)
	wantIn(t, "the tenant page", p.Body, `id="tenant-plan">スタンダード`, `id="tenant-contract-kind">年額契約`, `id="tenant-licenses">3<`,
		`id="tenant-billable">1<`, `id="tenant-subscription-status">利用中`, `id="method-`+card.ID+`"`, "Visa •••• 4242", "既定",
		`href="/ops/invoices/`+inv.ID+`">`+inv.Number+`</a>`, "¥17,820", "支払済み", `id="tenant-domains"`, ten.Domain, "提供ドメイン", "プライマリ",
		`id="tenant-events"`, "invoice.issued", "subscription.", `href="/ops/invoices?counterparty=acme"`)
	ops.setLang("en")
	wantIn(t, "in English", ops.get("/ops/tenants/"+ten.ID).Body, "Standard", "annual, paid up front", "Payment methods", "Recent audit events", "Provided")
}

// TestOpsBillingRefusesTenantAdmins: to a tenant admin's session every
// operator billing route is not found, and posting changes nothing.
func TestOpsBillingRefusesTenantAdmins(t *testing.T) {
	s, ten := start(t)
	beta := s.Signup("beta")
	open := billOpsOpen(t, s, beta, 2)
	admin := newBrowser(t, s)
	admin.signIn("admin@"+ten.Domain, apptest.Password)
	checked := 0
	for _, pattern := range append(s.App.ConsolePages(), "/ops/invoices/export.csv", "/ops/invoices/{i}/pdf") {
		if !strings.HasPrefix(pattern, "/ops/invoices") && !strings.HasPrefix(pattern, "/ops/billing-runs") {
			continue
		}
		checked++
		path := strings.ReplaceAll(pattern, "{i}", open.ID)
		if p := admin.get(path); p.Status != http.StatusNotFound {
			t.Errorf("GET %s as a tenant admin: %d, want 404", path, p.Status)
		}
	}
	for _, pattern := range s.App.ConsoleActions() {
		if !strings.HasPrefix(pattern, "/ops/invoices") && !strings.HasPrefix(pattern, "/ops/billing-runs") &&
			!strings.HasPrefix(pattern, "/ops/tenants/{t}/") {
			continue
		}
		checked++
		path := strings.NewReplacer("{i}", open.ID, "{t}", beta.ID, "{pm}", "pm_none").Replace(pattern)
		if p := admin.post(path, url.Values{"confirm": {"yes"}}); p.Status != http.StatusNotFound {
			t.Errorf("POST %s as a tenant admin: %d, want 404", path, p.Status)
		}
	}
	if checked < 8 {
		t.Errorf("only %d routes checked", checked)
	}
	got, err := s.App.Services.Billing.Invoice(billOpsActor(), "", open.ID)
	if err != nil || got.Status != billing.InvoiceOpen {
		t.Errorf("beta's invoice after the attempts: %v %+v, want open", err, got)
	}
	if runs, _, err := s.App.Services.Billing.Runs(billOpsActor(), "", 10); err != nil || len(runs) != 0 {
		t.Errorf("runs after the attempts: %v %d, want none", err, len(runs))
	}
}
