package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

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

func (c *Console) methodsListFrame(r *http.Request) (*methodsPage, error) {
	return c.methodsFrame(r, "menu.billing_methods", Crumb{Key: "menu.billing_methods"})
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
func (c *Console) methodAddCard(w http.ResponseWriter, r *http.Request) {
	p, err := c.methodsListFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	if p.Form.Values, err = formValues(r); err == nil {
		err = c.addCard(r, p.Form.Values)
	}
	if err != nil {
		p.Form.Values.Del("card_number") // never echo a card number or CVC back
		p.Form.Values.Del("cvc")
		c.formFailed(w, r, "billing_methods", p, err)
		return
	}
	redirect(w, r, methodsURL, "billing_card_added")
}

func (c *Console) addCard(r *http.Request, v url.Values) error {
	month, err := strconv.Atoi(strings.TrimSpace(v.Get("exp_month")))
	if err != nil {
		return errs.Field("exp_month", "billing.exp_month_enter")
	}
	year, err := strconv.Atoi(strings.TrimSpace(v.Get("exp_year")))
	if err != nil {
		return errs.Field("exp_year", "billing.exp_year_enter")
	}
	number := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, v.Get("card_number"))
	_, err = c.svc.Billing.AddCard(r.Context(), actor(r).TenantID,
		billing.Card{Number: number, ExpMonth: month, ExpYear: year, CVC: strings.TrimSpace(v.Get("cvc"))})
	return err
}

// methodRequestInvoice asks for invoice payment (請求書払い): pending
// until an operator approves it.
func (c *Console) methodRequestInvoice(w http.ResponseWriter, r *http.Request) {
	if _, err := c.svc.Billing.RequestInvoicePayment(r.Context(), actor(r).TenantID); err != nil {
		c.methodFailed(w, r, err)
		return
	}
	redirect(w, r, methodsURL, "billing_invoice_requested")
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

func (c *Console) methodSetDefault(w http.ResponseWriter, r *http.Request) {
	if _, err := c.svc.Billing.SetDefault(r.Context(), actor(r).TenantID, r.PathValue("pm")); err != nil {
		c.methodFailed(w, r, err)
		return
	}
	redirect(w, r, methodsURL, "billing_default_set")
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
