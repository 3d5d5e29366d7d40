package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/domain"
	"github.com/kanri/kanri/internal/errs"
)

// The wizard's steps (seed 000 STEP 2–4), as the form's step field names
// them: 商品の選択 → 商品・価格の確認 → ドメインの設定 (a plan with mail)
// → 契約内容の確認.
const (
	stepPlan    = "plan"
	stepPrice   = "price"
	stepDomain  = "domain"
	stepConfirm = "confirm"
)

// upgradePage is the wizard: one page struct, Step says which step shows.
type upgradePage struct {
	contractPage
	Step    string // stepPlan, stepPrice, stepDomain or stepConfirm
	Plans   []*billing.Plan
	Domains []*domain.Domain // ドメインの設定: the verified domains
	Terms   billing.Terms
	Mail    string // the chosen mail domain
	Quote   *billing.Quote
	Method  *billing.PaymentMethod // what pays the quote
	// Notice is a catalog key shown above the quote: why it shows again.
	Notice string
	// Declined: the last 追加する was refused because the card was; the
	// page links to 決済方法の管理 to change it.
	Declined bool
}

// Contracts lists the contracts in screen order.
func (*upgradePage) Contracts() []string { return billing.Contracts }

// Steps are the wizard's steps: ドメインの設定 only for a plan with mail.
func (p *upgradePage) Steps() []string {
	steps := []string{stepPlan, stepPrice, stepDomain, stepConfirm}
	if pl := p.Catalog.Plan(p.Terms.Plan); pl == nil || !pl.HasFeature(billing.FeatureMail) {
		steps = slices.Delete(steps, 2, 3)
	}
	for i, s := range steps {
		steps[i] = "billing.step." + s
	}
	return steps
}

// StepKey is the current step's key.
func (p *upgradePage) StepKey() string { return "billing.step." + p.Step }

// LicensesValue is the license count the form shows.
func (p *upgradePage) LicensesValue() string {
	if v := p.Value("licenses"); v != "" {
		return v
	}
	if p.Terms.Licenses > 0 {
		return strconv.Itoa(p.Terms.Licenses)
	}
	return strconv.Itoa(max(p.Billable, 1))
}

// PerUnit is the catalog key of what contract's price is per.
func (*upgradePage) PerUnit(contract string) string {
	if contract == billing.Monthly {
		return "billing.per_member_month"
	}
	return "billing.per_license_month"
}

// YearPrice is a year of plan's price on contract, per license: ¥5,400.
func (p *upgradePage) YearPrice(pl *billing.Plan, contract string) string {
	return p.Yen(pl.Prices[contract] * 12)
}

// BackURL is the first step with the chosen terms: 戻る.
func (p *upgradePage) BackURL() string { return wizardURL(p.Terms) }

// MethodsURL is 決済方法の管理, which returns to the wizard with the
// chosen terms once a usable method is registered.
func (p *upgradePage) MethodsURL() string { return methodsURLFor(wizardURL(p.Terms)) }

// wizardURL is the wizard's first step with terms chosen.
func wizardURL(t billing.Terms) string {
	q := url.Values{}
	if t.Plan != "" {
		q.Set("plan", t.Plan)
	}
	if t.Contract != "" {
		q.Set("contract", t.Contract)
	}
	if t.Licenses > 0 {
		q.Set("licenses", strconv.Itoa(t.Licenses))
	}
	if len(q) == 0 {
		return billingURL + "/upgrade"
	}
	return billingURL + "/upgrade?" + q.Encode()
}

// needsMethod reports whether the tenant must register a usable payment
// method before the wizard can price anything (seed 000: 決済方法 first).
// A partner's customer pays through its partner.
func (p *upgradePage) needsMethod() bool {
	return p.Partner == "" && usableMethod(p.Methods) == nil
}

func (c *Console) upgradeFrame(r *http.Request) (*upgradePage, error) {
	cp, err := c.contractFrame(r, "billing.upgrade.title",
		Crumb{Key: "menu.billing_contract", Href: billingURL}, Crumb{Key: "billing.upgrade.title"})
	p := &upgradePage{contractPage: *cp, Step: stepPlan}
	if err != nil {
		return p, err
	}
	for _, pl := range p.Catalog.Plans {
		if !pl.Free {
			p.Plans = append(p.Plans, pl)
		}
	}
	p.Terms = p.Sub.Terms
	if p.Free() {
		p.Terms = billing.Terms{Contract: billing.Monthly}
	}
	p.Mail = p.Sub.MailDomain
	return p, nil
}

// upgradeStart is 商品の選択, prefilled with the current terms or those
// of the query (plan, contract, licenses: where 決済方法の管理 returns
// to). Without a usable payment method it sends the admin to register one
// first.
func (c *Console) upgradeStart(w http.ResponseWriter, r *http.Request) {
	p, err := c.upgradeFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	q := r.URL.Query()
	if pl := p.Catalog.Plan(q.Get("plan")); pl != nil && !pl.Free {
		p.Terms.Plan = pl.ID
	}
	if slices.Contains(billing.Contracts, q.Get("contract")) {
		p.Terms.Contract = q.Get("contract")
	}
	if n, err := strconv.Atoi(q.Get("licenses")); err == nil && n > 0 {
		p.Terms.Licenses = n
	}
	if p.needsMethod() { // back here as it was asked for
		http.Redirect(w, r, methodsURLFor(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	c.render(w, r, http.StatusOK, "billing_upgrade", p)
}

// readTerms reads the wizard's hidden or visible fields.
func (p *upgradePage) readTerms(v url.Values) error {
	p.Form.Values = v
	p.Terms = billing.Terms{Plan: v.Get("plan"), Contract: v.Get("contract")}
	p.Mail = strings.TrimSpace(v.Get("mail_domain"))
	pl := p.Catalog.Plan(p.Terms.Plan)
	switch {
	case pl == nil || pl.Free:
		return errs.Field("plan", "billing.plan_choose")
	case !pl.Offers(p.Terms.Contract):
		return errs.Field("contract", "billing.contract_choose")
	case p.Terms.Contract == billing.Monthly:
		return nil
	}
	n, err := strconv.Atoi(strings.TrimSpace(v.Get("licenses")))
	if err != nil || n < 1 {
		return errs.Field("licenses", "billing.licenses_enter", "min", max(p.Billable, 1))
	}
	p.Terms.Licenses = n
	return nil
}

// upgradeForm reads the wizard's posted terms, or answers the refusal; a
// tenant without a usable payment method is sent to register one, and
// comes back to these terms.
func (c *Console) upgradeForm(w http.ResponseWriter, r *http.Request) (*upgradePage, url.Values, bool) {
	p, err := c.upgradeFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return nil, nil, false
	}
	v, err := formValues(r)
	if err == nil {
		err = p.readTerms(v)
	}
	if p.needsMethod() {
		http.Redirect(w, r, p.MethodsURL(), http.StatusSeeOther)
		return nil, nil, false
	}
	if err != nil {
		c.formFailed(w, r, "billing_upgrade", p, err)
		return nil, nil, false
	}
	return p, v, true
}

// upgradeStep moves the wizard on from the step the form names: from
// 商品の選択 to 商品・価格の確認; then to ドメインの設定 when the plan has
// mail and no domain is chosen yet, else to 契約内容の確認 with a quote.
// A refusal shows the step it belongs to with its reason.
func (c *Console) upgradeStep(w http.ResponseWriter, r *http.Request) {
	p, v, ok := c.upgradeForm(w, r)
	if !ok {
		return
	}
	pl := p.Catalog.Plan(p.Terms.Plan)
	switch step := v.Get("step"); {
	case step != stepPrice && step != stepDomain:
		c.priceStep(w, r, p)
	case pl.HasFeature(billing.FeatureMail) && p.Mail == "" && p.Sub.MailDomain == "":
		c.domainStep(w, r, p, nil)
	default:
		c.quoteStep(w, r, p, "", "")
	}
}

// mailDomains are the tenant's verified domains a plan with mail can use,
// and the one offered first: the provided domain, else the contract's.
func (c *Console) mailDomains(r *http.Request, p *upgradePage) ([]*domain.Domain, string, error) {
	ds, err := c.svc.Domains.List(r.Context(), actor(r).TenantID)
	if err != nil {
		return nil, "", err
	}
	var usable []*domain.Domain
	first := ""
	for _, d := range ds {
		if d.Status == domain.StatusActive || d.Status == domain.StatusPrimaryChanging {
			usable = append(usable, d)
		}
		if first == "" && d.Kind == domain.KindProvided {
			first = d.Name
		}
	}
	if first == "" {
		first = p.Sub.MailDomain
	}
	return usable, first, nil
}

// domainStep shows ドメインの設定: the tenant's verified domains, the
// provided one chosen unless another was.
func (c *Console) domainStep(w http.ResponseWriter, r *http.Request, p *upgradePage, refusal error) {
	ds, first, err := c.mailDomains(r, p)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	p.Step, p.Domains = stepDomain, ds
	if p.Mail == "" {
		p.Mail = first
	}
	if refusal != nil {
		c.formFailed(w, r, "billing_upgrade", p, refusal)
		return
	}
	c.render(w, r, http.StatusOK, "billing_upgrade", p)
}

// priceStep shows 商品・価格の確認 (seed 000 STEP 3): the chosen plan,
// contract and licenses, the unit price, each prorated line and the tax
// per rate, as the quote prices them. A plan with mail whose domain is
// chosen on the next step is priced on the domain offered first: the
// domain does not change the price.
func (c *Console) priceStep(w http.ResponseWriter, r *http.Request, p *upgradePage) {
	mail := p.Mail
	if pl := p.Catalog.Plan(p.Terms.Plan); pl.HasFeature(billing.FeatureMail) && mail == "" && p.Sub.MailDomain == "" {
		var err error
		if _, mail, err = c.mailDomains(r, p); err != nil {
			c.fail(w, r, p.Page, err)
			return
		}
	}
	q, ok := c.price(w, r, p, mail)
	if !ok {
		return
	}
	p.Step, p.Quote = stepPrice, q
	c.render(w, r, http.StatusOK, "billing_upgrade", p)
}

// price asks for a quote of p's terms with the mail domain mail, or
// answers its refusal: a mail domain's on ドメインの設定, the want of a
// payment method by sending the admin to 決済方法の管理, others on the
// first step.
func (c *Console) price(w http.ResponseWriter, r *http.Request, p *upgradePage, mail string) (*billing.Quote, bool) {
	q, err := c.svc.Billing.Quote(r.Context(), actor(r).TenantID, billing.QuoteInput{Terms: p.Terms, MailDomain: mail})
	switch e, ok := errs.As(err); {
	case err == nil:
		return q, true
	case ok && e.Field == "mail_domain":
		c.domainStep(w, r, p, err)
	case errors.Is(err, billing.ErrNoPaymentMethod) && p.Partner == "":
		http.Redirect(w, r, p.MethodsURL(), http.StatusSeeOther)
	default:
		c.formFailed(w, r, "billing_upgrade", p, err)
	}
	return nil, false
}

// quoteStep asks for a quote and shows 契約内容の確認; notice (a catalog
// key) says why it shows again, refusal why the last apply was refused (a
// declined card), above the new quote.
func (c *Console) quoteStep(w http.ResponseWriter, r *http.Request, p *upgradePage, notice, refusal string) {
	q, ok := c.price(w, r, p, p.Mail)
	if !ok {
		return
	}
	p.Step, p.Quote, p.Mail = stepConfirm, q, q.MailDomain
	for _, m := range p.Methods {
		if m.ID == q.MethodID {
			p.Method = m
		}
	}
	p.Notice, p.Form.Error = notice, refusal
	status := http.StatusOK
	if refusal != "" {
		status = http.StatusUnprocessableEntity
	}
	c.render(w, r, status, "billing_upgrade", p)
}

// upgradeApply applies the confirmed quote (追加する): on to the invoice it
// issued, or back to 商品の契約/変更 when nothing is billed now. A quote
// whose price changed is priced again and shown for another look; a
// declined card is shown on a new quote, with the way to change the card.
func (c *Console) upgradeApply(w http.ResponseWriter, r *http.Request) {
	p, v, ok := c.upgradeForm(w, r)
	if !ok {
		return
	}
	res, err := c.svc.Billing.Apply(r.Context(), actor(r).TenantID, v.Get("quote_id"))
	switch {
	case errs.Is(err, errs.NotFound):
		c.fail(w, r, p.Page, err)
	case errs.Is(err, errs.Conflict) || errs.Is(err, errs.FailedPrecondition):
		c.quoteStep(w, r, p, "billing.quote.stale", "")
	case err != nil:
		if !p.refuse(err) {
			c.fail(w, r, p.Page, err)
			return
		}
		msg := p.Form.Error
		for _, m := range p.Form.Errors {
			msg = m
		}
		e, _ := errs.As(err)
		p.Form, p.Declined = Form{Values: p.Form.Values}, e.Field == "payment_method"
		c.quoteStep(w, r, p, "", msg)
	case res.Invoice != nil:
		redirect(w, r, invoiceURL(res.Invoice.ID), "billing_applied")
	default:
		redirect(w, r, billingURL, "billing_applied")
	}
}
