package notify

import (
	"context"
	"errors"
	"fmt"

	"github.com/kanri/kanri/internal/errs"
)

// ErrGone tells the job runner to stop retrying: the endpoint answered 410
// Gone and has been disabled.
var ErrGone = errors.New("the endpoint answered 410 Gone and was disabled")

// DeliverMail sends a queued mail. It is safe to run again: a mail already
// sent (or kept) is left alone, also by an attempt that another attempt
// finished while it ran (a process that seemed dead). final says this is
// the last attempt; a failed last attempt marks the mail failed. Without
// SMTP the mail is kept in the operator's mailbox.
func (s *Service) DeliverMail(ctx context.Context, id string, final bool) error {
	m, err := s.Store.GetMail(ctx, id)
	if err != nil || m.Status != MailPending {
		return err
	}
	if s.Send == nil {
		m.Status = MailKept
		return stored(nil, s.Store.UpdateMail(ctx, m))
	}
	sendErr := s.Send(ctx, m)
	m.Attempts++
	switch {
	case sendErr == nil:
		m.Status, m.SentAt, m.LastError = MailSent, s.Clock.Now(), ""
	case final || errs.Is(sendErr, errs.Invalid): // a malformed mail never goes through: no retry
		m.Status, m.LastError = MailFailed, sendErr.Error()
		if !final {
			sendErr = nil
		}
	default:
		m.LastError = sendErr.Error()
	}
	return stored(sendErr, s.Store.UpdateMail(context.WithoutCancel(ctx), m))
}

// stored is the outcome of an attempt that failed with attemptErr (or
// not) and whose storing failed with storeErr (or not). When another
// attempt finished the mail or delivery meanwhile (Conflict), there is
// nothing left to retry.
func stored(attemptErr, storeErr error) error {
	switch {
	case storeErr == nil:
		return attemptErr
	case errs.Is(storeErr, errs.Conflict):
		return nil
	}
	return errors.Join(attemptErr, storeErr)
}

// DeliverWebhook posts a queued delivery to its endpoint. A delivery no
// longer pending is left alone. 2xx delivers it; 410 disables the endpoint
// and returns ErrGone; anything else is an error to retry, and a failed
// final attempt disables the endpoint (the retry schedule is over).
func (s *Service) DeliverWebhook(ctx context.Context, id string, final bool) error {
	d, err := s.Store.GetDelivery(ctx, id)
	if err != nil || d.Status != DeliveryPending {
		return err
	}
	e, err := s.Store.GetEndpoint(ctx, d.EndpointID)
	if err != nil {
		return err
	}
	if !e.DisabledAt.IsZero() {
		d.Status = DeliveryCanceled
		return stored(nil, s.Store.UpdateDelivery(ctx, d))
	}
	status, postErr := s.Post(ctx, e, d)
	d.Attempts, d.LastStatus = d.Attempts+1, status
	if postErr == nil && (status < 200 || status > 299) {
		postErr = fmt.Errorf("the endpoint answered HTTP %d", status)
	}
	now := s.Clock.Now()
	switch {
	case postErr == nil:
		d.Status, d.DeliveredAt, d.LastError = DeliveryDelivered, now, ""
	case status == 410:
		d.Status, d.LastError = DeliveryCanceled, postErr.Error()
		e.DisabledAt, e.DisabledCause, postErr = now, "the endpoint answered 410 Gone", ErrGone
	case final:
		d.Status, d.LastError = DeliveryFailed, postErr.Error()
		e.DisabledAt, e.DisabledCause = now, "every delivery attempt failed for the whole retry schedule"
	default:
		d.LastError = postErr.Error()
	}
	err = s.Store.InTx(context.WithoutCancel(ctx), func(ctx context.Context) error {
		if err := s.Store.UpdateDelivery(ctx, d); err != nil {
			return err
		}
		if !e.DisabledAt.IsZero() {
			return s.Store.UpdateEndpoint(ctx, e)
		}
		return nil
	})
	return stored(postErr, err)
}
