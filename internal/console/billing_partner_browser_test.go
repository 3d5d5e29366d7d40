package console_test

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
)

// TestBrowserPartnerContract walks the seed's パートナーとの契約 in Chromium
// on an annual contract of 10 licenses: コード発行 → the code with its copy
// button and expiry → the partner authenticates it → “ABC 株式会社” and
// the missing phone, linked → 承認 → "よろしいですか?" → OK → the phone
// refused → entered → 承認 → OK → 4 パートナー契約への切り替え完了, the
// credit note listed under 請求書.
func TestBrowserPartnerContract(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, filepath.Join(t.TempDir(), "kanri.db"), nil)
	ten := s.Signup("partner-co")
	paidTenant(t, s, ten, 10)
	abc := partnerFor(t, s, "ABC 株式会社", "sales@abc.example.jp")
	b := newTab(t, s.URL)
	axe := axeSource(t)

	b.open("/admin/login")
	b.fill("#f-login_id", "admin@"+ten.Domain)
	if st := b.typeAndEnter("#f-password", apptest.Password); st != http.StatusOK {
		t.Fatalf("sign in: %d at %s", st, b.location())
	}
	b.submit(`nav.menu a[href="/admin/billing/partner"]`)
	b.wantText("#partner-step-1", "パートナーコード発行")
	b.wantText("#partner-issue", "コード発行")
	b.shot("partner-1")
	wantAccessible(b, axe, "step 1")
	b.submit("#partner-issue")
	b.wantText(".flash", "パートナーコードを発行しました")
	code := b.text("#partner-code")
	b.waitVisible("#partner-code-copy")
	b.wantText("#partner-expires", "まで")
	b.shot("partner-2")
	wantAccessible(b, axe, "step 2")
	if _, err := s.App.Services.Partners.Authenticate(abc, code); err != nil {
		t.Fatalf("the partner authenticating %q: %v", code, err)
	}

	b.open("/admin/billing/partner")
	b.wantText("#partner-authenticated", "“ABC 株式会社”によるコード認証が完了しました")
	b.wantText("#partner-missing", "電話番号")
	b.shot("partner-3")
	b.submit("#partner-approve")
	b.wantText("#partner-confirm-text", "パートナー契約への切り替えを完了しますが、よろしいですか")
	if st := b.submit("#partner-confirm-ok"); st != http.StatusUnprocessableEntity {
		t.Fatalf("OK without a phone: got %d, want 422", st)
	}
	b.wantText("#f-phone-error", "電話番号を入力してください")
	b.fill("#f-phone", "03-1234-5678")
	b.submit("#partner-approve")
	b.shot("partner-3-confirm")
	wantAccessible(b, axe, "step 3, are you sure")
	if st := b.submit("#partner-confirm-ok"); st != http.StatusOK {
		t.Fatalf("OK: got %d at %s", st, b.location())
	}
	b.wantText(".flash", "パートナー契約への切り替えが完了しました")
	b.wantText("#partner-done", "パートナー「ABC 株式会社」経由のご契約です")
	b.shot("partner-4")
	wantAccessible(b, axe, "step 4")
	b.submit(`nav.menu a[href="/admin/billing/invoices"]`)
	b.wantText("#invoices tbody tr:first-child", "返金済み")
}
