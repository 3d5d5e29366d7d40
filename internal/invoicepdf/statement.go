package invoicepdf

import "github.com/kanri/kanri/internal/billing"

// statementKind is the kind labelsFor titles a wholesale statement by.
const statementKind = "statement"

// RenderStatement returns a partner's wholesale statement as a PDF in the
// invoice's layout: titled 卸売明細書, to the partner, numbered by its
// month and dated the month's last day, a row per customer's span with
// the customer's name first. The same statement gives the same bytes.
func (r *Renderer) RenderStatement(st *billing.Statement, partner string, issuer billing.Issuer, lang string) ([]byte, error) {
	inv := &billing.Invoice{Number: st.Month.Format("2006-01"), Kind: statementKind, Currency: st.Currency, Subtotal: st.Subtotal,
		Taxes: st.Taxes, Tax: st.Tax, Total: st.Total, IssuerName: issuer.Name, IssuerRegistration: issuer.Registration,
		RecipientName: partner, IssuedAt: st.Month.AddDate(0, 1, -1), Status: billing.InvoiceOpen}
	for _, l := range st.Lines {
		line := l.Line
		line.Description = l.Customer + ": " + line.Description
		inv.Lines = append(inv.Lines, line)
	}
	return r.Render(inv, lang)
}
