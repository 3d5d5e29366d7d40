package console

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
)

// licensesURL is 購入/請求 > ライセンスの管理 (seed 002).
const licensesURL = billingURL + "/licenses"

func (c *Console) registerLicenses(rt *router) {
	l := c.licensesOnly
	rt.page(licensesURL, l(c.licensesStart))
	rt.post(licensesURL, l(c.licensesContinue))
	rt.post(licensesURL+"/preview", l(c.licensesPreview))
	rt.post(licensesURL+"/apply", l(c.licensesApply))
	rt.post(licensesURL+"/withdraw", l(c.licensesWithdraw))
}

// licensesOnly lets h run for members holding licenses.manage (the seed's
// 組織管理者; the super admin holds every permission) on a PC browser.
func (c *Console) licensesOnly(h http.HandlerFunc) http.HandlerFunc {
	return c.onPC(func(r *http.Request) error {
		_, err := auth.Require(r.Context(), actor(r).TenantID, auth.PermLicensesManage)
		return err
	}, h)
}

// licensesPage is ライセンスの管理: the count and what changing it means
// (Step 1), then 変更内容の確認 with the payment method (Step 2).
type licensesPage struct {
	billingFrame
	Sub      *billing.Subscription
	Plan     *billing.Plan
	Billable int
	Method   *billing.PaymentMethod // the default: what pays a change
	Step     int
	Licenses int            // the count asked for; 0 before one is
	Quote    *billing.Quote // the adjustment for Licenses
	// Notice is a catalog key shown above the confirmation: why it shows again.
	Notice string
}

// The screen's states besides the form: a contract without licenses, a
// count that follows the members, a tenant paying by invoice.
const (
	licensesFree         = "free"
	licensesMonthly      = "monthly"
	licensesAllEmployees = "all_employees"
	licensesInvoice      = "invoice"
	licensesForm         = "form"
)

// State says what the screen offers.
func (p *licensesPage) State() string {
	switch {
	case p.Plan.Free:
		return licensesFree
	case p.Sub.Contract == billing.Monthly:
		return licensesMonthly
	case p.Plan.Mode == billing.PricingAllEmployees:
		return licensesAllEmployees
	case p.Method != nil && p.Method.Kind == billing.MethodInvoice:
		return licensesInvoice
	}
	return licensesForm
}

// CountValue is what the count's input shows: the count asked for, else
// the current one.
func (p *licensesPage) CountValue() string {
	if v := p.Value("licenses"); v != "" {
		return v
	}
	return strconv.Itoa(p.Sub.Licenses)
}

// Asked reports whether the input holds another count than the current
// one, which htmx prices as soon as the page loads (back from 確認).
func (p *licensesPage) Asked() bool { return p.CountValue() != strconv.Itoa(p.Sub.Licenses) }

// NextLicensesOnly reports whether the scheduled change only lowers the
// licenses, which licenses.manage may withdraw; a plan or contract change
// is the super admin's.
func (p *licensesPage) NextLicensesOnly() bool {
	return p.Sub.Next != nil && p.Sub.Next.Plan == p.Sub.Plan && p.Sub.Next.Contract == p.Sub.Contract
}

// CanWithdraw reports whether the reader may withdraw the scheduled change.
func (p *licensesPage) CanWithdraw() bool {
	return p.Sub.Next != nil && (p.NextLicensesOnly() || p.Actor.SuperAdmin)
}

// BelowBillable reports whether the count asked for leaves billable
// members without a license: the refusal then links to them.
func (p *licensesPage) BelowBillable() bool { return p.Licenses > 0 && p.Licenses < p.Billable }

// BillableURL is the member list of the billable members, for readers who
// may open it; "" for others.
func (p *licensesPage) BillableURL() string {
	if !p.Actor.Can(auth.PermMembersManage) {
		return ""
	}
	return "/admin/members?status=" + member.FilterBillable
}

// Delta is the change in licenses, signed: +5, -3.
func (p *licensesPage) Delta() string {
	return fmt.Sprintf("%+d", p.Quote.To.Licenses-p.Quote.From.Licenses)
}

// Charges reports whether applying the quote takes a payment now (決済する).
func (p *licensesPage) Charges() bool {
	return p.Quote.Invoicing == billing.InvoiceNow && p.Quote.Total > 0
}

// Scheduled reports whether the quote waits for the renewal (a reduction
// at_renewal): nothing is billed, and the licenses stay until then.
func (p *licensesPage) Scheduled() bool {
	return p.Quote.Invoicing == billing.InvoiceNone && p.Quote.Effective.Equal(p.Sub.PeriodEnd)
}

// LineText describes a line of a license change in the page's language:
// スタンダード 年額契約(一括) 5ライセンス (未使用分の返金).
func (p *licensesPage) LineText(l billing.Line) (string, error) {
	n, credit := l.Quantity, ""
	if n < 0 {
		s, err := p.T("licenses.line_credit")
		if err != nil {
			return "", err
		}
		n, credit = -n, " "+s
	}
	licenses, err := p.T("billing.n_licenses", n)
	return p.PlanName(p.Quote.To.Plan) + " " + p.Contract(p.Quote.To.Contract) + " " + licenses + credit, err
}

func (c *Console) licensesFrame(r *http.Request) (*licensesPage, error) {
	f, err := c.billingFrame(r, "menu.billing_licenses", Crumb{Key: "menu.billing_licenses"})
	p := &licensesPage{billingFrame: f, Step: 1}
	if err != nil {
		return p, err
	}
	ctx, id := r.Context(), actor(r).TenantID
	st, err := c.svc.Billing.LicenseState(ctx, id)
	if err != nil {
		return p, err
	}
	p.Sub, p.Method, p.Plan = st.Subscription, st.Method, p.Catalog.Plan(st.Subscription.Plan)
	p.Billable, err = c.svc.Members.BillableCount(ctx, id)
	return p, err
}

// licensesStart shows the count (?licenses= keeps the one asked for, back
// from the confirmation).
func (c *Console) licensesStart(w http.ResponseWriter, r *http.Request) {
	p, err := c.licensesFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	p.Form.Values = r.URL.Query()
	c.render(w, r, http.StatusOK, "billing_licenses", p)
}

// licensesForm reads the posted count into a page, or answers why not.
func (c *Console) licensesForm(w http.ResponseWriter, r *http.Request) (*licensesPage, bool) {
	p, err := c.licensesFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return nil, false
	}
	if p.Form.Values, err = formValues(r); err != nil {
		c.fail(w, r, p.Page, err)
		return nil, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(p.Value("licenses")))
	if err == nil && n > 0 {
		p.Licenses = n
	}
	return p, true
}

// licensesQuote prices the count asked for.
func (c *Console) licensesQuote(r *http.Request, p *licensesPage) error {
	var err error
	switch {
	case p.Licenses == 0:
		err = errs.Field("licenses", "billing.licenses_enter", "min", max(p.Billable, 1))
	case p.Licenses == p.Sub.Licenses:
		err = errs.Field("licenses", "billing.already_current")
	default:
		p.Quote, err = c.svc.Billing.Quote(r.Context(), actor(r).TenantID,
			billing.QuoteInput{Terms: billing.Terms{Plan: p.Sub.Plan, Contract: p.Sub.Contract, Licenses: p.Licenses}})
	}
	return err
}

// licensesPreview is the adjustment beside the input, priced as the count
// is typed (htmx). A refusal is part of the answer: htmx swaps only
// successful ones.
func (c *Console) licensesPreview(w http.ResponseWriter, r *http.Request) {
	p, ok := c.licensesForm(w, r)
	if !ok {
		return
	}
	if err := c.licensesQuote(r, p); err != nil && !p.refuse(err) {
		c.fail(w, r, p.Page, err)
		return
	}
	c.renderBlock(w, r, http.StatusOK, "billing_licenses", "preview", p)
}

// licensesContinue is 続ける: the confirmation, or the count again with
// the reason it was refused.
func (c *Console) licensesContinue(w http.ResponseWriter, r *http.Request) {
	p, ok := c.licensesForm(w, r)
	if !ok {
		return
	}
	c.licensesConfirm(w, r, p, "", "")
}

// licensesConfirm prices p's count and shows 変更内容の確認; notice (a
// catalog key) says why it shows again, refusal why the last apply was
// refused (a declined card).
func (c *Console) licensesConfirm(w http.ResponseWriter, r *http.Request, p *licensesPage, notice, refusal string) {
	if err := c.licensesQuote(r, p); err != nil {
		p.Quote = nil
		c.formFailed(w, r, "billing_licenses", p, err)
		return
	}
	p.Step, p.Notice, p.Form.Error = 2, notice, refusal
	p.Title, p.Crumbs[len(p.Crumbs)-1].Href = "licenses.confirm.title", licensesURL
	p.Crumbs = append(p.Crumbs, Crumb{Key: "licenses.confirm.title"})
	status := http.StatusOK
	if refusal != "" {
		status = http.StatusUnprocessableEntity
	}
	c.render(w, r, status, "billing_licenses", p)
}

// licensesApply is 決済する: the confirmed quote is applied and the page
// says what was billed. A quote whose price changed is priced again and
// shown for another look; a declined card is shown on a new quote.
func (c *Console) licensesApply(w http.ResponseWriter, r *http.Request) {
	p, ok := c.licensesForm(w, r)
	if !ok {
		return
	}
	res, err := c.svc.Billing.Apply(r.Context(), actor(r).TenantID, p.Value("quote_id"))
	switch {
	case errs.Is(err, errs.NotFound):
		c.fail(w, r, p.Page, err)
	case errs.Is(err, errs.Conflict) || errs.Is(err, errs.FailedPrecondition):
		c.licensesConfirm(w, r, p, "billing.quote.stale", "")
	case err != nil:
		e, ok := errs.As(err)
		if !ok || e.Kind == errs.Internal {
			c.fail(w, r, p.Page, err)
			return
		}
		c.licensesConfirm(w, r, p, "", e.MessageIn(p.Lang, p.Zone))
	default:
		redirect(w, r, licensesURL, licensesApplied(res))
	}
}

// licensesApplied is the notice of an applied change: what was billed
// and mailed.
func licensesApplied(res *billing.Result) string {
	switch {
	case res.Subscription.Next != nil:
		return "licenses_scheduled"
	case res.Invoice != nil && res.Invoice.Kind == billing.KindCreditNote:
		return "licenses_credited"
	case res.Invoice != nil:
		return "licenses_invoiced"
	case res.Quote.Invoicing == billing.InvoiceNextRun:
		return "licenses_next_invoice"
	}
	return "licenses_changed"
}

// licensesWithdraw withdraws the scheduled change: the contract renews
// with the licenses it has.
func (c *Console) licensesWithdraw(w http.ResponseWriter, r *http.Request) {
	if _, err := c.svc.Billing.WithdrawChange(r.Context(), actor(r).TenantID); err != nil {
		p, ferr := c.licensesFrame(r)
		if ferr != nil {
			c.fail(w, r, p.Page, ferr)
			return
		}
		c.formFailed(w, r, "billing_licenses", p, err)
		return
	}
	redirect(w, r, licensesURL, "licenses_withdrawn")
}
