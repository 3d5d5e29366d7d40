package console_test

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kanri/kanri/internal/app/apptest"
)

// TestBrowserUpgrade walks the seed's upgrade in Chromium: sign up, 決済方法の
// 管理 with the test card 4242 4242 4242 4242, 商品の契約/変更 → 有償プランへ
// 切替 → スタンダード 選択する, 年額契約(一括), 10 licenses → 次へ → 商品・価格
// の確認 → 次へ → 契約内容の確認 (¥59,400) → 追加する → the invoice with its
// KNR- number, the total and the company name.
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
	b.wantText("#wizard-steps [aria-current]", "商品・価格の確認")
	b.wantText("#price-unit", "¥450")
	b.wantText("#quote-total", "¥59,400")
	b.shot("upgrade-price")
	if st := b.submit("#price-next"); st != http.StatusOK {
		b.shot("price-refused")
		t.Fatalf("次へ on 商品・価格の確認: %d at %s", st, b.location())
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

// TestBrowserUpgradeMethodFirst: 有償プランへ切替 without a payment method
// lands on 決済方法の管理, which says why; the card 4000 0000 0000 0002 is
// refused when registered, next to its field, and the page still returns
// to the wizard; a good card goes back to 商品の選択, where every plan's card
// shows its monthly and annual prices and 選択する shows its choice; then
// 商品・価格の確認 shows the unit price, each line, the tax per rate and the
// total before 契約内容の確認. axe-core checks each page.
func TestBrowserUpgradeMethodFirst(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, filepath.Join(t.TempDir(), "kanri.db"), nil)
	ten := s.Signup("method-first")
	b := newTab(t, s.URL)
	axe := axeSource(t)
	b.open("/admin/login")
	b.fill("#f-login_id", "admin@"+ten.Domain)
	if st := b.typeAndEnter("#f-password", apptest.Password); st != http.StatusOK {
		t.Fatalf("sign in: %d at %s", st, b.location())
	}

	b.open("/admin/billing")
	if st := b.submit("#upgrade"); st != http.StatusOK {
		t.Fatalf("有償プランへ切替: %d at %s", st, b.location())
	}
	if loc := b.location(); !strings.Contains(loc, "/admin/billing/payment-methods?return=") {
		t.Fatalf("有償プランへ切替 without a payment method: at %s, want 決済方法の管理", loc)
	}
	b.wantText("#method-needed", "有償プランへ切り替えるには、先に決済方法を登録してください")
	b.shot("method-needed")
	wantAccessible(b, axe, "決済方法の管理, sent from the wizard")

	addCard := func(number string) int64 {
		b.fill("#f-card_number", number)
		b.fill("#f-exp_month", "12")
		b.fill("#f-exp_year", "2099")
		b.fill("#f-cvc", "123")
		return b.submit("#card-submit")
	}
	if st := addCard("4000 0000 0000 0002"); st != http.StatusUnprocessableEntity {
		t.Fatalf("the card refused when saved: %d at %s, want 422", st, b.location())
	}
	b.wantText("#f-card_number-error", "カード会社の確認で利用を断られたため、登録できません")
	if got := b.value("#f-card_number"); got != "" {
		t.Errorf("the refused card number is shown again: %q", got)
	}
	if got := b.value(`input[name="return"]`); got != "/admin/billing/upgrade" {
		t.Errorf("after the refusal the form returns to %q, want the wizard", got)
	}
	b.shot("card-refused")
	wantAccessible(b, axe, "the refused card")

	if st := addCard("4242 4242 4242 4242"); st != http.StatusOK {
		t.Fatalf("add card: %d at %s", st, b.location())
	}
	if loc := b.location(); !strings.Contains(loc, "/admin/billing/upgrade") {
		t.Fatalf("after the card: at %s, want the wizard", loc)
	}
	b.wantText(".flash", "クレジットカードを登録しました。")
	b.wantText("#wizard-steps [aria-current]", "商品の選択")
	b.wantText("#price-monthly-standard", "¥540")
	b.wantText("#price-monthly-standard", "1メンバー/月(税別)")
	b.wantText("#price-annual-standard", "¥450")
	b.wantText("#price-annual-standard", "年額 ¥5,400/ライセンス(税別)")
	b.wantText("#price-monthly-advanced", "¥1,080")
	b.wantText("#price-annual-advanced", "¥900")
	b.wantText("#plans-tax", "消費税(10%)")

	b.click("#plan-standard")
	b.wantText("#plan-card-standard .choose", "選択中")
	b.wantText("#plan-card-advanced .choose", "選択する")
	chosen, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](`[document.querySelector("#plan-standard").checked ? "checked" : "",
		getComputedStyle(document.querySelector("#plan-card-standard .choose")).backgroundColor,
		getComputedStyle(document.querySelector("#plan-card-advanced .choose")).backgroundColor]`))
	if err != nil || chosen[0] != "checked" || chosen[1] == chosen[2] {
		t.Errorf("the chosen 選択する does not look chosen: %q (%v)", chosen, err)
	}
	b.click("#contract-annual")
	b.fill("#f-licenses", "10")
	b.shot("plans")
	wantAccessible(b, axe, "商品の選択")

	if st := b.submit("#upgrade-next"); st != http.StatusOK {
		t.Fatalf("次へ: %d at %s", st, b.location())
	}
	b.wantText("#wizard-steps [aria-current]", "商品・価格の確認")
	b.wantText("#price-plan", "スタンダード")
	b.wantText("#price-contract", "年額契約(一括)")
	b.wantText("#price-licenses", "10ライセンス")
	b.wantText("#price-unit", "¥450 1ライセンス/月(税別)")
	b.wantText("#quote-lines", "¥450/月 × 12か月 × 10 × 365/365日")
	b.wantText("#quote-lines tfoot", "消費税(10%対象 ¥54,000)")
	b.wantText("#quote-subtotal", "¥54,000")
	b.wantText("#quote-total", "¥59,400")
	b.shot("price")
	wantAccessible(b, axe, "商品・価格の確認")

	if st := b.submit("#price-next"); st != http.StatusOK {
		t.Fatalf("次へ on 商品・価格の確認: %d at %s", st, b.location())
	}
	b.wantText("#wizard-steps [aria-current]", "契約内容の確認")
	b.wantText("#quote-method", "•••• 4242")
	b.wantText("#quote-method-change", "決済方法の管理")
	b.wantText("#quote-total", "¥59,400")
	b.shot("confirm")
	wantAccessible(b, axe, "契約内容の確認")
}
