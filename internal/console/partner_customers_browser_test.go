package console_test

import (
	"net/http"
	"testing"
)

// TestBrowserPartnerCustomer walks a license change in Chromium: from the
// portal's customers to the customer's page, the current count refused
// next to its field, 15 licenses confirmed (10 → 15, nothing billed to the
// customer) and applied, then, through the menu, the statements and this
// month's with the customer on it. axe-core checks each page.
func TestBrowserPartnerCustomer(t *testing.T) {
	t.Parallel()
	s, ten, ops := startOps(t)
	paidTenant(t, s, ten, 10)
	partnerByForms(t, ops, "ABC 株式会社", "sales@abc.example.jp", "ja")
	portal := newBrowser(t, s)
	signInPartner(t, portal, "sales@abc.example.jp")
	switchTo(t, s, portal, ten)
	b := newTab(t, s.URL)
	axe := axeSource(t)

	b.open("/partner/login")
	b.fill("#f-email", "sales@abc.example.jp")
	if st := b.typeAndEnter("#f-password", portalPassword); st != http.StatusOK {
		t.Fatalf("sign in: %d at %s", st, b.location())
	}
	b.submit("#customers tbody a")
	b.wantText("h1", "acme Inc.")
	b.wantText("#customer-licenses", "10")
	b.shot("customer")
	wantAccessible(b, axe, "customer")

	b.fill("#f-licenses", "10")
	if st := b.submit("#licenses-continue"); st != http.StatusUnprocessableEntity {
		t.Fatalf("the current count: %d, want 422", st)
	}
	b.wantText("#f-licenses-error", "現在の契約内容と同じです")
	b.waitJS(`document.querySelector("#f-licenses").getAttribute("aria-invalid") === "true"`)
	b.shot("refused")
	wantAccessible(b, axe, "refused")

	b.fill("#f-licenses", "15")
	if st := b.submit("#licenses-continue"); st != http.StatusOK {
		t.Fatalf("continue: %d at %s", st, b.location())
	}
	b.wantText("#quote-licenses", "10 → 15")
	b.wantText("#quote-wholesale", "お客様への請求はなく、卸売明細に計上されます。")
	b.shot("confirm")
	wantAccessible(b, axe, "confirmation")

	if st := b.submit("#customer-apply"); st != http.StatusOK {
		t.Fatalf("apply: %d at %s", st, b.location())
	}
	b.wantText(".flash", "お客様の契約を変更しました。")
	b.wantText("#customer-licenses", "15")
	b.shot("applied")
	wantAccessible(b, axe, "applied")

	b.submit(".menu a[href='/partner/statements']")
	b.wantText("#statement-months", "(今月:月末までの見込み)")
	wantAccessible(b, axe, "statements")
	b.submit("#statement-months a")
	b.wantText("#statement-lines", "acme Inc.")
	b.shot("statement")
	wantAccessible(b, axe, "statement")
}
