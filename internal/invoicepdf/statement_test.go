package invoicepdf_test

import (
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/invoicepdf"
)

// TestRenderStatement: a partner's wholesale statement reads back, in
// Japanese and English, with its title, the partner, the month, each
// customer's line with its basis, the tax per rate and the total.
func TestRenderStatement(t *testing.T) {
	t.Parallel()
	bin := pdftotext(t)
	r := invoicepdf.New()
	st := &billing.Statement{Month: day(2027, 4, 1), Discount: 20, Currency: "JPY", Subtotal: 3600, Tax: 360, Total: 3960,
		Taxes: []billing.TaxAmount{{Percent: 10, Base: 3600, Tax: 360}},
		Lines: []billing.StatementLine{{TenantID: "ten_1", Customer: "水谷建設", Line: billing.Line{Description: "スタンダード 年額契約(一括) 10ライセンス",
			PeriodStart: day(2027, 4, 1), PeriodEnd: day(2027, 5, 1), Quantity: 10, UnitAmount: 360, Amount: 3600, TaxPercent: 10,
			UnitPerMonth: 360, Days: 30, PeriodDays: 30}}}}
	issuer := billing.Issuer{Name: "Kanri デモ株式会社", Registration: "T7123456789012"}
	for lang, wants := range map[string][]string{
		"ja": {"卸売明細書", "ABC 株式会社 御中", "対象月", "2027-04", "水谷建設: スタンダード", "¥360/月 × 10 × 30/30日", "¥3,960", "T7123456789012"},
		"en": {"Wholesale statement", "ABC 株式会社", "Month", "2027-04", "水谷建設: ", "¥3,960"},
	} {
		pdf, err := r.RenderStatement(st, "ABC 株式会社", issuer, lang)
		if err != nil {
			t.Fatal(err)
		}
		text := pdfText(t, bin, pdf)
		for _, w := range wants {
			if !strings.Contains(text, w) {
				t.Errorf("%s: no %q in\n%s", lang, w, text)
			}
		}
		again, _ := r.RenderStatement(st, "ABC 株式会社", issuer, lang)
		if string(again) != string(pdf) {
			t.Errorf("%s: the same statement gave other bytes", lang)
		}
	}
}
