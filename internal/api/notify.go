package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kanri/kanri/internal/notify"
)

// Mail is a mail in the operator's mailbox.
type Mail struct {
	ID        string    `json:"id"`
	TenantID  string    `json:"tenant_id,omitempty"`
	To        string    `json:"to"`
	ToName    string    `json:"to_name"`
	Language  string    `json:"language"`
	Template  string    `json:"template"`
	Subject   string    `json:"subject"`
	Text      string    `json:"text,omitempty"`
	HTML      string    `json:"html,omitempty"`
	Status    string    `json:"status" enum:"pending,sent,kept,failed" doc:"kept: no SMTP is configured, the mail stays here"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	SentAt    time.Time `json:"sent_at,omitzero"`
}

func toMail(m *notify.Mail, bodies bool) Mail {
	out := Mail{m.ID, m.TenantID, m.To, m.ToName, m.Language, m.Template, m.Subject, "", "", m.Status, m.Attempts, m.LastError, m.CreatedAt, m.SentAt}
	if bodies {
		out.Text, out.HTML = m.Text, m.HTML
	}
	return out
}

// Endpoint is a webhook endpoint.
type Endpoint struct {
	ID            string    `json:"id"`
	URL           string    `json:"url"`
	Description   string    `json:"description"`
	EventTypes    []string  `json:"event_types"`
	Secret        Secret    `json:"secret,omitempty" doc:"the signing secret (whsec_…): only in the answer that creates or rotates it (a replay answers null)"`
	DisabledAt    time.Time `json:"disabled_at,omitzero"`
	DisabledCause string    `json:"disabled_cause,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
}

func toEndpoint(e *notify.Endpoint, withSecret bool) Endpoint {
	out := Endpoint{ID: e.ID, URL: e.URL, Description: e.Description, EventTypes: e.EventTypes, DisabledAt: e.DisabledAt,
		DisabledCause: e.DisabledCause, CreatedAt: e.CreatedAt}
	if withSecret {
		out.Secret = Secret(e.Secrets[0])
	}
	return out
}

// Delivery is one attempt log entry of a webhook endpoint.
type Delivery struct {
	ID          string    `json:"id"`
	EventID     string    `json:"event_id" doc:"the webhook-id header"`
	EventType   string    `json:"event_type"`
	TenantID    string    `json:"tenant_id,omitempty"`
	Status      string    `json:"status" enum:"pending,delivered,failed,canceled"`
	Attempts    int       `json:"attempts"`
	LastStatus  int       `json:"last_status" doc:"HTTP status of the last attempt; 0 when it got no answer"`
	LastError   string    `json:"last_error,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
}

func toDelivery(d *notify.Delivery) Delivery {
	return Delivery{d.ID, d.EventID, d.EventType, d.TenantID, d.Status, d.Attempts, d.LastStatus, d.LastError, d.CreatedAt, d.DeliveredAt}
}

// PageQuery is the cursor and size of a page.
type PageQuery struct {
	Cursor string `query:"cursor" doc:"the next_cursor of the previous page, unchanged; one not handed out is refused (400)"`
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
}

type mailPath struct {
	MailID string `path:"mail" doc:"mail id (mail_…)"`
}

// EndpointPath is the {w} parameter of the webhook routes.
type EndpointPath struct {
	EndpointID string `path:"w" doc:"webhook endpoint id (whe_…)"`
}

type endpointInput struct {
	Body struct {
		URL         string   `json:"url" maxLength:"2000" doc:"https://… of the vendor's product; private and loopback addresses are refused"`
		Description string   `json:"description,omitempty" maxLength:"500"`
		EventTypes  []string `json:"event_types" doc:"event types to receive, or [\"*\"] for all"`
	}
}

type deliveriesInput struct {
	EndpointPath
	PageQuery
}

func (s *Server) registerNotify() {
	tags := []string{"ops"}
	register(s, huma.Operation{OperationID: "ops-list-mail", Method: http.MethodGet, Path: "/api/v1/ops/mail", Tags: tags,
		Summary: "The mailbox: the mails Kanri wrote, newest first, searched by recipient, tenant, template and status"}, false,
		func(ctx context.Context, in *mailListInput) (*body[page[Mail]], error) {
			ms, next, err := s.svc.Notify.SearchMails(ctx, in.filter())
			if err != nil {
				return nil, inQuery(err)
			}
			return reply(page[Mail]{mapSlice(ms, func(m *notify.Mail) Mail { return toMail(m, false) }), next}), nil
		})
	register(s, huma.Operation{OperationID: "ops-get-mail", Method: http.MethodGet, Path: "/api/v1/ops/mail/{mail}", Tags: tags,
		Summary: "One mail with its text and HTML parts"}, false, func(ctx context.Context, in *mailPath) (*body[Mail], error) {
		m, err := s.svc.Notify.Mail(ctx, in.MailID)
		if err != nil {
			return nil, err
		}
		return reply(toMail(m, true)), nil
	})
	register(s, huma.Operation{OperationID: "ops-list-webhooks", Method: http.MethodGet, Path: "/api/v1/ops/webhooks", Tags: tags,
		Summary: "Webhook endpoints"}, false, func(ctx context.Context, _ *struct{}) (*body[[]Endpoint], error) {
		es, err := s.svc.Notify.Endpoints(ctx)
		if err != nil {
			return nil, err
		}
		return reply(mapSlice(es, func(e *notify.Endpoint) Endpoint { return toEndpoint(e, false) })), nil
	})
	register(s, huma.Operation{OperationID: "ops-create-webhook", Method: http.MethodPost, Path: "/api/v1/ops/webhooks", Tags: tags,
		Summary: "Register a webhook endpoint; the answer shows its signing secret once", DefaultStatus: http.StatusCreated}, false,
		func(ctx context.Context, in *endpointInput) (*body[Endpoint], error) {
			return endpointReply(s.svc.Notify.CreateEndpoint(ctx, notify.EndpointInput{URL: in.Body.URL, Description: in.Body.Description, EventTypes: in.Body.EventTypes}))
		})
	register(s, huma.Operation{OperationID: "ops-rotate-webhook-secret", Method: http.MethodPost, Path: "/api/v1/ops/webhooks/{w}/rotate-secret", Tags: tags,
		Summary: "New signing secret; the previous one keeps signing until the next rotation"}, false, func(ctx context.Context, in *EndpointPath) (*body[Endpoint], error) {
		return endpointReply(s.svc.Notify.RotateSecret(ctx, in.EndpointID))
	})
	register(s, huma.Operation{OperationID: "ops-disable-webhook", Method: http.MethodDelete, Path: "/api/v1/ops/webhooks/{w}", Tags: tags,
		Summary: "Disable an endpoint (its delivery log is kept)"}, false, func(ctx context.Context, in *EndpointPath) (*body[Endpoint], error) {
		e, err := s.svc.Notify.DisableEndpoint(ctx, in.EndpointID)
		if err != nil {
			return nil, err
		}
		return reply(toEndpoint(e, false)), nil
	})
	register(s, huma.Operation{OperationID: "ops-list-webhook-deliveries", Method: http.MethodGet, Path: "/api/v1/ops/webhooks/{w}/deliveries", Tags: tags,
		Summary: "An endpoint's delivery log, newest first"}, false, func(ctx context.Context, in *deliveriesInput) (*body[page[Delivery]], error) {
		ds, next, err := s.svc.Notify.Deliveries(ctx, in.EndpointID, notify.Page{After: in.Cursor, Limit: in.Limit})
		if err != nil {
			return nil, inQuery(err)
		}
		return reply(page[Delivery]{mapSlice(ds, toDelivery), next}), nil
	})
}

func endpointReply(e *notify.Endpoint, err error) (*body[Endpoint], error) {
	if err != nil {
		return nil, err
	}
	return reply(toEndpoint(e, true)), nil
}
