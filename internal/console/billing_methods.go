package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
)

// methodsURL is 購入/請求 > 決済方法の管理.
const methodsURL = billingURL + "/payment-methods"

func (c *Console) registerPaymentMethods(rt *router) {
	b := c.billingOnly
	rt.page(methodsURL, b(c.methodsList))
	rt.post(methodsURL+"/cards", b(c.methodAddCard))
	rt.post(methodsURL+"/invoice", b(c.methodRequestInvoice))
	rt.post(methodsURL+"/{pm}/default", b(c.methodSetDefault))
	rt.page(methodsURL+"/{pm}/remove", b(c.methodRemovePage))
	rt.post(methodsURL+"/{pm}/remove", b(c.methodRemove))
}

// methodsPage is 決済方法の管理: the methods, the card form and the
// request for invoice payment.
type methodsPage struct {
	billingFrame
	Methods []*billing.PaymentMethod
	Method  *billing.PaymentMethod // the one to remove
	// InvoiceAsked: invoice payment is requested or approved already.
	InvoiceAsked bool
	// TestCards are the test provider's numbers, shown as a hint.
	TestCards []testCard
	// Return is the page under 購入/請求 the admin came from (the upgrade
	// wizard), gone back to once a usable method is the default; "" when
	// none.
	Return string
	// Needed is why the admin was sent here (a catalog key): the page they
	// came from needs a usable payment method first.
	Needed string
	// Trouble is why the default card cannot pay (a catalog key), "" when
	// nothing is known against it; Suggest are the other usable methods,
	// offered as the default then.
	Trouble string
	Suggest []*billing.PaymentMethod
}

// testCard is a number of the test payment provider and what it does.
type testCard struct{ Number, Key string }

var testCards = []testCard{
	{"4242 4242 4242 4242", "billing.card.test.ok"},
	{"5555 5555 5555 4444", "billing.card.test.ok"},
	{"4000 0000 0000 0002", "billing.card.test.refused"},
	{"4000 0000 0000 0341", "billing.card.test.declined"},
	{"4000 0000 0000 9995", "billing.card.test.funds"},
}

// Expiry is a card's expiry: 12/2030.
func (methodsPage) Expiry(m *billing.PaymentMethod) string {
	if m.Kind != billing.MethodCard {
		return "—"
	}
	return strconv.Itoa(m.ExpMonth) + "/" + strconv.Itoa(m.ExpYear)
}

// Suggested reports whether m is offered as the default instead of a
// default card that cannot pay.
func (p *methodsPage) Suggested(m *billing.PaymentMethod) bool {
	for _, s := range p.Suggest {
		if s.ID == m.ID {
			return true
		}
	}
	return false
}

// usableMethod is the default payment method when it can be charged or
// invoiced (active), else nil: what a paid plan needs (SPEC §4).
func usableMethod(ms []*billing.PaymentMethod) *billing.PaymentMethod {
	for _, m := range ms {
		if m.Default && m.Status == billing.MethodActive {
			return m
		}
	}
	return nil
}

// billingReturn is ret when it is a page of this site under 購入/請求,
// without a notice of its own, else "": 決済方法の管理 returns there only.
func billingReturn(ret string) string {
	ret = localPath(ret, "")
	u, err := url.Parse(ret)
	if ret == "" || err != nil || path.Clean(u.Path) != u.Path ||
		(u.Path != billingURL && !strings.HasPrefix(u.Path, billingURL+"/")) {
		return ""
	}
	q := u.Query()
	q.Del("flash")
	u.RawQuery = q.Encode()
	return u.String()
}

// methodsURLFor is 決済方法の管理, returning to ret once a usable method
// is the default.
func methodsURLFor(ret string) string {
	if ret = billingReturn(ret); ret == "" {
		return methodsURL
	}
	return methodsURL + "?return=" + url.QueryEscape(ret)
}

func (c *Console) methodsFrame(r *http.Request, title string, crumbs ...Crumb) (*methodsPage, error) {
	f, err := c.billingFrame(r, title, crumbs...)
	p := &methodsPage{billingFrame: f, TestCards: testCards}
	if err != nil {
		return p, err
	}
	p.Methods, err = c.svc.Billing.PaymentMethods(r.Context(), actor(r).TenantID)
	for _, m := range p.Methods {
		p.InvoiceAsked = p.InvoiceAsked || m.Kind == billing.MethodInvoice
	}
	return p, err
}

// methodsListFrame is the list with where to return to (the query's or
// the form's return) and what the default's state calls for.
func (c *Console) methodsListFrame(r *http.Request) (*methodsPage, error) {
	p, err := c.methodsFrame(r, "menu.billing_methods", Crumb{Key: "menu.billing_methods"})
	if err != nil {
		return p, err
	}
	p.Return = billingReturn(r.FormValue("return"))
	def := usableMethod(p.Methods)
	switch {
	case p.Return != "" && def == nil && p.InvoiceAsked:
		p.Needed = "billing.methods.needed_pending"
	case p.Return != "" && def == nil:
		p.Needed = "billing.methods.needed"
	}
	if p.Trouble = c.cardTrouble(r, def); p.Trouble != "" {
		for _, m := range p.Methods {
			if !m.Default && m.Status == billing.MethodActive {
				p.Suggest = append(p.Suggest, m)
			}
		}
	}
	return p, nil
}

// cardTrouble is why def, the default method, cannot pay, as a catalog
// key: a card that has expired (good through its expiry month, in UTC, as
// the gateway reads it), or one refused since it became the default. ""
// when nothing is known against it.
func (c *Console) cardTrouble(r *http.Request, def *billing.PaymentMethod) string {
	if def == nil || def.Kind != billing.MethodCard {
		return ""
	}
	now := c.cfg.Clock.Now().UTC()
	if def.ExpYear < now.Year() || def.ExpYear == now.Year() && def.ExpMonth < int(now.Month()) {
		return "billing.methods.trouble.expired"
	}
	events, _, err := c.svc.Audit.List(r.Context(), audit.Filter{TenantID: actor(r).TenantID, Action: "payment", Limit: 20}, "")
	if err != nil { // only a hint: the page works without it
		c.log.WarnContext(r.Context(), "read the payment events", "err", err)
		return ""
	}
	if declinedSinceDefault(events) {
		return "billing.methods.trouble.declined"
	}
	return ""
}

// declinedSinceDefault reports whether the payment events (newest first;
// payment.failed and payment_method.*) hold a refused charge newer than
// the last change of the default method. A charge is always taken from
// the default, so that refusal was the current default's.
func declinedSinceDefault(events []*audit.Event) bool {
	for _, e := range events {
		if e.Action == "payment.failed" {
			return true
		}
		var snap struct {
			Default bool `json:"default"`
		}
		_ = json.Unmarshal(e.After, &snap) // a snapshot that does not read changed no default
		if e.Action == "payment_method.default_set" || strings.HasPrefix(e.Action, "payment_method.") && snap.Default {
			return false
		}
	}
	return false
}

func (c *Console) methodsList(w http.ResponseWriter, r *http.Request) {
	p, err := c.methodsListFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "billing_methods", p)
}

// methodAddCard hands the card to the provider; Kanri keeps its token only.
// Then back to where the admin came from, unless the new card is not the
// default while the default cannot pay: the list then offers it as the
// default first.
func (c *Console) methodAddCard(w http.ResponseWriter, r *http.Request) {
	v, err := formValues(r) // first: a body over the limit is a refusal to show
	p, ferr := c.methodsListFrame(r)
	if ferr != nil {
		c.fail(w, r, p.Page, ferr)
		return
	}
	var m *billing.PaymentMethod
	if p.Form.Values = v; err == nil {
		m, err = c.addCard(r, v)
	}
	if err != nil {
		p.Form.Values.Del("card_number") // never echo a card number or CVC back
		p.Form.Values.Del("cvc")
		c.formFailed(w, r, "billing_methods", p, err)
		return
	}
	to := p.Return
	if to == "" || !m.Default && p.Trouble != "" {
		to = methodsURLFor(p.Return)
	}
	redirect(w, r, to, "billing_card_added")
}

func (c *Console) addCard(r *http.Request, v url.Values) (*billing.PaymentMethod, error) {
	month, err := strconv.Atoi(strings.TrimSpace(v.Get("exp_month")))
	if err != nil {
		return nil, errs.Field("exp_month", "billing.exp_month_enter")
	}
	year, err := strconv.Atoi(strings.TrimSpace(v.Get("exp_year")))
	if err != nil {
		return nil, errs.Field("exp_year", "billing.exp_year_enter")
	}
	number := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, v.Get("card_number"))
	return c.svc.Billing.AddCard(r.Context(), actor(r).TenantID,
		billing.Card{Number: number, ExpMonth: month, ExpYear: year, CVC: strings.TrimSpace(v.Get("cvc"))})
}

// methodRequestInvoice asks for invoice payment (請求書払い): pending
// until an operator approves it, so the list stays, with where to return.
func (c *Console) methodRequestInvoice(w http.ResponseWriter, r *http.Request) {
	if _, err := c.svc.Billing.RequestInvoicePayment(r.Context(), actor(r).TenantID); err != nil {
		c.methodFailed(w, r, err)
		return
	}
	redirect(w, r, methodsURLFor(r.FormValue("return")), "billing_invoice_requested")
}

// methodFailed shows the list again with err's reason.
func (c *Console) methodFailed(w http.ResponseWriter, r *http.Request, err error) {
	p, ferr := c.methodsListFrame(r)
	if ferr != nil {
		c.fail(w, r, p.Page, ferr)
		return
	}
	if errs.Is(err, errs.NotFound) {
		c.fail(w, r, p.Page, err)
		return
	}
	c.formFailed(w, r, "billing_methods", p, err)
}

// methodSetDefault makes a method the default: back to where the admin
// came from, which it can now pay for.
func (c *Console) methodSetDefault(w http.ResponseWriter, r *http.Request) {
	if _, err := c.svc.Billing.SetDefault(r.Context(), actor(r).TenantID, r.PathValue("pm")); err != nil {
		c.methodFailed(w, r, err)
		return
	}
	to := billingReturn(r.FormValue("return"))
	if to == "" {
		to = methodsURL
	}
	redirect(w, r, to, "billing_default_set")
}

// methodFrame is the removal's confirmation; another tenant's method is
// NotFound.
func (c *Console) methodFrame(r *http.Request) (*methodsPage, error) {
	p, err := c.methodsFrame(r, "billing.method.remove_title",
		Crumb{Key: "menu.billing_methods", Href: methodsURL}, Crumb{Key: "billing.method.remove_title"})
	if err != nil {
		return p, err
	}
	for _, m := range p.Methods {
		if m.ID == r.PathValue("pm") {
			p.Method = m
			return p, nil
		}
	}
	return p, errs.E(errs.NotFound, "billing.method_not_found")
}

func (c *Console) methodRemovePage(w http.ResponseWriter, r *http.Request) {
	p, err := c.methodFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "billing_method_remove", p)
}

func (c *Console) methodRemove(w http.ResponseWriter, r *http.Request) {
	p, err := c.methodFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	if err := c.svc.Billing.RemoveMethod(r.Context(), actor(r).TenantID, p.Method.ID); err != nil {
		c.formFailed(w, r, "billing_method_remove", p, err)
		return
	}
	redirect(w, r, methodsURL, "billing_method_removed")
}
