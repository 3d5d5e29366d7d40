package console_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/billing"
)

// TestLicensesDeclinedCardLinksToMethods: on ライセンスの管理, the
// confirmation links to 決済方法の管理 to change the card, and a declined
// card says so with the same link, which returns to the count asked for.
func TestLicensesDeclinedCardLinksToMethods(t *testing.T) {
	s, ten := start(t)
	paidTenant(t, s, ten, 2)
	ctx, svc := asMember(t, s, ten.AdminToken), s.App.Services.Billing
	declining, err := svc.AddCard(ctx, ten.ID, billing.Card{Number: "4000000000000341", ExpMonth: 12, ExpYear: 2099, CVC: "123"})
	if err == nil {
		_, err = svc.SetDefault(ctx, ten.ID, declining.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	link := `href="/admin/billing/payment-methods?return=%2fadmin%2fbilling%2flicenses%3flicenses%3d3"`

	p := b.post("/admin/billing/licenses", url.Values{"licenses": {"3"}})
	if p.Status != http.StatusOK {
		t.Fatalf("continue: %d\n%.2000s", p.Status, p.Body)
	}
	wantIn(t, "変更内容の確認", p.Body, link+` id="quote-method-change"`, "決済方法の管理でカードを変更")
	m := quoteID.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatal("no quote on the confirmation")
	}
	p = b.post("/admin/billing/licenses/apply", url.Values{"licenses": {"3"}, "quote_id": {m[1]}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("apply with the declining card: %d, want 422", p.Status)
	}
	wantIn(t, "the declined card", p.Body, `id="form-error"`, "カードでの決済が承認されませんでした", link+` id="declined-method-link"`)
	wantIn(t, "決済方法の管理 from there", b.get("/admin/billing/payment-methods?return="+url.QueryEscape("/admin/billing/licenses?licenses=3")).Body,
		`id="default-trouble"`, `id="suggest-default-`, `name="return" value="/admin/billing/licenses?licenses=3"`)
}
