package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/domain"
	"github.com/kanri/kanri/internal/errs"
)

// upgradePage is the wizard 商品の選択 → ドメインの設定 → 契約内容の確認:
// one page struct, Step says which step shows.
type upgradePage struct {
	contractPage
	Step    int // 1 商品の選択, 2 ドメインの設定, 3 契約内容の確認
	Plans   []*billing.Plan
	Domains []*domain.Domain // step 2: the verified domains
	Terms   billing.Terms
	Mail    string // the chosen mail domain
	Quote   *billing.Quote
	Method  *billing.PaymentMethod // what pays the quote
	// Notice is a catalog key shown above the quote: why it shows again.
	Notice string
	// NoMethod: the refusal is the missing payment method; the page links
	// to 決済方法の管理.
	NoMethod bool
}

// Contracts lists the contracts in screen order.
func (*upgradePage) Contracts() []string { return billing.Contracts }

// Steps are the wizard's steps: 2 only for a plan with mail.
func (p *upgradePage) Steps() []string {
	if pl := p.Catalog.Plan(p.Terms.Plan); pl != nil && pl.HasFeature(billing.FeatureMail) {
		return []string{"billing.step.plan", "billing.step.domain", "billing.step.confirm"}
	}
	return []string{"billing.step.plan", "billing.step.confirm"}
}

// StepKey is the current step's key.
func (p *upgradePage) StepKey() string {
	return map[int]string{1: "billing.step.plan", 2: "billing.step.domain", 3: "billing.step.confirm"}[p.Step]
}

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

func (c *Console) upgradeFrame(r *http.Request) (*upgradePage, error) {
	cp, err := c.contractFrame(r, "billing.upgrade.title",
		Crumb{Key: "menu.billing_contract", Href: billingURL}, Crumb{Key: "billing.upgrade.title"})
	p := &upgradePage{contractPage: *cp, Step: 1}
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

// upgradeStart is step 1, 商品の選択, prefilled with the current terms
// (or ?plan=).
func (c *Console) upgradeStart(w http.ResponseWriter, r *http.Request) {
	p, err := c.upgradeFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	if pl := p.Catalog.Plan(r.URL.Query().Get("plan")); pl != nil && !pl.Free {
		p.Terms.Plan = pl.ID
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

// upgradeForm reads the wizard's posted terms, or answers the refusal.
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
	if err != nil {
		c.formFailed(w, r, "billing_upgrade", p, err)
		return nil, nil, false
	}
	return p, v, true
}

// upgradeStep moves the wizard on: to ドメインの設定 when the plan has
// mail and no domain is chosen yet, else to 契約内容の確認 with a quote.
// A refusal shows the step it belongs to with its reason.
func (c *Console) upgradeStep(w http.ResponseWriter, r *http.Request) {
	p, _, ok := c.upgradeForm(w, r)
	if !ok {
		return
	}
	pl := p.Catalog.Plan(p.Terms.Plan)
	if pl.HasFeature(billing.FeatureMail) && p.Mail == "" && p.Sub.MailDomain == "" {
		c.domainStep(w, r, p, nil)
		return
	}
	c.quoteStep(w, r, p, "", "")
}

// domainStep shows ドメインの設定: the tenant's verified domains, the
// provided one chosen unless another was.
func (c *Console) domainStep(w http.ResponseWriter, r *http.Request, p *upgradePage, refusal error) {
	ds, err := c.svc.Domains.List(r.Context(), actor(r).TenantID)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	p.Step = 2
	for _, d := range ds {
		if d.Status == domain.StatusActive || d.Status == domain.StatusPrimaryChanging {
			p.Domains = append(p.Domains, d)
		}
		if p.Mail == "" && d.Kind == domain.KindProvided {
			p.Mail = d.Name
		}
	}
	if p.Mail == "" {
		p.Mail = p.Sub.MailDomain
	}
	if refusal != nil {
		c.formFailed(w, r, "billing_upgrade", p, refusal)
		return
	}
	c.render(w, r, http.StatusOK, "billing_upgrade", p)
}

// quoteStep asks for a quote and shows 契約内容の確認; notice (a catalog
// key) says why it shows again, refusal why the last apply was refused (a
// declined card), above the new quote.
func (c *Console) quoteStep(w http.ResponseWriter, r *http.Request, p *upgradePage, notice, refusal string) {
	ctx, id := r.Context(), actor(r).TenantID
	q, err := c.svc.Billing.Quote(ctx, id, billing.QuoteInput{Terms: p.Terms, MailDomain: p.Mail})
	if e, ok := errs.As(err); ok && e.Field == "mail_domain" {
		c.domainStep(w, r, p, err)
		return
	}
	if err != nil {
		p.NoMethod = errors.Is(err, billing.ErrNoPaymentMethod)
		c.formFailed(w, r, "billing_upgrade", p, err)
		return
	}
	p.Step, p.Quote, p.Mail = 3, q, q.MailDomain
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
// whose price changed is priced again and shown for another look.
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
		p.Form = Form{Values: p.Form.Values}
		c.quoteStep(w, r, p, "", msg)
	case res.Invoice != nil:
		redirect(w, r, invoiceURL(res.Invoice.ID), "billing_applied")
	default:
		redirect(w, r, billingURL, "billing_applied")
	}
}
