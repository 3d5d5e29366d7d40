package notify

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
)

// Endpoint returns one webhook endpoint. Errors: NotFound.
func (o *Ops) Endpoint(ctx context.Context, id string) (*Endpoint, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, err
	}
	return o.Service.Store.GetEndpoint(ctx, id)
}

// EnableEndpoint lets a disabled endpoint receive events again, from the
// next event on: deliveries canceled meanwhile stay canceled until retried
// one by one (RetryDelivery). Errors: NotFound.
func (o *Ops) EnableEndpoint(ctx context.Context, id string) (*Endpoint, error) {
	return o.changeEndpoint(ctx, id, "webhook_endpoint.enabled", func(e *Endpoint) {
		e.DisabledAt, e.DisabledCause = time.Time{}, ""
	})
}

// RetryDelivery attempts a failed or canceled delivery of endpoint
// endpointID again now, through the outbox and the jobs as every delivery,
// with the same webhook-id (receivers drop what they have seen), and
// records who asked. Errors: NotFound (also a delivery of another
// endpoint), FailedPrecondition (the endpoint is disabled; the delivery is
// still being tried, or was delivered).
func (o *Ops) RetryDelivery(ctx context.Context, endpointID, deliveryID string) (*Delivery, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, err
	}
	s := o.Service
	now := s.Clock.Now()
	var d *Delivery
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		e, err := s.Store.GetEndpoint(ctx, endpointID)
		if err != nil {
			return err
		}
		if d, err = s.Store.GetDelivery(ctx, deliveryID); err == nil && d.EndpointID != e.ID {
			err = errs.E(errs.NotFound, "store.not_found", "thing", i18n.Term("store.thing.webhook_delivery"))
		}
		if err != nil {
			return err
		}
		if err := retryable(e, d); err != nil {
			return err
		}
		if err := s.Store.RequeueDelivery(ctx, d.ID); err != nil {
			return err
		}
		if err := s.Store.Enqueue(ctx, KindWebhook, now, d.ID); err != nil {
			return err
		}
		d.Status = DeliveryPending
		return o.AppendAuditEvents(ctx, o.Audit.Event(ctx, now, "", "webhook_delivery.retried", "webhook_delivery", d.ID, nil,
			map[string]any{"endpoint_id": e.ID, "event_id": d.EventID, "event_type": d.EventType, "attempts_before": d.Attempts}))
	})
	if err != nil {
		return nil, fmt.Errorf("retry webhook delivery: %w", err)
	}
	return d, nil
}

// retryable refuses a retry that would do nothing: to a disabled endpoint
// (the job would cancel it at once), or of a delivery that a job is still
// trying or that arrived.
func retryable(e *Endpoint, d *Delivery) error {
	switch {
	case !e.DisabledAt.IsZero():
		return errs.E(errs.FailedPrecondition, "notify.endpoint_disabled_retry")
	case d.Status == DeliveryPending:
		return errs.E(errs.FailedPrecondition, "notify.delivery_pending")
	case d.Status == DeliveryDelivered:
		return errs.E(errs.FailedPrecondition, "notify.delivery_delivered")
	}
	return nil
}

// excerptLen is how many characters of an endpoint's answer the delivery
// log keeps: enough to read its error message, not a whole page.
const excerptLen = 300

// answered is the error of an answer outside 2xx, with the start of its
// body on one line, so that the delivery log shows what the receiver said.
func answered(status int, body []byte) error {
	start := excerpt(string(body), excerptLen)
	if start == "" {
		return fmt.Errorf("the endpoint answered HTTP %d", status)
	}
	return fmt.Errorf("the endpoint answered HTTP %d: %s", status, start)
}

// excerpt is the start of s, at most n characters, on one line: invalid
// UTF-8 and control characters become spaces, runs of spaces one, and a
// cut is marked with "…".
func excerpt(s string, n int) string {
	var b strings.Builder
	space, count := false, 0
	for _, r := range strings.ToValidUTF8(s, " ") {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError {
			space = b.Len() > 0
			continue
		}
		if count >= n {
			b.WriteString("…")
			break
		}
		if space {
			b.WriteByte(' ')
			space = false
			count++
		}
		b.WriteRune(r)
		count++
	}
	return b.String()
}
