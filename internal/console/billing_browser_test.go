package console_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
)

// TestBrowserUpgrade walks the seed's upgrade in Chromium: sign up, 決済方法の
// 管理 with the test card 4242 4242 4242 4242, 商品の契約/変更 → 有償プランへ
// 切替 → スタンダード 選択する, 年額契約(一括), 10 licenses → 次へ → 契約内容の
// 確認 (¥59,400) → 追加する → the invoice with its KNR- number, the total and
// the company name.
func TestBrowserUpgrade(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, filepath.Join(t.TempDir(), "kanri.db"), nil)
	b := newTab(t, s.URL)

	b.open("/signup")
	b.fill("#f-works_group", "upgrade-co")
	b.fill("#f-company_name", "アップグレード株式会社")
	b.fill("#f-phone", "03-1234-5678")
	b.fill("#f-admin_login_id", "taro")
	b.fill("#f-admin_name", "山田 太郎")
	b.fill("#f-admin_email", "taro@upgrade-co.example.com")
	b.fill("#f-admin_password", apptest.Password)
	if st := b.submit("#signup-submit"); st != http.StatusOK {
		t.Fatalf("sign up: %d at %s", st, b.location())
	}
	if st := b.typeAndEnter("#f-password", apptest.Password); st != http.StatusOK {
		t.Fatalf("sign in: %d at %s", st, b.location())
	}

	// 購入/請求 > 決済方法の管理: the test card.
	b.submit(`nav.menu a[href="/admin/billing/payment-methods"]`)
	b.wantText(".crumbs", "購入/請求")
	b.fill("#f-card_number", "4242 4242 4242 4242")
	b.fill("#f-exp_month", "12")
	b.fill("#f-exp_year", "2099")
	b.fill("#f-cvc", "123")
	b.shot("payment-method-add")
	if st := b.submit("#card-submit"); st != http.StatusOK {
		b.shot("card-refused")
		t.Fatalf("add card: %d at %s", st, b.location())
	}
	b.wantText(".flash", "クレジットカードを登録しました。")
	b.wantText("#methods", "Visa •••• 4242")
	b.shot("payment-methods")

	// 商品の契約/変更 → 有償プランへ切替.
	b.submit(`nav.menu a[href="/admin/billing"]`)
	b.wantText("#contract-plan", "フリー")
	b.shot("contract-free")
	b.submit("#upgrade")
	b.wantText("#price-monthly-standard", "¥540")
	b.wantText("#price-annual-standard", "¥450")
	b.click("#plan-standard")
	b.click("#contract-annual")
	b.fill("#f-licenses", "10")
	b.shot("upgrade-plans")
	if st := b.submit("#upgrade-next"); st != http.StatusOK {
		b.shot("quote-refused")
		t.Fatalf("次へ: %d at %s", st, b.location())
	}
	b.wantText("#wizard-steps [aria-current]", "契約内容の確認")
	b.wantText("#quote-terms", "スタンダード 年額契約(一括) 10ライセンス")
	b.wantText("#quote-total", "¥59,400")
	b.wantText("#quote-method", "•••• 4242")
	b.shot("upgrade-confirm")

	if st := b.submit("#upgrade-apply"); st != http.StatusOK {
		b.shot("apply-refused")
		t.Fatalf("追加する: %d at %s", st, b.location())
	}
	if loc := b.location(); !strings.Contains(loc, "/admin/billing/invoices/") {
		t.Fatalf("after 追加する: %s, want the invoice", loc)
	}
	b.wantText("#invoice-number", "KNR-")
	b.wantText("#invoice-total", "¥59,400")
	b.wantText("#invoice-recipient", "アップグレード株式会社 御中")
	b.wantText("#invoice-registration", "T")
	b.shot("invoice")

	b.submit(`nav.menu a[href="/admin/billing"]`)
	b.wantText("#contract-plan", "スタンダード")
	b.wantText("#contract-licenses", "10")
	b.shot("contract-paid")
}
