package console_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/money"
)

// yen is amount as the pages show it: ¥1,200.
func yen(amount int64) string { return money.New(amount, "JPY").String() }

// TestPartnerStatement: after the partner moves acme from 10 to 15
// licenses on 2027-04-11, April's statement lists acme's 10 licenses for
// April 1–10 and 15 for April 11–30 at the catalog's ¥450 less the
// partner's 20 %, with the subtotal, the tax and the total; the CSV has
// the same in UTF-8 with a byte-order mark. The months list runs from the
// switch in March to April, the picker offers March and refuses a month
// that is none; operators read the same statement from the partner's page.
func TestPartnerStatement(t *testing.T) {
	t.Parallel()
	f := startCustomer(t)
	b, id := f.portal, f.ten.ID
	confirmAndApply(t, b, id, "/licenses", url.Values{"licenses": {"15"}}, `<mark>10 → 15</mark>`)

	unit := halfUp(450, 100-20, 100)
	before, after := halfUp(unit*10, 10, 30), halfUp(unit*15, 20, 30)
	subtotal := before + after
	tax := subtotal * 10 / 100
	p := b.get("/partner/statements/2027-04")
	if p.Status != http.StatusOK {
		t.Fatalf("April's statement: %d\n%.2000s", p.Status, p.Body)
	}
	wantIn(t, "April's statement", p.Body, "<h1>2027年4月の卸売明細</h1>", `id="statement-discount">20%</dd>`,
		`<a href="/partner/customers/`+id+`">acme Inc.</a>`, "2027/04/01–2027/04/10", "2027/04/11–2027/04/30",
		`<td class="num">10</td>`, `<td class="num">15</td>`, `<td class="num">`+yen(unit)+`</td>`, "10/30", "20/30",
		`<td class="num">`+yen(before)+`</td>`, `<td class="num">`+yen(after)+`</td>`,
		`id="statement-subtotal">`+yen(subtotal)+`<`, yen(tax), `id="statement-total"><strong>`+yen(subtotal+tax)+`</strong>`,
		`href="/partner/statements/2027-04/csv"`, `href="/partner/statements/2027-04/pdf"`,
		`id="statement-estimate">この月はまだ終わっていないため、この明細は月末までの見込みです。`)
	if march := b.get("/partner/statements/2027-03"); march.Status != http.StatusOK || strings.Contains(march.Body, "statement-estimate") {
		t.Errorf("March's statement, the month over: %d, want it final (no estimate notice)", march.Status)
	}
	wantOneLanguage(t, "April's statement", "ja", p.Body, "acme Inc.", "ABC")
	b.setLang("en")
	wantOneLanguage(t, "April's statement", "en", b.get("/partner/statements/2027-04").Body, "ABC 株式会社")
	b.setLang("ja")

	csv := b.get("/partner/statements/2027-04/csv")
	if csv.Status != http.StatusOK || csv.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		csv.Header.Get("Content-Disposition") != `attachment; filename="statement-2027-04.csv"` || !strings.HasPrefix(csv.Body, "\ufeff顧客,テナントID") {
		t.Fatalf("CSV: %d %q %q %.100q", csv.Status, csv.Header.Get("Content-Type"), csv.Header.Get("Content-Disposition"), csv.Body)
	}
	wantIn(t, "CSV", csv.Body, id+",", ","+strconv.FormatInt(before, 10)+"\n", ","+strconv.FormatInt(after, 10)+"\n",
		"合計,,,,,,,,,"+strconv.FormatInt(subtotal+tax, 10))

	p = b.get("/partner/statements")
	wantIn(t, "statements", p.Body, `id="f-month" name="month" type="month" value="2027-03"`, `href="/partner/statements/2027-04">2027年4月</a>`,
		"(今月:月末までの見込み)", `href="/partner/statements/2027-03">2027年3月</a>`, `<li class="active"><a href="/partner/statements" class="group">卸売明細</a>`)
	if strings.Contains(p.Body, "/partner/statements/2027-02") {
		t.Errorf("the months list goes back before the first switch")
	}
	if p := b.get("/partner/statements?month=2027-03"); p.Status != http.StatusSeeOther || p.Location != "/partner/statements/2027-03" {
		t.Errorf("the picker: %d %s, want March's statement", p.Status, p.Location)
	}
	p = b.get("/partner/statements?month=April")
	if p.Status != http.StatusUnprocessableEntity {
		t.Errorf("a month that is none: %d, want 422", p.Status)
	}
	wantIn(t, "refused month", p.Body, `id="f-month-error"`, "2027-04 のように年と月を入力してください", `value="April"`)

	p = f.ops.get("/ops/partners/" + f.partnerID)
	wantIn(t, "operator's partner page", p.Body, `href="/ops/partners/`+f.partnerID+`/statements/2027-04">2027年4月</a>`)
	p = f.ops.get("/ops/partners/" + f.partnerID + "/statements/2027-04")
	wantIn(t, "operator's statement", p.Body, `<a href="/ops/tenants/`+id+`">acme Inc.</a>`, `id="statement-total"><strong>`+yen(subtotal+tax)+`</strong>`,
		`href="/ops/partners/`+f.partnerID+`/statements/2027-04/csv"`, `<body class="area-ops">`)
	if strings.Contains(p.Body, "/pdf") {
		t.Errorf("the operator's statement links a PDF the operators' console does not serve")
	}
	if csv := f.ops.get("/ops/partners/" + f.partnerID + "/statements/2027-04/csv"); csv.Status != http.StatusOK || !strings.Contains(csv.Body, id) {
		t.Errorf("the operator's CSV: %d %.200q", csv.Status, csv.Body)
	}
	if p := f.ops.get("/ops/partners/ptn_nope/statements/2027-04"); p.Status != http.StatusNotFound {
		t.Errorf("an unknown partner's statement: %d, want 404", p.Status)
	}
}
