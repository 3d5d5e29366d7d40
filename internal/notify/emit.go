package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// Recipient is who a mail goes to, in their language ("ja" or "en") and
// their time zone (UTC when nil).
type Recipient struct {
	Address  string
	Name     string
	Language string
	Zone     *time.Location
}

// MailTo renders a template for r and queues the mail, in the transaction
// in ctx: a rolled-back change sends nothing. A recipient without an address
// gets nothing.
func (s *Service) MailTo(ctx context.Context, tenantID string, r Recipient, template string, data MailData) error {
	m, err := s.Prepare(tenantID, r, template, data)
	if err != nil || m == nil {
		return err
	}
	if b, ok := ctx.Value(batchKey{}).(*batch); ok {
		b.mails = append(b.mails, m)
		return nil
	}
	return s.Queue(ctx, m)
}

// Prepare renders a template for r into a mail to queue later, or nil when
// r has no address. Rendering many mails before a transaction keeps it short.
func (s *Service) Prepare(tenantID string, r Recipient, template string, data MailData) (*Mail, error) {
	if r.Address == "" {
		return nil, nil
	}
	data.Zone = r.Zone
	out, err := s.Templates.Render(template, r.Language, data)
	if err != nil {
		return nil, fmt.Errorf("mail %s: %w", template, err)
	}
	return &Mail{ID: s.IDs.New("mail"), TenantID: tenantID, To: r.Address, ToName: r.Name, Language: r.Language, Template: template,
		Subject: out.Subject, Text: out.Text, HTML: out.HTML, Status: MailPending, CreatedAt: s.Clock.Now()}, nil
}

// BulkAbove is how many mails one Queue may write before they are bulk:
// sent after every other tenant's single mails (issue 18).
const BulkAbove = 10

// Queue stores prepared mails for delivery, in the transaction in ctx: the
// delivery workers find them in the mails table. Without SMTP they are
// kept in the mailbox at once, and cost no delivery at all.
func (s *Service) Queue(ctx context.Context, ms ...*Mail) error {
	if len(ms) == 0 {
		return nil
	}
	for _, m := range ms {
		m.Bulk = len(ms) > BulkAbove
		if s.Send == nil {
			m.Status = MailKept
		}
	}
	return s.Store.CreateMails(ctx, ms...)
}

// payload is an event as the vendor's product receives it (the Standard
// Webhooks payload shape: type, timestamp, data).
type payload struct {
	Type      string    `json:"type"`
	Timestamp time.Time `json:"timestamp"`
	TenantID  string    `json:"tenant_id,omitempty"`
	Data      any       `json:"data"`
}

// Emit queues an event for every enabled endpoint that subscribes to its
// type, in the transaction in ctx. Every endpoint gets the same webhook-id.
func (s *Service) Emit(ctx context.Context, tenantID, eventType string, data any) error {
	endpoints, err := s.endpoints(ctx)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	eventID := s.IDs.New("msg")
	body, err := json.Marshal(payload{Type: eventType, Timestamp: now, TenantID: tenantID, Data: data})
	if err != nil {
		return fmt.Errorf("event %s: %w", eventType, err)
	}
	for _, e := range endpoints {
		if !e.DisabledAt.IsZero() || !e.Subscribes(eventType) {
			continue
		}
		d := &Delivery{ID: s.IDs.New("dlv"), EndpointID: e.ID, EventID: eventID, EventType: eventType, TenantID: tenantID,
			Payload: string(body), Status: DeliveryPending, CreatedAt: now}
		if err := s.Store.CreateDelivery(ctx, d); err != nil {
			return err
		}
		if err := s.Store.Enqueue(ctx, KindWebhook, now, d.ID); err != nil {
			return err
		}
	}
	return nil
}

// Subscribes reports whether the endpoint wants events of type t.
func (e *Endpoint) Subscribes(t string) bool {
	return slices.Contains(e.EventTypes, "*") || slices.Contains(e.EventTypes, t)
}

type batchKey struct{}

// batch is what the events and mails of one transaction share: the
// endpoints, read by the first event, and the mails, queued together.
type batch struct {
	endpoints []*Endpoint
	read      bool
	mails     []*Mail
}

// Batch runs fn with a ctx in which the events of one transaction read the
// endpoints once, not once per event, and its mails are queued together
// when fn succeeds (one insert of mails and one of their jobs).
func (s *Service) Batch(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(batchKey{}).(*batch); ok {
		return fn(ctx)
	}
	b := &batch{}
	if err := fn(context.WithValue(ctx, batchKey{}, b)); err != nil {
		return err
	}
	return s.Queue(ctx, b.mails...)
}

// endpoints lists the endpoints, once per Batch.
func (s *Service) endpoints(ctx context.Context) ([]*Endpoint, error) {
	b, ok := ctx.Value(batchKey{}).(*batch)
	if !ok {
		return s.Store.ListEndpoints(ctx)
	}
	if !b.read {
		list, err := s.Store.ListEndpoints(ctx)
		if err != nil {
			return nil, err
		}
		b.endpoints, b.read = list, true
	}
	return b.endpoints, nil
}
