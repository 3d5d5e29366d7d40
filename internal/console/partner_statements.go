package console

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/partner"
)

// statementsURL is the portal's 卸売明細: a month's statement is under it,
// its CSV and PDF (partner_statement_pdf.go) under that.
const statementsURL = "/partner/statements"

// maxStatementMonths is how far back a list of months goes at most.
const maxStatementMonths = 12

func (c *Console) registerPartnerStatements(rt *router) {
	rt.page(statementsURL, c.partnerUser(c.portalStatements))
	rt.page(statementsURL+"/{month}", c.partnerUser(c.portalStatement))
	rt.file(statementsURL+"/{month}/csv", c.partnerUser(c.portalStatementCSV))
}

// monthLink is a month in a list of statements.
type monthLink struct {
	Month string // 2027-04, as the statement's address has it
	Label string // 2027年4月, April 2027
	// Current is this month, whose statement runs on to the month's end on
	// today's terms: an estimate.
	Current bool
}

// statementMonths lists the months in the reader's zone that have a
// statement, newest first: from the month the first of cs switched to the
// partner, the last 12 at most; none without a customer.
func (c *Console) statementMonths(cs []*partner.Customer, lang string) []monthLink {
	if len(cs) == 0 {
		return nil
	}
	now := c.cfg.Clock.Now().In(c.cfg.Zone)
	first := now
	for _, cu := range cs {
		if !cu.SwitchedAt.IsZero() && cu.SwitchedAt.Before(first) {
			first = cu.SwitchedAt
		}
	}
	first = firstOfMonth(first.In(c.cfg.Zone))
	var out []monthLink
	for m := firstOfMonth(now); !m.Before(first) && len(out) < maxStatementMonths; m = m.AddDate(0, -1, 0) {
		out = append(out, monthLink{Month: m.Format("2006-01"), Label: monthLabel(m, lang), Current: len(out) == 0})
	}
	return out
}

func firstOfMonth(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location())
}

// monthLabel names m's month in lang: 2027年4月, or April 2027.
func monthLabel(m time.Time, lang string) string {
	if lang == langEN {
		return m.Format("January 2006")
	}
	return m.Format("2006年1月")
}

// statementsPage is 卸売明細: a month to pick, last month's by default,
// and the months that have a statement.
type statementsPage struct {
	Page
	Months []monthLink
}

// portalStatements shows the months, or goes to the month picked
// (?month=, the picker's GET form); a month that is none is refused on the
// picker.
func (c *Console) portalStatements(w http.ResponseWriter, r *http.Request) {
	p := &statementsPage{Page: c.portalPage(r, "menu.partner_statements",
		Crumb{Key: "partner.portal.title", Href: "/partner"}, Crumb{Key: "menu.partner_statements"})}
	picked := strings.TrimSpace(r.URL.Query().Get("month"))
	if _, err := time.Parse("2006-01", picked); err == nil {
		http.Redirect(w, r, statementsURL+"/"+picked, http.StatusSeeOther)
		return
	}
	cs, err := c.svc.Partners.Customers(r.Context())
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	p.Months = c.statementMonths(cs, p.Lang)
	last := firstOfMonth(c.cfg.Clock.Now().In(c.cfg.Zone)).AddDate(0, -1, 0)
	p.Form.Values = url.Values{"month": {last.Format("2006-01")}}
	if picked != "" {
		p.Form.Values.Set("month", picked)
		c.formFailed(w, r, "partner_statements", p, errs.Field("month", "partner.month_invalid", "month", picked))
		return
	}
	c.render(w, r, http.StatusOK, "partner_statements", p)
}

// statementPage is a partner's statement for a month, to the partner in
// the portal and to operators in theirs.
type statementPage struct {
	billingFrame
	Statement *partner.Statement
	MonthName string
	CSVURL    string
	PDFURL    string // "" where no PDF is served (the operators' console)
	// CustomerURL, followed by a tenant id, is where a line's customer links.
	CustomerURL string
}

// withCatalog frames p with the catalog and how money and billing days
// read, for the portal's and the operators' pages that show them.
func (c *Console) withCatalog(p Page) billingFrame {
	return billingFrame{Page: p, Catalog: c.svc.Billing.Plans(), Calendar: c.svc.Billing.Zone}
}

// showStatement renders partnerID's statement for the path's month; a
// month that is none, or another partner's statement, is an error page,
// so no link is made of a path the service did not accept.
func (c *Console) showStatement(w http.ResponseWriter, r *http.Request, p *statementPage, partnerID string) {
	var err error
	if p.Statement, err = c.svc.Partners.Statement(r.Context(), partnerID, r.PathValue("month"), p.Lang); err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	p.MonthName = monthLabel(p.Statement.Month, p.Lang)
	c.render(w, r, http.StatusOK, "partner_statement", p)
}

func (c *Console) portalStatement(w http.ResponseWriter, r *http.Request) {
	page := c.portalPage(r, "partner.statement.title", Crumb{Key: "partner.portal.title", Href: "/partner"},
		Crumb{Key: "menu.partner_statements", Href: statementsURL}, Crumb{Key: "partner.statement.title"})
	base := statementsURL + "/" + r.PathValue("month")
	p := &statementPage{billingFrame: c.withCatalog(page), CSVURL: base + "/csv", PDFURL: base + "/pdf", CustomerURL: customerURL("")}
	c.showStatement(w, r, p, actor(r).PartnerID)
}

// opsStatement is a partner's statement in the operators' console.
func (c *Console) opsStatement(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("p")
	page := c.opsPage(r, "partner.statement.title", Crumb{Key: "ops.partners.title", Href: "/ops/partners"},
		Crumb{Key: "ops.partner.title", Href: "/ops/partners/" + id}, Crumb{Key: "partner.statement.title"})
	csv := "/ops/partners/" + id + "/statements/" + r.PathValue("month") + "/csv"
	c.showStatement(w, r, &statementPage{billingFrame: c.withCatalog(page), CSVURL: csv, CustomerURL: "/ops/tenants/"}, id)
}

func (c *Console) portalStatementCSV(w http.ResponseWriter, r *http.Request) {
	c.statementCSV(w, r, c.portalPage(r, "error.title"), actor(r).PartnerID)
}

func (c *Console) opsStatementCSV(w http.ResponseWriter, r *http.Request) {
	c.statementCSV(w, r, c.opsPage(r, "error.title"), r.PathValue("p"))
}

// statementCSV downloads partnerID's statement for the path's month as
// CSV in the reader's language (UTF-8 with a byte-order mark, or what the
// query's encoding names). The statement is read whole before the first
// byte, so a refusal is still a page.
func (c *Console) statementCSV(w http.ResponseWriter, r *http.Request, p Page, partnerID string) {
	month := r.PathValue("month")
	st, err := c.svc.Partners.Statement(r.Context(), partnerID, month, p.Lang)
	var out *csvDownload
	if err == nil {
		out, err = newCSVDownload(w, r.URL.Query(), "statement-"+month+".csv")
	}
	if err == nil {
		err = out.close(st.WriteCSV(out, p.Lang))
	}
	switch {
	case err != nil && (out == nil || !out.started):
		c.fail(w, r, p, err)
	case err != nil:
		// Half a file must not look like a whole one: break the download.
		c.log.ErrorContext(r.Context(), "statement export broke off", "err", err)
		panic(http.ErrAbortHandler)
	}
}
