package console_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/auth"
)

// TestBrowserOpsBilling walks the operator's billing in Chromium: the
// menu's 請求書 → a search by counterparty → a refused total next to its
// field → 未払い請求書の経過日数 → a bucket's invoices → 入金確認 → the
// invoice's page → 請求処理, confirmed and run → the tenant's page.
// axe-core finds no WCAG 2.1 A/AA violation on any of them.
func TestBrowserOpsBilling(t *testing.T) {
	t.Parallel()
	s, acme := start(t)
	_, paid := paidTenant(t, s, acme, 3)
	beta := s.Signup("beta-works")
	open := billOpsOpen(t, s, beta, 2)
	if _, err := s.App.Services.Sessions.CreateOperator(auth.System(context.Background(), "test"), opsEmail, "Ops Taro", opsPassword); err != nil {
		t.Fatal(err)
	}
	b := newTab(t, s.URL)
	axe := axeSource(t)

	b.open("/ops")
	b.fill("#f-email", opsEmail)
	b.fill("#f-password", opsPassword)
	if st := b.submit("#login-submit"); st != http.StatusOK {
		t.Fatalf("operator sign in: %d at %s", st, b.location())
	}
	b.submit(`nav.menu a[href="/ops/invoices"]`)
	b.wantText("h1", "請求書検索")
	b.wantText("#invoices", paid.Number)
	b.wantText("#invoices", open.Number)
	b.shot("ops-invoices")
	wantAccessible(b, axe, "invoice search")

	b.fill("#f-counterparty", "beta")
	b.submit("#invoice-search-submit")
	if got := b.text("#invoices tbody"); !strings.Contains(got, open.Number) || strings.Contains(got, paid.Number) {
		t.Fatalf("search for beta lists %q", got)
	}
	b.fill("#f-min_total", "abc")
	if st := b.submit("#invoice-search-submit"); st != http.StatusUnprocessableEntity {
		t.Fatalf("a total of abc: %d, want 422", st)
	}
	b.wantText("#f-min_total-error", "金額「abc」が正しくありません")
	b.shot("ops-invoices-refused")
	wantAccessible(b, axe, "invoice search refused")

	b.submit("#aging-link")
	b.wantText("h1", "未払い請求書の経過日数")
	b.wantText("#aging-current", "¥11,880")
	b.shot("ops-aging")
	wantAccessible(b, axe, "aging")
	b.submit("#aging-link-current")
	b.wantText("#invoices tbody", open.Number)
	b.submit("#paid-" + open.ID)
	b.wantText(".flash", "入金を確認しました")
	b.wantText("#invoices-none", "該当するデータはありません")
	wantAccessible(b, axe, "invoice search after mark paid")

	b.open("/ops/invoices/" + open.ID)
	b.wantText("#invoice-status", "支払済み")
	b.wantText("#invoice-tenant", "beta-works")
	b.shot("ops-invoice")
	wantAccessible(b, axe, "invoice")

	b.submit(`nav.menu a[href="/ops/billing-runs"]`)
	b.wantText("#runs-none", "請求処理はまだ実行されていません")
	wantAccessible(b, axe, "billing runs")
	if st := b.submit("#run-start"); st != http.StatusUnprocessableEntity {
		t.Fatalf("run without confirming: %d, want 422", st)
	}
	b.wantText("#f-confirm-error", "確認のチェックボックスをオンにしてください")
	wantAccessible(b, axe, "billing run refused")
	b.click("#f-confirm")
	if st := b.submit("#run-start"); st != http.StatusOK {
		t.Fatalf("run: %d at %s", st, b.location())
	}
	b.wantText(".flash", "請求処理を実行しました")
	b.wantText("#runs tbody", opsEmail)
	b.shot("ops-billing-runs")
	wantAccessible(b, axe, "billing runs after a run")

	b.open("/ops/tenants/" + acme.ID)
	b.wantText("#tenant-plan", "スタンダード")
	b.wantText("#tenant-invoices", paid.Number)
	b.wantText("#tenant-events", "invoice.issued")
	b.shot("ops-tenant")
	wantAccessible(b, axe, "tenant")
}
