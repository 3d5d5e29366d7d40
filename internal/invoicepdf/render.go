// Package invoicepdf draws an invoice or credit note as an A4 PDF with
// Japanese text: a qualified invoice (適格請求書, SPEC §8) that a tenant
// downloads from the console or receives by mail.
//
// The font, IPAex Gothic, is embedded in the binary (font/ipaexg.ttf, IPA
// Font License in font/LICENSE.txt): a font looked up on the host would make
// a fresh machine render tofu or fail. Each PDF carries only the subset of
// glyphs it uses (about 15 KB).
package invoicepdf

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
)

// fontFS holds the font and, because the IPA Font License asks that the
// font travel with its licence, the licence too.
//
//go:embed font/ipaexg.ttf font/LICENSE.txt
var fontFS embed.FS

// fontFamily is the name documents know the embedded font by.
const fontFamily = "ipaexg"

// The page geometry, in millimetres.
const (
	margin       = 15.0
	bottomMargin = 20.0
	pageWidth    = 210.0 // A4
	pageHeight   = 297.0
	bodyWidth    = pageWidth - 2*margin
	breakY       = pageHeight - bottomMargin
)

// Renderer draws invoices as PDF. It reads the font's bytes from the
// binary at the first rendering and keeps them, and nothing that a
// rendering changes: fpdf parses a font into each document (its glyph
// subset is per document), so a Renderer is safe for concurrent use and
// one per process is enough. A process that renders nothing never reads
// the font's 6 MB (not even the binary's pages that hold it: issue 18's
// idle memory); the font is part of the build, and this package's tests
// render with it.
type Renderer struct {
	font func() []byte
}

// New returns a Renderer with the embedded font.
func New() *Renderer {
	return &Renderer{font: sync.OnceValue(func() []byte {
		font, _ := fontFS.ReadFile("font/ipaexg.ttf") // embedded: it is there
		return font
	})}
}

// Render returns inv as a PDF, in Japanese, or in English when lang is "en".
// The output depends only on inv and lang when inv.IssuedAt is set: the
// document's dates are the issue time, so the same invoice gives the same
// bytes and tests can compare them.
func (r *Renderer) Render(inv *billing.Invoice, lang string) ([]byte, error) {
	if inv == nil {
		return nil, errors.New("render invoice: no invoice")
	}
	if inv.Number == "" { // between its issue and its numbering (billing.Service.NumberInvoices)
		return nil, errs.E(errs.Conflict, "billing.invoice_unnumbered")
	}
	l := labelsFor(lang, inv.Kind)
	pdf := r.newDocument(inv.IssuedAt)
	pdf.SetTitle(l.title+" "+clean(inv.Number), true)
	pdf.SetAuthor(clean(inv.IssuerName), true)
	d := &document{pdf: pdf, inv: inv, l: l, lang: lang}
	pdf.SetFooterFunc(d.footer)
	pdf.AliasNbPages("")
	pdf.AddPage()
	d.header()
	if err := d.table(); err != nil {
		return nil, fmt.Errorf("render invoice %s: %w", inv.Number, err)
	}
	d.totals()
	d.payment()
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("render invoice %s: %w", inv.Number, err)
	}
	return buf.Bytes(), nil
}

// newDocument starts an A4 document in the embedded font. fpdf reports a
// font it cannot parse only by the SetFont that follows ("undefined font"),
// which is why the font is selected here.
func (r *Renderer) newDocument(date time.Time) *fpdf.Fpdf {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(true, bottomMargin)
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(date)
	pdf.SetModificationDate(date)
	pdf.SetCreator("Kanri", false)
	pdf.AddUTF8FontFromBytes(fontFamily, "", r.font())
	pdf.SetFont(fontFamily, "", 10)
	return pdf
}

// day writes t's date in the billing calendar (JST), or "" for the zero time. Instants (IssuedAt,
// PaidAt) and civil days held at midnight UTC (DueAt may be either) both
// land on the intended date: midnight UTC is 09:00 the same day in JST.
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return billing.FormatDay(billing.Day(t, billing.CalendarZone()))
}

// period writes a line's period with its last day, not the first day after
// it that Line.PeriodEnd holds: people read a period as inclusive.
func period(ln billing.Line, through string) string {
	if ln.PeriodStart.IsZero() || ln.PeriodEnd.IsZero() {
		return ""
	}
	return billing.FormatDay(ln.PeriodStart) + through + billing.FormatDay(ln.PeriodEnd.AddDate(0, 0, -1))
}

// clean makes s safe for fpdf's UTF-8 fonts, whose width tables cover only
// the Basic Multilingual Plane: a rune beyond it (an emoji in a company
// name) would panic. It becomes 〓, the customary mark for a missing glyph.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r > 0xFFFF:
			return '〓'
		case r < ' ' && r != '\n':
			return ' '
		}
		return r
	}, s)
}
