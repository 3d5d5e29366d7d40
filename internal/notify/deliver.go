package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kanri/kanri/internal/clock"
	"github.com/kanri/kanri/internal/errs"
)

// ErrGone tells the job runner to stop retrying: the endpoint answered 410
// Gone and has been disabled.
var ErrGone = errors.New("the endpoint answered 410 Gone and was disabled")

// MailAttempts is how many times a mail is tried, about 1.5 days with
// the default schedule, before it is marked failed.
const MailAttempts = 12

// mailClaim is how long a worker holds the mails it claimed: a batch is
// sent within sendWithin of its claim, and a worker that died lets its
// mails go to another within a minute or so.
const (
	mailClaim  = time.Minute
	sendWithin = 40 * time.Second
)

// DeliverMails claims up to n due mails and sends them over one SMTP
// connection, and returns how many it claimed (n: more may be due). Each
// mail's outcome is recorded: sent; a failed attempt to retry after
// retryIn(attempts); failed after MailAttempts attempts, or at once for
// a mail that could never be sent as it is. A mail still claimed by a
// worker that seemed dead and finished it meanwhile is left as that
// worker recorded it. Without SMTP the mails are kept in the mailbox.
// Delivery is at least once: a worker killed after the server accepted a
// mail and before recording it leaves the mail to be sent again, with
// the same Message-ID.
func (s *Service) DeliverMails(ctx context.Context, n int, retryIn func(attempts int) time.Duration) (int, error) {
	wall := s.Wall
	if wall == nil {
		wall = clock.System{}
	}
	now := wall.Now()
	ms, err := s.Store.ClaimMails(ctx, now, now.Add(mailClaim), s.Instance, n)
	if err != nil || len(ms) == 0 {
		return 0, err
	}
	rec := context.WithoutCancel(ctx) // what was sent is recorded even while stopping
	ids := func(ms []*Mail) []string {
		out := make([]string, len(ms))
		for i, m := range ms {
			out[i] = m.ID
		}
		return out
	}
	if s.Send == nil {
		return len(ms), s.Store.FinishMails(rec, MailKept, time.Time{}, ids(ms)...)
	}
	sendCtx, cancel := context.WithTimeout(ctx, sendWithin)
	results := s.Send(sendCtx, ms)
	cancel()
	var sent, untried []*Mail
	var problems []error
	for i, m := range ms {
		sendErr := results[i]
		switch {
		case sendErr == nil:
			sent = append(sent, m)
			continue
		case errors.Is(sendErr, context.Canceled) || errors.Is(sendErr, context.DeadlineExceeded):
			untried = append(untried, m) // not attempted: stopping, or the batch ran out of time
			continue
		}
		m.Attempts++
		m.LastError = sendErr.Error()
		if m.Attempts >= MailAttempts || errs.Is(sendErr, errs.Invalid) { // a malformed mail never goes through
			m.Status = MailFailed
		} else {
			m.DueAt = wall.Now().Add(retryIn(m.Attempts))
		}
		if err := s.Store.UpdateMail(rec, m); err != nil && !errs.Is(err, errs.Conflict) {
			problems = append(problems, err)
		}
	}
	if len(sent) > 0 {
		problems = append(problems, s.Store.FinishMails(rec, MailSent, s.Clock.Now(), ids(sent)...))
	}
	if len(untried) > 0 {
		problems = append(problems, s.Store.ReleaseMails(rec, ids(untried)...))
	}
	return len(ms), errors.Join(problems...)
}

// ReleaseDeadClaims ends the claims of instances that lapsed says have
// died, so that another sender takes their mails now rather than when the
// claims run out.
func (s *Service) ReleaseDeadClaims(ctx context.Context, lapsed func(ctx context.Context, ids []string) ([]string, error)) error {
	wall := s.Wall
	if wall == nil {
		wall = clock.System{}
	}
	claimants, err := s.Store.MailClaimants(ctx, wall.Now())
	if err != nil || len(claimants) == 0 {
		return err
	}
	dead, err := lapsed(ctx, claimants)
	if err != nil || len(dead) == 0 {
		return err
	}
	return s.Store.ReleaseClaimsOf(ctx, dead...)
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
