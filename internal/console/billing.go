package console

import (
	"net/http"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/money"
	"github.com/kanri/kanri/internal/tenant"
)

// billingURL is 購入/請求 > 商品の契約/変更.
const billingURL = "/admin/billing"

func (c *Console) registerBilling(rt *router) {
	b := c.billingOnly
	rt.page(billingURL, b(c.billingContract))
	rt.page(billingURL+"/cancel", b(c.billingCancelPage))
	rt.post(billingURL+"/cancel", b(c.billingCancel))
	rt.post(billingURL+"/withdraw", b(c.billingWithdraw))
	rt.page(billingURL+"/upgrade", b(c.upgradeStart))
	rt.post(billingURL+"/upgrade", b(c.upgradeStep))
	rt.post(billingURL+"/upgrade/apply", b(c.upgradeApply))
	c.registerPaymentMethods(rt)
	c.registerInvoices(rt)
	c.registerLicenses(rt)
	c.registerPartnerContract(rt)
}

// billingOnly lets h run for the signed-in super admin on a PC browser:
// only the super admin buys (SPEC §1).
func (c *Console) billingOnly(h http.HandlerFunc) http.HandlerFunc {
	return c.onPC(func(r *http.Request) error {
		_, err := auth.RequireSuperAdmin(r.Context(), actor(r).TenantID)
		return err
	}, h)
}

// onPC lets h run for a signed-in member on a PC browser whom allow lets
// through: the seed refuses billing screens on a smartphone (SPEC §4), GET
// and POST alike. The service checks every call again.
func (c *Console) onPC(allow func(*http.Request) error, h http.HandlerFunc) http.HandlerFunc {
	return c.member(func(w http.ResponseWriter, r *http.Request) {
		if smartphone(r.UserAgent()) {
			c.smartphoneNotice(w, r)
			return
		}
		if err := allow(r); err != nil {
			p, _ := c.adminPage(r, "error.title")
			c.fail(w, r, p, err)
			return
		}
		h(w, r)
	})
}

// smartphone reports whether ua is a smartphone's browser. Tablets (an
// iPad, Android without "Mobile") count as PCs, as the seed's vendor does.
func smartphone(ua string) bool {
	return strings.Contains(ua, "iPhone") || strings.Contains(ua, "iPod") || strings.Contains(ua, "Windows Phone") ||
		(strings.Contains(ua, "Android") && strings.Contains(ua, "Mobile"))
}

// smartphoneNotice answers a smartphone with the seed's notice instead of
// the screen; a POST is refused (403) without doing anything.
func (c *Console) smartphoneNotice(w http.ResponseWriter, r *http.Request) {
	p, err := c.adminPage(r, "billing.smartphone.title", Crumb{Key: "menu.billing"}, Crumb{Key: "billing.smartphone.title"})
	if err != nil {
		c.fail(w, r, p, err)
		return
	}
	status := http.StatusOK
	if r.Method != http.MethodGet {
		status = http.StatusForbidden
	}
	c.render(w, r, status, "billing_smartphone", &struct{ Page }{p})
}

// billingFrame is what the pages under 購入/請求 share: the frame, the
// catalog and how money and days read.
type billingFrame struct {
	Page
	Catalog  *billing.Catalog
	Calendar *time.Location // the billing calendar's zone
}

// Yen is amount of the catalog's currency for people: ¥59,400.
func (p billingFrame) Yen(amount int64) string {
	return money.New(amount, p.Catalog.Currency).String()
}

// Money is amount in currency for people.
func (billingFrame) Money(amount int64, currency string) string {
	return money.New(amount, currency).String()
}

// Day is a billing day: 2026/03/15.
func (billingFrame) Day(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return billing.FormatDay(t)
}

// Date is the billing calendar's day of an instant (an invoice's issue or
// payment time), as the invoice prints it, unlike Day, whose billing days
// are civil dates already.
func (p billingFrame) Date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return billing.FormatDay(t.In(p.Calendar))
}

// Basis is how a line's amount is computed, in the page's language, for
// the buyer to recompute it: ¥450/月 × 12か月 × 5 × 182/365日; "" for a
// line issued before lines kept their basis.
func (p billingFrame) Basis(l billing.Line, currency string) (string, error) {
	return l.Basis(currency, p.Lang)
}

// LastDay is the last day of a period whose End is the first day after it.
func (p billingFrame) LastDay(end time.Time) string { return p.Day(end.AddDate(0, 0, -1)) }

// PlanName is plan id's name in the page's language.
func (p billingFrame) PlanName(id string) string {
	if pl := p.Catalog.Plan(id); pl != nil {
		return pl.Name.In(p.Lang)
	}
	return id
}

// PlanIn is a plan's name in the page's language.
func (p billingFrame) PlanIn(pl *billing.Plan) string { return pl.Name.In(p.Lang) }

// Contract is a contract's name in the page's language.
func (p billingFrame) Contract(contract string) string { return billing.ContractName(contract, p.Lang) }

// Product is the product's name (基本商品).
func (p billingFrame) Product() string { return p.Catalog.Product.Name.In(p.Lang) }

// Price is plan's price on contract, per member or license per month.
func (p billingFrame) Price(pl *billing.Plan, contract string) string {
	return p.Yen(pl.Prices[contract])
}

// MethodLabel is how a payment method reads: "Visa •••• 4242" or 請求書払い.
func (p billingFrame) MethodLabel(m *billing.PaymentMethod) (string, error) {
	if m == nil {
		return "—", nil
	}
	if m.Kind == billing.MethodInvoice {
		return p.T("billing.method.invoice")
	}
	brand := m.Brand
	if brand != "" {
		brand = strings.ToUpper(brand[:1]) + brand[1:]
	}
	return brand + " •••• " + m.Last4, nil
}

func (c *Console) billingFrame(r *http.Request, title string, crumbs ...Crumb) (billingFrame, error) {
	trail := append([]Crumb{{Key: "menu.billing"}}, crumbs...)
	p, err := c.adminPage(r, title, trail...)
	return billingFrame{Page: p, Catalog: c.svc.Billing.Plans(), Calendar: c.svc.Billing.Zone}, err
}

// contractPage is 商品の契約/変更: the current contract and what can be
// done with it.
type contractPage struct {
	billingFrame
	Sub      *billing.Subscription
	Plan     *billing.Plan
	Billable int
	Methods  []*billing.PaymentMethod
	// Partner is the partner the contract is through, "" when direct: the
	// self-service screens give way to "contracted through" it.
	Partner string
}

// Free reports whether the tenant is on the free plan.
func (p *contractPage) Free() bool { return p.Plan == nil || p.Plan.Free }

// Canceling reports whether a cancellation is scheduled.
func (p *contractPage) Canceling() bool {
	return !p.Sub.CancelAt.IsZero() && p.Sub.Status != billing.StatusCanceled
}

func (c *Console) contractFrame(r *http.Request, title string, crumbs ...Crumb) (*contractPage, error) {
	f, err := c.billingFrame(r, title, crumbs...)
	p := &contractPage{billingFrame: f}
	if err != nil {
		return p, err
	}
	ctx, id := r.Context(), actor(r).TenantID
	if p.Sub, err = c.svc.Billing.Subscription(ctx, id); err != nil {
		return p, err
	}
	p.Plan = p.Catalog.Plan(p.Sub.Plan)
	if p.Sub.Channel == tenant.ChannelPartner {
		st, err := c.svc.Partners.Status(ctx, id)
		if err != nil {
			return p, err
		}
		p.Partner = st.Partner.Name
	}
	if p.Billable, err = c.svc.Members.BillableCount(ctx, id); err != nil {
		return p, err
	}
	p.Methods, err = c.svc.Billing.PaymentMethods(ctx, id)
	return p, err
}

func (c *Console) billingContract(w http.ResponseWriter, r *http.Request) {
	p, err := c.contractFrame(r, "menu.billing_contract", Crumb{Key: "menu.billing_contract"})
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "billing_contract", p)
}

func (c *Console) billingCancelPage(w http.ResponseWriter, r *http.Request) {
	p, err := c.cancelFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	c.render(w, r, http.StatusOK, "billing_cancel", p)
}

func (c *Console) cancelFrame(r *http.Request) (*contractPage, error) {
	p, err := c.contractFrame(r, "billing.cancel.title",
		Crumb{Key: "menu.billing_contract", Href: billingURL}, Crumb{Key: "billing.cancel.title"})
	if err == nil && p.Free() {
		err = errs.E(errs.NotFound, "billing.free_nothing_to_cancel")
	}
	return p, err
}

// billingCancel schedules the cancellation for the period's end.
func (c *Console) billingCancel(w http.ResponseWriter, r *http.Request) {
	p, err := c.cancelFrame(r)
	if err != nil {
		c.fail(w, r, p.Page, err)
		return
	}
	if _, err := c.svc.Billing.Cancel(r.Context(), actor(r).TenantID); err != nil {
		c.formFailed(w, r, "billing_cancel", p, err)
		return
	}
	redirect(w, r, billingURL, "billing_canceled")
}

// billingWithdraw removes a scheduled cancellation (解約の取り消し).
func (c *Console) billingWithdraw(w http.ResponseWriter, r *http.Request) {
	if _, err := c.svc.Billing.Withdraw(r.Context(), actor(r).TenantID); err != nil {
		p, ferr := c.contractFrame(r, "menu.billing_contract", Crumb{Key: "menu.billing_contract"})
		if ferr != nil {
			c.fail(w, r, p.Page, ferr)
			return
		}
		c.formFailed(w, r, "billing_contract", p, err)
		return
	}
	redirect(w, r, billingURL, "billing_withdrawn")
}
