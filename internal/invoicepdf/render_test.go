package invoicepdf_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/invoicepdf"
)

// day is a civil date as billing holds it: midnight UTC.
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// sample is an invoice-payment invoice of three lines at 10%:
// ¥54,000 + ¥5,400 tax = ¥59,400.
func sample() *billing.Invoice {
	apr, may := day(2026, 4, 1), day(2026, 5, 1)
	return &billing.Invoice{
		ID: "inv_42", Number: "KNR-000042", Kind: billing.KindInvoice,
		Status: billing.InvoiceOpen, Currency: "JPY",
		Lines: []billing.Line{
			{Description: "ビジネスプラン（月額）", PeriodStart: apr, PeriodEnd: may, Quantity: 10, UnitAmount: 3000, Amount: 30000, TaxPercent: 10},
			{Description: "追加ストレージ 100GB", PeriodStart: apr, PeriodEnd: may, Quantity: 2, UnitAmount: 10000, Amount: 20000, TaxPercent: 10},
			{Description: "プラン変更（日割り）", PeriodStart: day(2026, 4, 16), PeriodEnd: may, Quantity: 1, UnitAmount: 8000, Amount: 4000, TaxPercent: 10},
		},
		Subtotal: 54000, Taxes: []billing.TaxAmount{{Percent: 10, Base: 54000, Tax: 5400}}, Tax: 5400, Total: 59400,
		IssuerName: "Kanri株式会社", IssuerRegistration: "T1234567890123",
		RecipientName: "株式会社テスト商事", PaymentKind: billing.MethodInvoice,
		BankDetails: "みずほ銀行 本店営業部\n普通 1234567\nカ）カンリ",
		DueAt:       day(2026, 5, 31),
		IssuedAt:    time.Date(2026, 4, 30, 16, 0, 0, 0, time.UTC), // 2026/05/01 01:00 JST
	}
}

// render renders inv and returns pdftotext's reading of it.
func render(t *testing.T, inv *billing.Invoice, lang string) string {
	t.Helper()
	bin := pdftotext(t)
	r := invoicepdf.New()
	pdf, err := r.Render(inv, lang)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	return pdfText(t, bin, pdf)
}

// pdftotext returns the path of poppler's pdftotext, skipping t without it
// (failing it under CI=true, where .ci/run installs it).
func pdftotext(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext not on PATH (Debian: poppler-utils); CI must have it")
		}
		t.Skip("pdftotext not on PATH: install poppler-utils to check the PDF's text")
	}
	return bin
}

// pdfText extracts pdf's text with pdftotext at bin: reading the PDF back
// is what proves the Japanese glyphs were embedded and mapped to Unicode.
func pdfText(t *testing.T, bin string, pdf []byte) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "invoice.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// contains fails t for each of wants that text lacks.
func contains(t *testing.T, text string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF's text lacks %q; got:\n%s", want, text)
		}
	}
}

func TestRenderInvoice(t *testing.T) {
	t.Parallel()
	text := render(t, sample(), "ja")
	contains(t, text, "請求書", "KNR-000042", "株式会社テスト商事 御中", "Kanri株式会社",
		"登録番号 T1234567890123", "2026/05/01", // issued in JST
		"ビジネスプラン（月額）", "2026/04/01〜2026/04/30", "2026/04/16〜2026/04/30",
		"¥3,000", "¥30,000", "小計（税抜）", "¥54,000", "10%対象 ¥54,000", "消費税", "¥5,400",
		"合計（税込）", "¥59,400", "お支払期限 2026/05/31", "お振込先", "普通 1234567", "カ）カンリ")
	if strings.Contains(text, "お支払い済み") {
		t.Errorf("an open invoice says it is paid:\n%s", text)
	}
}

func TestRenderCreditNote(t *testing.T) {
	t.Parallel()
	inv := sample()
	inv.Kind, inv.Number, inv.OriginalID = billing.KindCreditNote, "KNR-000043", "inv_42"
	inv.OriginalNumber, inv.OriginalIssuedAt = "KNR-000042", time.Date(2026, 4, 1, 0, 30, 0, 0, time.UTC)
	inv.Status, inv.PaymentKind = billing.InvoiceIssued, ""
	inv.Lines = inv.Lines[2:]
	inv.Lines[0].Amount = -4000
	inv.Subtotal, inv.Tax, inv.Total = -4000, -400, -4400
	inv.Taxes = []billing.TaxAmount{{Percent: 10, Base: -4000, Tax: -400}}
	text := render(t, inv, "ja")
	contains(t, text, "適格返還請求書", "KNR-000043", "元の請求書", "KNR-000042 (2026/04/01)", "返還金額",
		"10%対象 ¥4,000", "¥400", "¥4,400", "登録番号 T1234567890123")
	if strings.Contains(text, "-¥") || strings.Contains(text, "inv_42") {
		t.Errorf("a credit note writes a negative amount or the original's internal id:\n%s", text)
	}
	if strings.Contains(text, "お振込先") {
		t.Errorf("a credit note shows bank details:\n%s", text)
	}
}

func TestRenderEnglishPaid(t *testing.T) {
	t.Parallel()
	inv := sample()
	inv.Status, inv.PaidAt = billing.InvoicePaid, time.Date(2026, 5, 20, 15, 30, 0, 0, time.UTC)
	text := render(t, inv, "en")
	contains(t, text, "Invoice", "Bill to", "株式会社テスト商事", "Registration number T1234567890123",
		"Taxable at 10% ¥54,000", "Total (tax included)", "¥59,400",
		"Paid on 2026/05/21", "Payment due 2026/05/31")
	if strings.Contains(text, "御中") {
		t.Errorf("an English invoice uses 御中:\n%s", text)
	}
}

// basisSample is the seed's 30 → 35 mid-term (182 of 365 days left) and a
// line issued before lines kept their basis.
func basisSample() *billing.Invoice {
	inv := sample()
	inv.Lines = []billing.Line{
		{Description: "スタンダード 年額契約(一括) 5ライセンス", PeriodStart: day(2026, 9, 14), PeriodEnd: day(2027, 3, 15), Quantity: 5,
			UnitAmount: 5400, Amount: 13463, TaxPercent: 10, UnitPerMonth: 450, Days: 182, PeriodDays: 365},
		{Description: "スタンダード 年額契約(月払い) 2ライセンス", PeriodStart: day(2026, 9, 30), PeriodEnd: day(2026, 10, 15), Quantity: 2,
			UnitAmount: 450, Amount: 450, TaxPercent: 10, UnitPerMonth: 450, Days: 15, PeriodDays: 30},
		{Description: "旧明細", PeriodStart: day(2026, 4, 1), PeriodEnd: day(2026, 5, 1), Quantity: 1, UnitAmount: 540, Amount: 540, TaxPercent: 10},
	}
	return inv
}

// Each line with a basis says how its amount is computed, in the
// invoice's language; a line issued before the basis was kept shows none.
func TestRenderBasis(t *testing.T) {
	t.Parallel()
	ja := render(t, basisSample(), "ja")
	contains(t, ja, "¥450/月 × 12か月 × 5 × 182/365日", "¥450/月 × 2 × 15/30日", "¥13,463")
	if strings.Count(ja, "/月 ×") != 2 {
		t.Errorf("want the basis on the two lines that have one:\n%s", ja)
	}
	en := render(t, basisSample(), "en")
	contains(t, en, "¥450/mo × 12 mo × 5 × 182/365 days", "¥450/mo × 2 × 15/30 days")
}

// A long invoice runs onto a second page, whose rows and footer survive.
func TestRenderPages(t *testing.T) {
	t.Parallel()
	inv := sample()
	for i := range 60 {
		ln := inv.Lines[0]
		ln.Description = fmt.Sprintf("明細 %02d 🍣", i) // the emoji must not panic fpdf
		inv.Lines = append(inv.Lines, ln)
	}
	text := render(t, inv, "ja")
	contains(t, text, "明細 59 〓", "1/2", "2/2", "¥59,400")
}

// The same invoice renders to the same bytes: the document's dates come
// from the invoice, not the clock.
func TestRenderDeterministic(t *testing.T) {
	t.Parallel()
	r := invoicepdf.New()
	a, err := r.Render(sample(), "ja")
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Render(sample(), "ja")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("two renderings of one invoice differ")
	}
	if !bytes.HasPrefix(a, []byte("%PDF-")) || len(a) > 100_000 {
		t.Errorf("got %d bytes starting %q, want a PDF under 100 KB (the font subset)", len(a), a[:8])
	}
	if _, err := r.Render(nil, "ja"); err == nil {
		t.Error("Render(nil) succeeded")
	}
}

// One Renderer serves concurrent renderings (the console's downloads and
// the mailer share it): run with -race, this shows fpdf only reads the font.
func TestRenderConcurrent(t *testing.T) {
	t.Parallel()
	r := invoicepdf.New()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for _, lang := range []string{"ja", "en", "ja", "en"} {
		wg.Go(func() {
			_, err := r.Render(sample(), lang)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// BenchmarkRender measures one invoice: fpdf parses the 6 MB font into
// every document, which is most of the time.
func BenchmarkRender(b *testing.B) {
	r := invoicepdf.New()
	inv := sample()
	for b.Loop() {
		if _, err := r.Render(inv, "ja"); err != nil {
			b.Fatal(err)
		}
	}
}
