package invoicepdf

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/money"
)

// document is one rendering in progress: the PDF, the invoice, its
// language and the fixed text in it.
type document struct {
	pdf  *fpdf.Fpdf
	inv  *billing.Invoice
	l    labels
	lang string
}

// columns returns the line table's column widths, which add up to
// bodyWidth, and alignments: numbers align right.
func columns() (widths [6]float64, aligns [6]string) {
	return [6]float64{65, 45, 12, 12, 23, 23}, [6]string{"L", "L", "R", "R", "R", "R"}
}

// lineHeight is the height of one line of 9-point table text.
const lineHeight = 5.0

// amount writes an amount in the invoice's currency; a credit note's are
// returned amounts, written positive under its 返還 headings.
func (d *document) amount(amount int64) string {
	if d.inv.Kind == billing.KindCreditNote && amount < 0 {
		amount = -amount
	}
	return money.New(amount, d.inv.Currency).String()
}

// text writes one line of s at size points, w wide (0: to the margin).
func (d *document) text(size, w float64, s, align string) {
	d.pdf.SetFont(fontFamily, "", size)
	d.pdf.CellFormat(w, size*0.5, clean(s), "", 1, align, false, 0, "")
}

// header draws the title, the recipient and the headline amount on the
// left, and the invoice's number, date and issuer on the right.
func (d *document) header() {
	d.text(20, 0, d.l.title, "C")
	d.pdf.Ln(6)
	top := d.pdf.GetY()
	d.recipient()
	left := d.pdf.GetY()
	d.pdf.SetY(top)
	d.issuer()
	d.pdf.SetY(max(left, d.pdf.GetY()) + 6)
}

// recipient draws who is billed and how much, as a Japanese invoice leads
// with: 〇〇 御中, then ご請求金額.
func (d *document) recipient() {
	const w = 100
	if d.l.billTo != "" {
		d.text(9, w, d.l.billTo, "L")
	}
	d.pdf.SetFont(fontFamily, "", 13)
	d.pdf.MultiCell(w, 7, clean(d.inv.RecipientName+d.l.honorific), "B", "L", false)
	d.pdf.Ln(2)
	d.text(9, w, d.l.greeting, "L")
	d.pdf.Ln(3)
	d.pdf.SetFont(fontFamily, "", 10)
	d.pdf.CellFormat(50, 8, d.l.amount, "B", 0, "L", false, 0, "")
	d.pdf.SetFont(fontFamily, "", 14)
	d.pdf.CellFormat(w-50, 8, d.amount(d.inv.Total), "B", 1, "R", false, 0, "")
}

// issuer draws the invoice's identity and the issuer a qualified invoice
// must name: its name and registration number (T + 13 digits).
func (d *document) issuer() {
	const x, w = pageWidth - margin - 65, 65
	pairs := [][2]string{{d.l.number, d.inv.Number}, {d.l.issued, day(d.inv.IssuedAt)}}
	if d.inv.Kind == billing.KindCreditNote {
		pairs = append(pairs, [2]string{d.l.original, original(d.inv)})
	}
	d.pdf.SetFont(fontFamily, "", 9)
	for _, p := range pairs {
		d.pdf.SetX(x)
		d.pdf.CellFormat(25, 5, p[0], "", 0, "L", false, 0, "")
		d.pdf.CellFormat(w-25, 5, clean(p[1]), "", 1, "R", false, 0, "")
	}
	d.pdf.Ln(4)
	d.pdf.SetX(x)
	d.pdf.SetFont(fontFamily, "", 11)
	d.pdf.MultiCell(w, 6, clean(d.inv.IssuerName), "", "L", false)
	d.pdf.SetX(x)
	d.text(9, w, d.l.registered+" "+d.inv.IssuerRegistration, "L")
}

// table draws the invoice's lines, one row each, its header repeated on
// every page the table runs onto. Under a line's description is the basis
// of its amount, for the buyer to recompute it (seed 002).
func (d *document) table() error {
	d.tableHeader()
	for _, ln := range d.inv.Lines {
		shown := ln // a credit note's basis counts the returned licenses, positive like its amounts
		shown.Quantity = d.quantity(ln.Quantity)
		basis, err := shown.Basis(d.inv.Currency, d.lang)
		if err != nil {
			return err
		}
		if basis != "" {
			basis = "\n" + basis
		}
		d.row([6]string{
			ln.Description + basis,
			period(ln, d.l.through),
			strconv.FormatInt(d.quantity(ln.Quantity), 10),
			fmt.Sprintf("%d%%", ln.TaxPercent),
			d.amount(ln.UnitAmount),
			d.amount(ln.Amount),
		})
	}
	if len(d.inv.Lines) == 0 {
		d.text(9, 0, d.l.noLines, "C")
	}
	d.pdf.Ln(4)
	return nil
}

// tableHeader draws the column names on a grey band.
func (d *document) tableHeader() {
	d.pdf.SetFont(fontFamily, "", 9)
	d.pdf.SetFillColor(230, 230, 230)
	widths, _ := columns()
	for i, name := range d.l.columns {
		d.pdf.CellFormat(widths[i], 7, name, "1", 0, "C", true, 0, "")
	}
	d.pdf.Ln(-1)
}

// row draws one line of the table, as tall as its longest wrapped cell. It
// starts a page itself when the row would not fit, so that fpdf's automatic
// break never splits a row's cells across two pages.
func (d *document) row(cells [6]string) {
	d.pdf.SetFont(fontFamily, "", 9)
	widths, aligns := columns()
	lines := 1
	for i, c := range cells {
		cells[i] = clean(c)
		lines = max(lines, len(d.pdf.SplitText(cells[i], widths[i])))
	}
	h := float64(lines) * lineHeight
	if d.pdf.GetY()+h > breakY {
		d.pdf.AddPage()
		d.tableHeader()
	}
	x, y := margin, d.pdf.GetY()
	for i, c := range cells {
		d.pdf.Rect(x, y, widths[i], h, "D")
		d.pdf.SetXY(x, y)
		d.pdf.MultiCell(widths[i], lineHeight, c, "", aligns[i], false)
		x += widths[i]
	}
	d.pdf.SetXY(margin, y+h)
}

// totals draws the subtotal, the tax of each rate on the base it was
// computed on (a qualified invoice states both), and the total.
func (d *document) totals() {
	d.keep(6*float64(1+len(d.inv.Taxes)) + 14)
	d.sum(d.l.subtotal, d.amount(d.inv.Subtotal))
	for _, t := range d.inv.Taxes {
		d.sum(fmt.Sprintf(d.l.taxFormat, t.Percent, d.amount(t.Base)), d.amount(t.Tax))
	}
	d.pdf.SetFont(fontFamily, "", 12)
	d.pdf.CellFormat(bodyWidth-30, 8, d.l.total, "T", 0, "R", false, 0, "")
	d.pdf.CellFormat(30, 8, d.amount(d.inv.Total), "T", 1, "R", false, 0, "")
	d.pdf.Ln(6)
}

// sum draws one row of the totals, aligned under the amount column.
func (d *document) sum(label, value string) {
	d.pdf.SetFont(fontFamily, "", 10)
	d.pdf.CellFormat(bodyWidth-30, 6, label, "", 0, "R", false, 0, "")
	d.pdf.CellFormat(30, 6, value, "", 1, "R", false, 0, "")
}

// payment draws how to pay (due date and bank details, for invoice payment)
// and, once an operator or the card charge has settled it, that it is paid.
func (d *document) payment() {
	inv := d.inv
	d.keep(20 + 5*float64(strings.Count(inv.BankDetails, "\n")+1))
	if inv.Status == billing.InvoicePaid {
		paid := d.l.paid
		if !inv.PaidAt.IsZero() {
			paid = fmt.Sprintf(d.l.paidOn, day(inv.PaidAt))
		}
		d.text(12, 0, paid, "L")
		d.pdf.Ln(3)
	}
	if inv.PaymentKind != billing.MethodInvoice {
		return
	}
	if !inv.DueAt.IsZero() {
		d.text(10, 0, d.l.due+"  "+day(inv.DueAt), "L")
		d.pdf.Ln(2)
	}
	if inv.BankDetails != "" {
		d.text(10, 0, d.l.bank, "L")
		d.pdf.SetX(margin + 5)
		d.pdf.MultiCell(bodyWidth-5, 5, clean(inv.BankDetails), "", "L", false)
	}
}

// keep starts a new page unless h more millimetres fit on this one: a block
// such as the totals or the bank details reads wrongly when split.
func (d *document) keep(h float64) {
	if d.pdf.GetY()+h > breakY {
		d.pdf.AddPage()
	}
}

// footer draws, on every page, the invoice number and the page of how many:
// a page separated from the others still says what it belongs to.
func (d *document) footer() {
	d.pdf.SetY(-15)
	d.pdf.SetFont(fontFamily, "", 8)
	d.pdf.CellFormat(bodyWidth/2, 5, clean(d.inv.Number), "", 0, "L", false, 0, "")
	d.pdf.CellFormat(bodyWidth/2, 5, fmt.Sprintf(d.l.page, d.pdf.PageNo()), "", 0, "R", false, 0, "")
}

// quantity is a line's quantity as the document writes it: a credit
// note's returned licenses, positive.
func (d *document) quantity(q int64) int64 {
	if d.inv.Kind == billing.KindCreditNote && q < 0 {
		return -q
	}
	return q
}

// original names the invoice a credit note returns: its number and issue
// day, or its id when the number was not read.
func original(inv *billing.Invoice) string {
	if inv.OriginalNumber == "" {
		return inv.OriginalID
	}
	return inv.OriginalNumber + " (" + day(inv.OriginalIssuedAt) + ")"
}
