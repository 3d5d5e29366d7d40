package notify

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/text"
	"github.com/kanri/kanri/internal/webhook"
)

// EventTypes are the events an endpoint can subscribe to ("*": all).
var EventTypes = []string{"member.added", "member.imported", "member.updated", "member.invited", "member.invitation_accepted",
	"member.suspended", "member.reactivated", "member.deactivated", "member.deleted",
	"member.super_admin_granted", "member.super_admin_resigned", "tenant.updated",
	"domain.added", "domain.verified", "domain.expired", "domain.deleted", "domain.primary_change_started", "domain.primary_changed",
	"subscription.upgraded", "subscription.changed", "subscription.canceled", "subscription.cancel_withdrawn", "subscription.past_due",
	"licenses.changed", "invoice.issued", "invoice.paid", "payment.failed",
	"department.created", "department.updated", "department.deleted", "position.created", "position.updated", "position.deleted",
	"group.created", "group.updated", "group.deleted", "field.created", "field.updated", "field.deleted",
	"rule.created", "rule.updated", "rule.deleted", "directory.settings_updated"}

// Ops is the operator's side of notify: the mailbox and webhook endpoints.
type Ops struct {
	Service *Service
	Audit   audit.Recorder
	// AppendAuditEvents records operator actions.
	AppendAuditEvents func(ctx context.Context, events ...*audit.Event) error
	// Resolve looks a host name up (the configured resolver).
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
	// AllowPrivate lets endpoints point at loopback and private networks (tests, demos).
	AllowPrivate bool
}

// Mails lists the mailbox, newest first, and the next cursor.
func (o *Ops) Mails(ctx context.Context, p Page) ([]*Mail, string, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, "", err
	}
	return pageOf(p, "mail", func(p Page) ([]*Mail, error) { return o.Service.Store.ListMails(ctx, p) }, func(m *Mail) string { return m.ID })
}

// Mail returns one mail with its bodies. Errors: NotFound.
func (o *Ops) Mail(ctx context.Context, id string) (*Mail, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, err
	}
	return o.Service.Store.GetMail(ctx, id)
}

// pageOf fetches one more than the limit to know whether a next page exists.
// The cursor is the last id of the previous page, so one that is not an id
// with prefix was never handed out: Malformed.
func pageOf[T any](p Page, prefix string, list func(Page) ([]T, error), idOf func(T) string) ([]T, string, error) {
	if p.After != "" && !id.Valid(prefix, p.After) {
		return nil, "", errs.BadCursor()
	}
	p.Limit = min(max(p.Limit, 1), 500) + 1
	items, err := list(p)
	if err != nil || len(items) < p.Limit {
		return items, "", err
	}
	items = items[:p.Limit-1]
	return items, idOf(items[len(items)-1]), nil
}

// EndpointInput is an endpoint to register.
type EndpointInput struct {
	URL         string
	Description string
	EventTypes  []string
}

// CreateEndpoint registers an endpoint and returns it with its signing
// secret, shown once. URLs that reach loopback, private, link-local or
// metadata addresses are refused. Errors: Invalid, PermissionDenied.
func (o *Ops) CreateEndpoint(ctx context.Context, in EndpointInput) (*Endpoint, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, err
	}
	types, err := checkTypes(in.EventTypes)
	if err != nil {
		return nil, err
	}
	desc, err := text.Line("description", in.Description)
	if err != nil {
		return nil, err
	}
	raw := strings.TrimSpace(in.URL)
	if err := webhook.CheckURL(ctx, raw, o.Resolve, o.AllowPrivate); err != nil {
		return nil, err
	}
	s := o.Service
	now := s.Clock.Now()
	e := &Endpoint{ID: s.IDs.New("whe"), URL: raw, Description: desc, EventTypes: types,
		Secrets: []string{webhook.NewSecret()}, CreatedAt: now}
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.CreateEndpoint(ctx, e); err != nil {
			return err
		}
		return o.AppendAuditEvents(ctx, o.Audit.Event(ctx, now, "", "webhook_endpoint.created", "webhook_endpoint", e.ID, nil,
			map[string]any{"url": e.URL, "event_types": e.EventTypes}))
	})
	if err != nil {
		return nil, fmt.Errorf("create webhook endpoint: %w", err)
	}
	return e, nil
}

func checkTypes(types []string) ([]string, error) {
	if len(types) == 0 {
		return nil, errs.Field("event_types", "notify.event_types_missing", "known", strings.Join(EventTypes, ", "))
	}
	for _, t := range types {
		if t != "*" && !slices.Contains(EventTypes, t) {
			return nil, errs.Field("event_types", "notify.event_type_unknown", "event_type", t, "known", strings.Join(EventTypes, ", "))
		}
	}
	return slices.Compact(slices.Sorted(slices.Values(types))), nil
}

// Endpoints lists every endpoint.
func (o *Ops) Endpoints(ctx context.Context) ([]*Endpoint, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, err
	}
	return o.Service.Store.ListEndpoints(ctx)
}

// RotateSecret gives an endpoint a new secret, newest first; the previous
// one keeps signing too until the next rotation, so the receiver can switch
// without losing a delivery.
func (o *Ops) RotateSecret(ctx context.Context, id string) (*Endpoint, error) {
	return o.changeEndpoint(ctx, id, "webhook_endpoint.secret_rotated", func(e *Endpoint) {
		e.Secrets = []string{webhook.NewSecret(), e.Secrets[0]}
	})
}

// DisableEndpoint stops deliveries to an endpoint; its log is kept.
func (o *Ops) DisableEndpoint(ctx context.Context, id string) (*Endpoint, error) {
	return o.changeEndpoint(ctx, id, "webhook_endpoint.disabled", func(e *Endpoint) {
		if e.DisabledAt.IsZero() {
			e.DisabledAt, e.DisabledCause = o.Service.Clock.Now(), "disabled by an operator"
		}
	})
}

func (o *Ops) changeEndpoint(ctx context.Context, id, action string, fn func(*Endpoint)) (*Endpoint, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, err
	}
	s := o.Service
	var e *Endpoint
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if e, err = s.Store.GetEndpoint(ctx, id); err != nil {
			return err
		}
		fn(e)
		if err := s.Store.UpdateEndpoint(ctx, e); err != nil {
			return err
		}
		return o.AppendAuditEvents(ctx, o.Audit.Event(ctx, s.Clock.Now(), "", action, "webhook_endpoint", e.ID, nil, nil))
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	return e, nil
}

// Deliveries lists an endpoint's delivery log, newest first.
func (o *Ops) Deliveries(ctx context.Context, endpointID string, p Page) ([]*Delivery, string, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, "", err
	}
	if _, err := o.Service.Store.GetEndpoint(ctx, endpointID); err != nil {
		return nil, "", err
	}
	return pageOf(p, "dlv", func(p Page) ([]*Delivery, error) { return o.Service.Store.ListDeliveries(ctx, endpointID, p) },
		func(d *Delivery) string { return d.ID })
}
