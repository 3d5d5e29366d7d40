package console_test

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
)

// TestBrowserLicenses walks the seed's license screen in Chromium on an
// annual contract of 30 licenses: 購入/請求 > ライセンスの管理, 35 typed →
// the change (30 → 35) highlighted with its adjustment beside it (htmx) →
// 続ける → the card and ¥29,700 → 決済する → 35 licenses and the paid
// invoice; then 32 → 続ける → 変更を確定する → the reduction waits for the
// renewal → 予定している変更を取り消す.
func TestBrowserLicenses(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, filepath.Join(t.TempDir(), "kanri.db"), nil)
	ten := s.Signup("license-co")
	paidTenant(t, s, ten, 30)
	b := newTab(t, s.URL)

	b.open("/admin/login")
	b.fill("#f-login_id", "admin@"+ten.Domain)
	if st := b.typeAndEnter("#f-password", apptest.Password); st != http.StatusOK {
		t.Fatalf("sign in: %d at %s", st, b.location())
	}
	b.submit(`nav.menu a[href="/admin/billing/licenses"]`)
	b.wantText(".crumbs", "購入/請求")
	b.wantText("#current-licenses", "30")
	b.wantText("#adjustment-empty", "続ける")
	b.shot("licenses")

	// 30 → 35: the adjustment appears beside the input as it is typed.
	b.fill("#f-licenses", "35")
	b.waitJS(`(document.querySelector("#license-change mark") || {}).textContent === "30 → 35"`)
	b.wantText("#adjustment-total", "¥29,700")
	b.wantText("#adjustment-when", "今回お支払いいただきます")
	b.shot("licenses-35")
	if st := b.submit("#licenses-continue"); st != http.StatusOK {
		b.shot("continue-refused")
		t.Fatalf("続ける: %d at %s", st, b.location())
	}
	b.wantText("h1", "変更内容の確認")
	b.wantText("#license-change mark", "30 → 35")
	b.wantText("#quote-method", "Visa •••• 4242")
	b.wantText("#adjustment-total", "¥29,700")
	b.shot("licenses-confirm-35")
	if st := b.submit("#licenses-apply"); st != http.StatusOK {
		b.shot("apply-refused")
		t.Fatalf("決済する: %d at %s", st, b.location())
	}
	b.wantText(".flash", "請求書をアカウントのメールアドレス宛てにお送りしました")
	b.wantText("#current-licenses", "35")
	b.shot("licenses-35-paid")
	b.submit(`nav.menu a[href="/admin/billing/invoices"]`)
	b.wantText("#invoices tbody tr:first-child", "¥29,700")
	b.wantText("#invoices tbody tr:first-child", "支払済み")
	b.shot("invoices")

	// 35 → 32: scheduled for the renewal, nothing billed, then withdrawn.
	b.submit(`nav.menu a[href="/admin/billing/licenses"]`)
	b.fill("#f-licenses", "32")
	b.waitJS(`(document.querySelector("#license-change mark") || {}).textContent === "35 → 32"`)
	b.wantText("#adjustment-when", "それまでは 35 ライセンスのままご利用いただけます")
	b.wantText("#adjustment-when", b.text("#licenses-renewal"))
	b.shot("licenses-32")
	b.submit("#licenses-continue")
	b.wantText("#license-change mark", "35 → 32")
	b.wantText("#licenses-apply", "変更を確定する")
	b.shot("licenses-confirm-32")
	if st := b.submit("#licenses-apply"); st != http.StatusOK {
		t.Fatalf("変更を確定する: %d at %s", st, b.location())
	}
	b.wantText(".flash", "ライセンス数の変更を予約しました")
	b.wantText("#current-licenses", "35")
	b.wantText("#scheduled", "ライセンス数を 35 から 32 に変更する予定です")
	b.shot("licenses-32-scheduled")
	if st := b.submit("#withdraw-change"); st != http.StatusOK {
		t.Fatalf("予定している変更を取り消す: %d at %s", st, b.location())
	}
	b.wantText(".flash", "予定していたライセンス数の変更を取り消しました")
	b.waitJS(`document.querySelector("#scheduled") === null`)
	b.wantText("#current-licenses", "35")
	b.shot("licenses-withdrawn")
}
