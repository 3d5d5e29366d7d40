package api

import (
	"context"
	"net/http"

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

type quoteInput struct {
	TenantPath
	Body struct {
		Plan        string `json:"plan,omitempty" maxLength:"100" doc:"required unless add_licenses is given"`
		Contract    string `json:"contract,omitempty" enum:"monthly,annual,annual_monthly" doc:"required unless add_licenses is given"`
		Licenses    int    `json:"licenses,omitempty" minimum:"0" maximum:"1000000" doc:"annual contracts: at least the billable members"`
		MailDomain  string `json:"mail_domain,omitempty" maxLength:"300" doc:"plans with mail: one of the tenant's verified domains, such as the provided one"`
		AddLicenses int    `json:"add_licenses,omitempty" minimum:"-1000000" maximum:"1000000" doc:"instead of the fields above: this many licenses more (negative: fewer) than the count when the quote is applied; another admin's change landing first does not make the quote stale unless its price moved"`
	}
}

type licensesInput struct {
	TenantPath
	AcceptLanguage string `header:"Accept-Language" doc:"the refusal's detail is in Japanese or English (the default)"`
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
		Summary: "Price a change of plan, contract or licenses: every line, the tax and the total, applicable until expires_at"}, false, s.quote)
	register(s, huma.Operation{OperationID: "apply-quote", Method: http.MethodPost, Path: base, Tags: tags,
		Summary: "Apply a quote: bills exactly its total (409 when anything it was priced on changed); applying it again returns the same result"}, false, s.apply)
	register(s, huma.Operation{OperationID: "get-licenses", Method: http.MethodGet, Path: "/api/v1/tenants/{t}/licenses", Tags: tags,
		Summary: "The license count, the billable members and whether the count can be changed here (licenses.manage)"}, false,
		func(ctx context.Context, in *licensesInput) (*body[Licenses], error) {
			if err := tenantScope(ctx); err != nil {
				return nil, err
			}
			l, err := s.svc.Billing.LicenseState(ctx, in.TenantID)
			if err != nil {
				return nil, err
			}
			return reply(toLicenses(l, requestLang(in.AcceptLanguage))), nil
		})
	register(s, huma.Operation{OperationID: "withdraw-scheduled-change", Method: http.MethodDelete, Path: base + "/next", Tags: tags,
		Summary: "Withdraw the change scheduled for the period's end (fewer licenses: licenses.manage; a downgrade: super admin)"}, false,
		func(ctx context.Context, in *TenantPath) (*body[Subscription], error) {
			sub, err := s.svc.Billing.WithdrawChange(ctx, in.TenantID)
			if err != nil {
				return nil, err
			}
			return reply(toSubscription(sub)), nil
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
		return nil, errs.Field("card", "billing.card_missing")
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
	return &errs.Error{Kind: e.Kind, Field: cardFields[e.Field], Code: e.Code, Params: e.MessageParams(), Details: e.Details, Err: e.Err}
}

// tenantScope keeps operators out of tenant routes, as every other tenant
// route does (SPEC §1: a request is authorized against one tenant, or the
// operator scope). The billing service lets operators read any tenant, for
// the operator console; through the API they use /api/v1/ops/….
func tenantScope(ctx context.Context) error {
	if a := auth.FromContext(ctx); a != nil && a.Kind == auth.KindOperator {
		return errs.E(errs.NotFound, "billing.operator_tenant_route")
	}
	return nil
}

func (s *Server) quote(ctx context.Context, in *quoteInput) (*body[Quote], error) {
	b := in.Body
	q, err := s.svc.Billing.Quote(ctx, in.TenantID, billing.QuoteInput{Terms: billing.Terms{Plan: b.Plan, Contract: b.Contract, Licenses: b.Licenses},
		MailDomain: b.MailDomain, Add: b.AddLicenses})
	if err != nil {
		return nil, err
	}
	return reply(toQuote(q)), nil
}

func (s *Server) apply(ctx context.Context, in *applyInput) (*body[Applied], error) {
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
}
