package console

import (
	"net/http"

	"github.com/kanri/kanri/internal/errs"
)

func (c *Console) registerStatementPDF(rt *router) {
	rt.file("/partner/statements/{month}/pdf", c.partnerUser(c.statementPDF))
}

// statementPDF downloads the partner's wholesale statement of a month as
// a PDF (卸売明細書) in the reader's language.
func (c *Console) statementPDF(w http.ResponseWriter, r *http.Request) {
	p := Page{Area: "partner", Actor: actor(r), Title: "error.title", Lang: c.lang(r, "")}
	if c.svc.InvoicePDF == nil {
		c.fail(w, r, p, errs.E(errs.FailedPrecondition, "billing.pdf_unavailable"))
		return
	}
	month := r.PathValue("month")
	st, err := c.svc.Partners.Statement(r.Context(), actor(r).PartnerID, month, p.Lang)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	pdf, err := c.svc.InvoicePDF.RenderStatement(st.Statement, st.Partner.Name, c.svc.Billing.Issuer, p.Lang)
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	sendPDF(w, "statement-"+month+".pdf", pdf)
}
