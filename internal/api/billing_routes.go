package api

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
)

// PaymentMethodPath adds the {p} parameter.
type PaymentMethodPath struct {
	TenantPath
	MethodID string `path:"p" doc:"payment method id (pm_…)"`
}

// InvoicePath adds the {i} parameter.
type InvoicePath struct {
	TenantPath
	InvoiceID string `path:"i" doc:"invoice id (inv_…)"`
}

type quoteInput struct {
	TenantPath
	Body struct {
		Plan       string `json:"plan" maxLength:"100"`
		Contract   string `json:"contract" enum:"monthly,annual,annual_monthly"`
		Licenses   int    `json:"licenses,omitempty" minimum:"0" maximum:"1000000" doc:"annual contracts: at least the billable members"`
		MailDomain string `json:"mail_domain,omitempty" maxLength:"300" doc:"plans with mail: one of the tenant's verified domains, such as the provided one"`
	}
}

type applyInput struct {
	TenantPath
	Body struct {
		QuoteID string `json:"quote_id" maxLength:"100"`
	}
}

// Applied is what applying a quote did.
type Applied struct {
	Subscription Subscription `json:"subscription"`
	Invoice      *Invoice     `json:"invoice" doc:"null when nothing is billed now"`
}

type addMethodInput struct {
	TenantPath
	Body struct {
		Type string `json:"type" enum:"card,invoice" doc:"invoice: 請求書払い, active once an operator approves it"`
		Card *struct {
			Number   string `json:"number" maxLength:"30"`
			ExpMonth int    `json:"exp_month" minimum:"1" maximum:"12"`
			ExpYear  int    `json:"exp_year" minimum:"2000" maximum:"2200"`
			CVC      string `json:"cvc" maxLength:"4"`
		} `json:"card,omitempty" doc:"type card: sent to the payment provider, never stored"`
	}
}

// InvoiceQuery filters invoices. Days are YYYY-MM-DD in the billing zone (JST).
type InvoiceQuery struct {
	From     string `query:"from" pattern:"^[0-9]{4}-[0-9]{2}-[0-9]{2}$" doc:"issued on or after this day"`
	To       string `query:"to" pattern:"^[0-9]{4}-[0-9]{2}-[0-9]{2}$" doc:"issued on or before this day"`
	MinTotal int64  `query:"min_total" minimum:"0" doc:"total at least this, in minor units"`
	Status   string `query:"status" enum:"open,paid,issued,refunded"`
	Limit    int    `query:"limit" minimum:"1" maximum:"1000" default:"100"`
}

type tenantInvoicesInput struct {
	TenantPath
	InvoiceQuery
}

type opsInvoicesInput struct {
	InvoiceQuery
	Recipient string `query:"recipient" maxLength:"200" doc:"part of the recipient's company name"`
}

type opsInvoicePath struct {
	InvoiceID string `path:"i" doc:"invoice id (inv_…)"`
}

type pdfOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

func (s *Server) filter(q InvoiceQuery) (billing.InvoiceFilter, error) {
	f := billing.InvoiceFilter{MinTotal: q.MinTotal, Status: q.Status, Limit: q.Limit}
	for _, d := range []struct {
		name, value string
		to          *time.Time
		add         int
	}{{"from", q.From, &f.From, 0}, {"to", q.To, &f.To, 1}} {
		if d.value == "" {
			continue
		}
		t, err := time.ParseInLocation(time.DateOnly, d.value, s.svc.Billing.Zone)
		if err != nil {
			return f, inQuery(errs.Field(d.name, "%s is no day: write it as YYYY-MM-DD", d.name))
		}
		*d.to = t.AddDate(0, 0, d.add)
	}
	return f, nil
}

func (s *Server) registerBilling() {
	tags := []string{"billing"}
	register(s, huma.Operation{OperationID: "list-plans", Method: http.MethodGet, Path: "/api/v1/plans", Tags: tags,
		Summary: "The catalog: plans, prices (minor units, tax-exclusive) and features"}, true, func(ctx context.Context, _ *struct{}) (*body[Catalog], error) {
		return reply(toCatalog(s.svc.Billing.Plans())), nil
	})
	s.registerSubscription(tags)
	s.registerPaymentMethods(tags)
	s.registerInvoices(tags)
	s.registerBillingOps()
}

func (s *Server) registerSubscription(tags []string) {
	base := "/api/v1/tenants/{t}/subscription"
	register(s, huma.Operation{OperationID: "get-subscription", Method: http.MethodGet, Path: base, Tags: tags,
		Summary: "The tenant's subscription (version 0: the free plan)"}, false, func(ctx context.Context, in *TenantPath) (*body[Subscription], error) {
		if err := tenantScope(ctx); err != nil {
			return nil, err
		}
		sub, err := s.svc.Billing.Subscription(ctx, in.TenantID)
		if err != nil {
			return nil, err
		}
		return reply(toSubscription(sub)), nil
	})
	register(s, huma.Operation{OperationID: "quote-subscription", Method: http.MethodPost, Path: base + "/quote", Tags: tags, DefaultStatus: http.StatusCreated,
		Summary: "Price a change of plan, contract or licenses: every line, the tax and the total, applicable until expires_at"}, false,
		func(ctx context.Context, in *quoteInput) (*body[Quote], error) {
			b := in.Body
			q, err := s.svc.Billing.Quote(ctx, in.TenantID, billing.QuoteInput{Terms: billing.Terms{Plan: b.Plan, Contract: b.Contract, Licenses: b.Licenses}, MailDomain: b.MailDomain})
			if err != nil {
				return nil, err
			}
			return reply(toQuote(q)), nil
		})
	register(s, huma.Operation{OperationID: "apply-quote", Method: http.MethodPost, Path: base, Tags: tags,
		Summary: "Apply a quote: bills exactly its total (409 when anything it was priced on changed); applying it again returns the same result"}, false,
		func(ctx context.Context, in *applyInput) (*body[Applied], error) {
			res, err := s.svc.Billing.Apply(ctx, in.TenantID, in.Body.QuoteID)
			if err != nil {
				return nil, err
			}
			out := Applied{Subscription: toSubscription(res.Subscription)}
			if res.Invoice != nil {
				inv := toInvoice(res.Invoice)
				out.Invoice = &inv
			}
			return reply(out), nil
		})
	register(s, huma.Operation{OperationID: "cancel-subscription", Method: http.MethodPost, Path: base + "/cancel", Tags: tags,
		Summary: "Cancel (解約, super admin): at the end of the paid period; the free plan closes the tenant at once"}, false,
		func(ctx context.Context, in *TenantPath) (*body[Subscription], error) {
			sub, err := s.svc.Billing.Cancel(ctx, in.TenantID)
			if err != nil {
				return nil, err
			}
			return reply(toSubscription(sub)), nil
		})
	register(s, huma.Operation{OperationID: "withdraw-cancellation", Method: http.MethodDelete, Path: base + "/cancel", Tags: tags,
		Summary: "Withdraw a scheduled cancellation (super admin)"}, false, func(ctx context.Context, in *TenantPath) (*body[Subscription], error) {
		sub, err := s.svc.Billing.Withdraw(ctx, in.TenantID)
		if err != nil {
			return nil, err
		}
		return reply(toSubscription(sub)), nil
	})
}

func (s *Server) registerPaymentMethods(tags []string) {
	base := "/api/v1/tenants/{t}/payment-methods"
	register(s, huma.Operation{OperationID: "list-payment-methods", Method: http.MethodGet, Path: base, Tags: tags,
		Summary: "List the tenant's payment methods (決済方法の管理)"}, false, func(ctx context.Context, in *TenantPath) (*body[[]PaymentMethod], error) {
		if err := tenantScope(ctx); err != nil {
			return nil, err
		}
		ms, err := s.svc.Billing.PaymentMethods(ctx, in.TenantID)
		if err != nil {
			return nil, err
		}
		return reply(mapSlice(ms, toPaymentMethod)), nil
	})
	register(s, huma.Operation{OperationID: "add-payment-method", Method: http.MethodPost, Path: base, Tags: tags, DefaultStatus: http.StatusCreated,
		Summary: "Add a card (tokenized by the provider) or ask for invoice payment"}, false, func(ctx context.Context, in *addMethodInput) (*body[PaymentMethod], error) {
		m, err := s.addMethod(ctx, in)
		if err != nil {
			return nil, err
		}
		return reply(toPaymentMethod(m)), nil
	})
	register(s, huma.Operation{OperationID: "delete-payment-method", Method: http.MethodDelete, Path: base + "/{p}", Tags: tags, DefaultStatus: http.StatusNoContent,
		Summary: "Remove a payment method"}, false, func(ctx context.Context, in *PaymentMethodPath) (*struct{}, error) {
		return nil, s.svc.Billing.RemoveMethod(ctx, in.TenantID, in.MethodID)
	})
	register(s, huma.Operation{OperationID: "set-default-payment-method", Method: http.MethodPost, Path: base + "/{p}/default", Tags: tags,
		Summary: "Make a payment method the one charged"}, false, func(ctx context.Context, in *PaymentMethodPath) (*body[PaymentMethod], error) {
		m, err := s.svc.Billing.SetDefault(ctx, in.TenantID, in.MethodID)
		if err != nil {
			return nil, err
		}
		return reply(toPaymentMethod(m)), nil
	})
}

func (s *Server) addMethod(ctx context.Context, in *addMethodInput) (*billing.PaymentMethod, error) {
	if in.Body.Type == billing.MethodInvoice {
		return s.svc.Billing.RequestInvoicePayment(ctx, in.TenantID)
	}
	c := in.Body.Card
	if c == nil {
		return nil, errs.Field("card", "a card needs its number, exp_month, exp_year and cvc")
	}
	m, err := s.svc.Billing.AddCard(ctx, in.TenantID, billing.Card{Number: c.Number, ExpMonth: c.ExpMonth, ExpYear: c.ExpYear, CVC: c.CVC})
	return m, inCard(err)
}

// cardFields are the billing service's names for the fields of body.card.
var cardFields = map[string]string{"card_number": "card.number", "exp_month": "card.exp_month", "exp_year": "card.exp_year", "cvc": "card.cvc"}

// inCard locates a card's field error where the request has the field.
func inCard(err error) error {
	e, ok := errs.As(err)
	if !ok || cardFields[e.Field] == "" {
		return err
	}
	return &errs.Error{Kind: e.Kind, Field: cardFields[e.Field], Message: e.Message, Details: e.Details, Err: e.Err}
}

// pdfAlias serves GET …/invoices/{i}.pdf, a path the mux's patterns cannot
// express (a wildcard is a whole segment), as …/invoices/{i}/pdf.
var pdfAlias = regexp.MustCompile(`^/api/v1/tenants/[^/]+/invoices/[^/]+\.pdf$`)

func rewritePDF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && pdfAlias.MatchString(r.URL.Path) {
			r2 := r.Clone(r.Context())
			r2.URL.Path, r2.URL.RawPath = strings.TrimSuffix(r.URL.Path, ".pdf")+"/pdf", ""
			r = r2
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) registerInvoices(tags []string) {
	base := "/api/v1/tenants/{t}/invoices"
	register(s, huma.Operation{OperationID: "list-invoices", Method: http.MethodGet, Path: base, Tags: tags,
		Summary: "Search the tenant's invoices, newest first (without lines)"}, false, func(ctx context.Context, in *tenantInvoicesInput) (*body[page[Invoice]], error) {
		if err := tenantScope(ctx); err != nil {
			return nil, err
		}
		f, err := s.filter(in.InvoiceQuery)
		if err != nil {
			return nil, err
		}
		invs, err := s.svc.Billing.Invoices(ctx, in.TenantID, f)
		if err != nil {
			return nil, inQuery(err)
		}
		return reply(page[Invoice]{Items: mapSlice(invs, toInvoice)}), nil
	})
	register(s, huma.Operation{OperationID: "get-invoice", Method: http.MethodGet, Path: base + "/{i}", Tags: tags,
		Summary: "Get an invoice with its lines; the PDF is at …/invoices/{i}.pdf"}, false, func(ctx context.Context, in *InvoicePath) (*body[Invoice], error) {
		if err := tenantScope(ctx); err != nil {
			return nil, err
		}
		inv, err := s.svc.Billing.Invoice(ctx, in.TenantID, in.InvoiceID)
		if err != nil {
			return nil, err
		}
		return reply(toInvoice(inv)), nil
	})
	op := huma.Operation{OperationID: "get-invoice-pdf", Method: http.MethodGet, Path: base + "/{i}/pdf", Tags: tags, Hidden: true,
		Summary: "Download an invoice as PDF (in the tenant's language)"}
	register(s, op, false, s.invoicePDF)
	// The document names the path callers use; the mux serves it through rewritePDF.
	op.Path, op.Hidden, op.Security = base+"/{i}.pdf", false, []map[string][]string{{"bearer": {}}}
	op.Parameters = []*huma.Param{{Name: "t", In: "path", Required: true, Schema: &huma.Schema{Type: "string"}},
		{Name: "i", In: "path", Required: true, Schema: &huma.Schema{Type: "string"}, Description: "invoice id (inv_…)"}}
	op.Responses = map[string]*huma.Response{"200": {Description: "the invoice as PDF",
		Content: map[string]*huma.MediaType{"application/pdf": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}}
	s.api.OpenAPI().AddOperation(&op)
}

func (s *Server) invoicePDF(ctx context.Context, in *InvoicePath) (*pdfOutput, error) {
	if err := tenantScope(ctx); err != nil {
		return nil, err
	}
	inv, err := s.svc.Billing.Invoice(ctx, in.TenantID, in.InvoiceID)
	if err != nil {
		return nil, err
	}
	t, err := s.svc.Tenants.Get(ctx, in.TenantID)
	if err != nil {
		return nil, err
	}
	pdf, err := s.svc.InvoicePDF.Render(inv, t.Language)
	if err != nil {
		return nil, err
	}
	return &pdfOutput{ContentType: "application/pdf", ContentDisposition: `attachment; filename="` + inv.Number + `.pdf"`, Body: pdf}, nil
}

func (s *Server) registerBillingOps() {
	tags := []string{"ops"}
	register(s, huma.Operation{OperationID: "ops-approve-payment-method", Method: http.MethodPost, Path: "/api/v1/ops/tenants/{t}/payment-methods/{p}/approve", Tags: tags,
		Summary: "Approve a tenant's invoice payment (請求書払い)"}, false, func(ctx context.Context, in *PaymentMethodPath) (*body[PaymentMethod], error) {
		m, err := s.svc.Billing.ApproveInvoicePayment(ctx, in.TenantID, in.MethodID)
		if err != nil {
			return nil, err
		}
		return reply(toPaymentMethod(m)), nil
	})
	register(s, huma.Operation{OperationID: "ops-mark-invoice-paid", Method: http.MethodPost, Path: "/api/v1/ops/invoices/{i}/mark-paid", Tags: tags,
		Summary: "Mark an invoice-payment invoice paid (the transfer arrived)"}, false, func(ctx context.Context, in *opsInvoicePath) (*body[Invoice], error) {
		inv, err := s.svc.Billing.MarkPaid(ctx, in.InvoiceID)
		if err != nil {
			return nil, err
		}
		return reply(toInvoice(inv)), nil
	})
	register(s, huma.Operation{OperationID: "ops-list-invoices", Method: http.MethodGet, Path: "/api/v1/ops/invoices", Tags: tags,
		Summary: "Search every tenant's invoices, newest first"}, false, func(ctx context.Context, in *opsInvoicesInput) (*body[page[Invoice]], error) {
		f, err := s.filter(in.InvoiceQuery)
		if err != nil {
			return nil, err
		}
		f.Recipient = in.Recipient
		invs, err := s.svc.Billing.AllInvoices(ctx, f)
		if err != nil {
			return nil, inQuery(err)
		}
		return reply(page[Invoice]{Items: mapSlice(invs, toInvoice)}), nil
	})
	register(s, huma.Operation{OperationID: "ops-run-billing", Method: http.MethodPost, Path: "/api/v1/ops/billing-runs", Tags: tags,
		Summary: "Run billing now: renewals, scheduled changes, card retries, purges"}, false, func(ctx context.Context, _ *struct{}) (*body[RunReport], error) {
		if _, err := auth.RequireOperator(ctx); err != nil {
			return nil, err
		}
		r, err := s.svc.Billing.Run(ctx)
		if err != nil {
			return nil, err
		}
		return reply(RunReport{r.Renewed, r.Charged, r.Declined, r.Purged}), nil
	})
}

// tenantScope keeps operators out of tenant routes, as every other tenant
// route does (SPEC §1: a request is authorized against one tenant, or the
// operator scope). The billing service lets operators read any tenant, for
// the operator console; through the API they use /api/v1/ops/….
func tenantScope(ctx context.Context) error {
	if a := auth.FromContext(ctx); a != nil && a.Kind == auth.KindOperator {
		return errs.E(errs.NotFound, "tenant not found: operators use the /api/v1/ops/ routes")
	}
	return nil
}
