package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/width"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/money"
	"github.com/kanri/kanri/internal/text"
)

// opsInvoicesURL is the search of every tenant's invoices.
const opsInvoicesURL = "/ops/invoices"

// opsInvoiceFilters are the search's query parameters (and its page
// size), kept by the page and export links.
var opsInvoiceFilters = []string{"from", "to", "min_total", "max_total", "number", "counterparty", "status", "kind", "aging", "limit"}

func (c *Console) registerOpsInvoices(rt *router) {
	rt.page(opsInvoicesURL, c.opsOnly(c.opsInvoices))
	rt.file(opsInvoicesURL+"/export.csv", c.opsOnly(c.opsInvoicesExport))
	rt.page(opsInvoicesURL+"/aging", c.opsOnly(c.opsAging))
	rt.page(opsInvoicesURL+"/{i}", c.opsOnly(c.opsInvoice))
	rt.file(opsInvoicesURL+"/{i}/pdf", c.opsOnly(c.opsInvoicePDF))
	rt.post(opsInvoicesURL+"/{i}/paid", c.opsOnly(c.opsInvoicePaid))
}

// opsInvoicesPage is 請求書検索: every tenant's invoices searched by issue
// day, total, number, counterparty, status, kind or aging bucket, a page
// at a time, with the CSV export of the same search.
type opsInvoicesPage struct {
	Page
	opsMoney
	opsPaging
	Invoices []*billing.FoundInvoice
	Statuses []string
	Kinds    []string
	Agings   []string
	Currency string // the catalog's: amounts are typed in it
	ZoneAbbr string // the reader's zone, in which days are read: JST
	Here     string // this page's address, where "mark paid" comes back
	Export   string
	// ExportShiftJIS is Export in Shift_JIS.
	ExportShiftJIS string
}

func (c *Console) newOpsInvoicesPage(r *http.Request) *opsInvoicesPage {
	p := &opsInvoicesPage{Page: c.opsPage(r, "ops.invoices.title", Crumb{Key: "ops.invoices.title"}),
		Statuses: []string{billing.InvoiceOpen, billing.InvoicePaid, billing.InvoiceIssued, billing.InvoiceRefunded, billing.InvoiceCredited},
		Kinds:    []string{billing.KindInvoice, billing.KindCreditNote}, Agings: billing.AgingKeys(),
		Currency: c.svc.Billing.Plans().Currency}
	p.Zone = c.cfg.Zone
	p.ZoneAbbr = c.cfg.Clock.Now().In(p.Zone).Format("MST")
	p.Form.Values = url.Values{}
	q := r.URL.Query()
	for _, k := range opsInvoiceFilters {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			p.Form.Values.Set(k, v)
		}
	}
	here := url.Values{}
	for k, v := range q {
		if k != "flash" {
			here[k] = v
		}
	}
	p.Here = opsInvoicesURL
	if len(here) > 0 {
		p.Here += "?" + here.Encode()
	}
	p.Export = p.url(opsInvoicesURL + "/export.csv")
	p.ExportShiftJIS = shiftJISURL(p.Export)
	return p
}

// url is path with the search's filters.
func (p *opsInvoicesPage) url(path string) string {
	if len(p.Form.Values) == 0 {
		return path
	}
	return path + "?" + p.Form.Values.Encode()
}

func (c *Console) opsInvoices(w http.ResponseWriter, r *http.Request) {
	p := c.newOpsInvoicesPage(r)
	f, err := p.search()
	var next string
	after := r.URL.Query().Get("after")
	if err == nil {
		f.Limit = opsListSize(r.URL.Query())
		p.Invoices, next, err = c.svc.Billing.SearchInvoices(r.Context(), f, after)
	}
	if err != nil {
		c.opsInvoicesRefused(w, r, p, err)
		return
	}
	p.opsPaging = pagingOf(opsInvoicesURL, p.Form.Values, after, next)
	c.render(w, r, http.StatusOK, "ops_invoices", p)
}

// opsInvoicesRefused shows the search with the reason next to its field
// (a cursor's beside the list), or the error page for other errors.
func (c *Console) opsInvoicesRefused(w http.ResponseWriter, r *http.Request, p *opsInvoicesPage, err error) {
	if c.refuseCursor(r, &p.Page, err) {
		p.First = p.url(opsInvoicesURL)
		c.render(w, r, http.StatusBadRequest, "ops_invoices", p)
		return
	}
	c.formFailed(w, r, "ops_invoices", p, err)
}

// search reads the page's filters: days are whole days in the reader's
// zone, to included; totals are in the catalog's currency as people type
// them (¥-5,400, full-width digits).
func (p *opsInvoicesPage) search() (billing.InvoiceSearch, error) {
	f := billing.InvoiceSearch{Number: p.Value("number"), Counterparty: p.Value("counterparty"), Status: p.Value("status"),
		Kind: p.Value("kind"), Aging: p.Value("aging")}
	var err error
	if f.From, err = p.day("from", "field.from"); err != nil {
		return f, err
	}
	if f.To, err = p.day("to", "field.to_date"); err != nil {
		return f, err
	}
	if !f.To.IsZero() {
		f.To = f.To.AddDate(0, 0, 1)
	}
	if f.MinTotal, err = parseAmount("min_total", p.Value("min_total"), p.Currency); err != nil {
		return f, err
	}
	f.MaxTotal, err = parseAmount("max_total", p.Value("max_total"), p.Currency)
	return f, err
}

// day reads the date field name in the reader's zone; zero when empty.
func (p *opsInvoicesPage) day(name string, label i18n.Term) (time.Time, error) {
	s := width.Narrow.String(p.Value(name))
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.ParseInLocation(time.DateOnly, strings.ReplaceAll(s, "/", "-"), p.Zone)
	if err != nil {
		return t, errs.Field(name, "billing.day_invalid", "day", label)
	}
	return t, nil
}

// parseAmount reads an amount of currency as people type it, into minor
// units: "-59,400", "¥59400", "－５９４００", "−1,000" (a minus sign),
// "12.50" where the currency has cents. "" is none.
func parseAmount(field, raw, currency string) (*int64, error) {
	s := strings.NewReplacer(",", "", "¥", "", "円", "", " ", "", "\u2212", "-").Replace(width.Narrow.String(strings.TrimSpace(raw)))
	if s == "" {
		return nil, nil
	}
	digits := money.Digits(currency)
	neg := strings.HasPrefix(s, "-")
	whole, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	n, err := strconv.ParseUint(whole+frac+strings.Repeat("0", max(digits-len(frac), 0)), 10, 63)
	if err != nil || whole == "" || len(frac) > digits || strings.ContainsAny(whole+frac, "+-") {
		return nil, errs.Field(field, "ops.invoices.amount_invalid", "amount", text.Printable(raw))
	}
	v := int64(n)
	if neg {
		v = -v
	}
	return &v, nil
}

// opsInvoicesExport downloads every invoice the search finds as CSV. A
// refusal found before the first byte (a bad filter) shows the search
// with its reason instead.
func (c *Console) opsInvoicesExport(w http.ResponseWriter, r *http.Request) {
	p := c.newOpsInvoicesPage(r)
	f, err := p.search()
	var out *csvDownload
	if err == nil {
		out, err = newCSVDownload(w, r.URL.Query(), "invoices-"+c.cfg.Clock.Now().In(p.Zone).Format("20060102")+".csv")
	}
	if err == nil {
		err = out.close(c.svc.Billing.ExportInvoices(r.Context(), f, p.Zone, out))
	}
	if err == nil {
		return
	}
	if out == nil || !out.started {
		c.opsInvoicesRefused(w, r, p, err)
		return
	}
	c.log.ErrorContext(r.Context(), "invoice export failed midway", "err", err)
	panic(http.ErrAbortHandler) // a cut-off file must not look complete
}

// opsInvoicePaid records a bank transfer for an open invoice from the
// search, and goes back to the search it came from.
func (c *Console) opsInvoicePaid(w http.ResponseWriter, r *http.Request) {
	v, err := formValues(r)
	if err == nil {
		_, err = c.svc.Billing.MarkPaid(r.Context(), r.PathValue("i"))
	}
	if err != nil {
		c.fail(w, r, c.opsPage(r, "error.title"), err)
		return
	}
	back := localPath(v.Get("back"), opsInvoicesURL+"/"+url.PathEscape(r.PathValue("i")))
	if !strings.HasPrefix(back, "/ops/") {
		back = opsInvoicesURL
	}
	redirect(w, r, back, "ops_invoice_paid")
}
