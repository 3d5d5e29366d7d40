package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/session"
)

// mailListInput is the mailbox's search: each filter that is given must match.
type mailListInput struct {
	PageQuery
	Recipient string `query:"recipient" maxLength:"320" doc:"part of the recipient's address or name, any case"`
	Tenant    string `query:"tenant" maxLength:"100" doc:"a tenant's id (ten_…) or its works-group name"`
	Template  string `query:"template" maxLength:"100" doc:"a mail template, such as member_added"`
	Status    string `query:"status" doc:"pending, sent, kept or failed"`
}

func (in *mailListInput) filter() notify.MailFilter {
	return notify.MailFilter{Recipient: in.Recipient, Tenant: in.Tenant, Template: in.Template, Status: in.Status,
		Page: notify.Page{After: in.Cursor, Limit: in.Limit}}
}

type deliveryPath struct {
	EndpointPath
	DeliveryID string `path:"delivery" doc:"webhook delivery id (dlv_…)"`
}

// Operator is one of the vendor's staff.
type Operator struct {
	ID         string    `json:"id"`
	Email      string    `json:"email"`
	Name       string    `json:"name"`
	Status     string    `json:"status" enum:"active,disabled"`
	CreatedAt  time.Time `json:"created_at"`
	DisabledAt time.Time `json:"disabled_at,omitzero"`
}

func toOperator(o *session.Operator) Operator {
	status := "active"
	if !o.DisabledAt.IsZero() {
		status = "disabled"
	}
	return Operator{ID: o.ID, Email: o.Email, Name: o.Name, Status: status, CreatedAt: o.CreatedAt, DisabledAt: o.DisabledAt}
}

// NewOperator is an added operator with its initial password.
type NewOperator struct {
	Operator Operator `json:"operator"`
	Password Secret   `json:"password" doc:"the initial password, generated: only in this answer (a replay answers null); hand it over in person"`
}

type operatorInput struct {
	Body struct {
		Email string `json:"email" maxLength:"254" doc:"the operator's e-mail address: the sign-in id at /ops/login"`
		Name  string `json:"name" maxLength:"100"`
	}
}

type operatorPath struct {
	OperatorID string `path:"o" doc:"operator id (opr_…)"`
}

// Stats are the operator's statistics (SPEC §9).
type Stats struct {
	AsOf     time.Time      `json:"as_of"`
	Currency string         `json:"currency"`
	MRR      int64          `json:"mrr" doc:"monthly recurring revenue of the active subscriptions in minor units (yen), tax excluded, at catalog prices: annual contracts at their term's price ÷ 12, monthly ones at today's billable members"`
	Paying   int            `json:"paying_subscriptions"`
	Plans    []StatsPlan    `json:"plans" doc:"open tenants and MRR per plan, in catalog order"`
	Channels []StatsChannel `json:"channels"`
	Churn    []StatsChurn   `json:"churn" doc:"the last 12 months of the billing calendar, oldest first; the last is the month so far"`
}

// StatsPlan is one plan's open tenants and MRR.
type StatsPlan struct {
	Plan    string `json:"plan"`
	Tenants int    `json:"tenants"`
	MRR     int64  `json:"mrr"`
}

// StatsChannel is the MRR of one contract channel.
type StatsChannel struct {
	Channel string `json:"channel" enum:"direct,partner"`
	Paying  int    `json:"paying_subscriptions"`
	MRR     int64  `json:"mrr"`
}

// StatsChurn is one month's churn.
type StatsChurn struct {
	Month       string   `json:"month" doc:"YYYY-MM of the billing calendar"`
	Start       int      `json:"tenants_at_start"`
	Canceled    int      `json:"cancellations" doc:"cancellations that took effect in the month"`
	RatePercent *float64 `json:"rate_percent" doc:"cancellations ÷ tenants at the start, in percent to two decimals; null when no tenant was there"`
}

func toStats(st *billing.OpsStats) Stats {
	out := Stats{AsOf: st.AsOf, Currency: st.Currency, MRR: st.MRR, Paying: st.Paying}
	for _, p := range st.Plans {
		out.Plans = append(out.Plans, StatsPlan(p))
	}
	for _, c := range st.Channels {
		out.Channels = append(out.Channels, StatsChannel(c))
	}
	for _, m := range st.Churn {
		c := StatsChurn{Month: m.Month.Format("2006-01"), Start: m.Start, Canceled: m.Canceled}
		if m.RateBP >= 0 {
			rate := float64(m.RateBP) / 100
			c.RatePercent = &rate
		}
		out.Churn = append(out.Churn, c)
	}
	return out
}

// registerOpsMore adds the operator console's mailbox, webhook, operator
// and statistics operations (the mailbox's list is in notify.go).
func (s *Server) registerOpsMore() {
	tags := []string{"ops"}
	register(s, huma.Operation{OperationID: "ops-resend-mail", Method: http.MethodPost, Path: "/api/v1/ops/mail/{mail}/resend", Tags: tags,
		Summary: "Send a failed mail again (a new round of attempts through the jobs)"}, false, func(ctx context.Context, in *mailPath) (*body[Mail], error) {
		m, err := s.svc.Notify.ResendMail(ctx, in.MailID)
		if err != nil {
			return nil, err
		}
		return reply(toMail(m, false)), nil
	})
	register(s, huma.Operation{OperationID: "ops-enable-webhook", Method: http.MethodPost, Path: "/api/v1/ops/webhooks/{w}/enable", Tags: tags,
		Summary: "Enable a disabled endpoint again (from the next event on)"}, false, func(ctx context.Context, in *EndpointPath) (*body[Endpoint], error) {
		e, err := s.svc.Notify.EnableEndpoint(ctx, in.EndpointID)
		if err != nil {
			return nil, err
		}
		return reply(toEndpoint(e, false)), nil
	})
	register(s, huma.Operation{OperationID: "ops-retry-webhook-delivery", Method: http.MethodPost,
		Path: "/api/v1/ops/webhooks/{w}/deliveries/{delivery}/retry", Tags: tags,
		Summary: "Attempt a failed or canceled delivery again now, with the same webhook-id"}, false,
		func(ctx context.Context, in *deliveryPath) (*body[Delivery], error) {
			d, err := s.svc.Notify.RetryDelivery(ctx, in.EndpointID, in.DeliveryID)
			if err != nil {
				return nil, err
			}
			return reply(toDelivery(d)), nil
		})
	s.registerOperators(tags)
	register(s, huma.Operation{OperationID: "ops-get-stats", Method: http.MethodGet, Path: "/api/v1/ops/stats", Tags: tags,
		Summary: "MRR, tenants by plan and churn per month"}, false, func(ctx context.Context, _ *struct{}) (*body[Stats], error) {
		st, err := s.svc.Billing.OpsStats(ctx)
		if err != nil {
			return nil, err
		}
		return reply(toStats(st)), nil
	})
}

func (s *Server) registerOperators(tags []string) {
	register(s, huma.Operation{OperationID: "ops-list-operators", Method: http.MethodGet, Path: "/api/v1/ops/operators", Tags: tags,
		Summary: "The vendor's operators, disabled ones too"}, false, func(ctx context.Context, _ *struct{}) (*body[[]Operator], error) {
		ops, err := s.svc.Sessions.Operators(ctx)
		if err != nil {
			return nil, err
		}
		return reply(mapSlice(ops, toOperator)), nil
	})
	register(s, huma.Operation{OperationID: "ops-create-operator", Method: http.MethodPost, Path: "/api/v1/ops/operators", Tags: tags,
		Summary: "Add an operator; the answer shows its generated initial password once", DefaultStatus: http.StatusCreated}, false,
		func(ctx context.Context, in *operatorInput) (*body[NewOperator], error) {
			o, password, err := s.svc.Sessions.AddOperator(ctx, session.NewOperator{Email: in.Body.Email, Name: in.Body.Name})
			if err != nil {
				return nil, err
			}
			return reply(NewOperator{Operator: toOperator(o), Password: Secret(password)}), nil
		})
	register(s, huma.Operation{OperationID: "ops-disable-operator", Method: http.MethodPost, Path: "/api/v1/ops/operators/{o}/disable", Tags: tags,
		Summary: "Disable an operator: it signs in no more and its sessions and API tokens end (not yourself, nor the last active operator)"}, false,
		func(ctx context.Context, in *operatorPath) (*body[Operator], error) {
			o, err := s.svc.Sessions.DisableOperator(ctx, in.OperatorID)
			if err != nil {
				return nil, err
			}
			return reply(toOperator(o)), nil
		})
}
