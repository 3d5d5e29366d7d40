package notify_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/clock"
	"github.com/kanri/kanri/internal/clock/clocktest"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/store/storetest"
	"github.com/kanri/kanri/internal/webhook"
)

// smtp is a mail server in a test: it answers each mail with what fail
// says and remembers every batch it was given.
type smtp struct {
	mu      sync.Mutex
	batches [][]string // mail ids, per connection
	sent    map[string]int
	fail    func(m *notify.Mail) error
}

func newSMTP(fail func(m *notify.Mail) error) *smtp {
	return &smtp{sent: map[string]int{}, fail: fail}
}

func (s *smtp) send(_ context.Context, ms []*notify.Mail) []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, ids := make([]error, len(ms)), make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
		if s.fail != nil {
			out[i] = s.fail(m)
		}
		if out[i] == nil {
			s.sent[m.ID]++
		}
	}
	s.batches = append(s.batches, ids)
	return out
}

// queue writes mails to the given addresses in one transaction, as one
// change does, with svc (whose Send decides whether they are pending).
func queue(t *testing.T, env *storetest.Env, svc *notify.Service, to ...string) []string {
	t.Helper()
	var ids []string
	err := env.DB.InTx(context.Background(), func(ctx context.Context) error {
		var ms []*notify.Mail
		for _, a := range to {
			m, err := svc.Prepare("", notify.Recipient{Address: a, Language: "ja"}, "member_added", notify.MailData{})
			if err != nil {
				return err
			}
			ms, ids = append(ms, m), append(ids, m.ID)
		}
		return svc.Queue(ctx, ms...)
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func addresses(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%03d@example.com", prefix, i)
	}
	return out
}

func mail(t *testing.T, env *storetest.Env, id string) *notify.Mail {
	t.Helper()
	m, err := env.DB.GetMail(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sameMails(a, b []string) bool {
	return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
}

func retryIn(int) time.Duration { return time.Minute }

// with is svc sending with send (nil: keeping every mail) and timing its
// deliveries on wall.
func with(svc *notify.Service, send func(context.Context, []*notify.Mail) []error, wall clock.Clock) *notify.Service {
	c := *svc
	c.Send, c.Wall = send, wall
	return &c
}

// TestDeliverMailsBatches: one call sends the due mails over one
// connection, single mails before bulk ones; a mail the server refused
// is retried after its wait and only it, a malformed one fails at once,
// and every mail is sent once.
func TestDeliverMailsBatches(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := context.Background()
		svc, wall := env.NotifyService(), clocktest.New(time.Now().Truncate(time.Millisecond))
		bulk := queue(t, env, with(svc, nil, wall), addresses("bulk", notify.BulkAbove+5)...) // kept: no SMTP
		for _, id := range bulk {
			if m := mail(t, env, id); m.Status != notify.MailKept || !m.Bulk {
				t.Fatalf("a mail written without SMTP: %s (bulk %v), want kept at once", m.Status, m.Bulk)
			}
		}

		server := newSMTP(func(m *notify.Mail) error {
			switch m.To {
			case "bulk003@example.com":
				return errors.New("451 try again later")
			case "single001@example.com":
				return errs.Field("to", "mailer.to_invalid", "to", m.To)
			}
			return nil
		})
		svc = with(svc, server.send, wall)
		bulk = queue(t, env, svc, addresses("bulk", notify.BulkAbove+5)...)
		var single []string
		for _, a := range addresses("single", 3) {
			single = append(single, queue(t, env, svc, a)...)
		}
		n, err := svc.DeliverMails(ctx, 50, retryIn)
		if err != nil || n != len(bulk)+len(single) {
			t.Fatalf("DeliverMails: %d, %v; want %d", n, err, len(bulk)+len(single))
		}
		// Mails written within one millisecond of the test clock are in no
		// particular order among themselves.
		if len(server.batches) != 1 || !sameMails(server.batches[0][:len(single)], single) || !sameMails(server.batches[0][len(single):], bulk) {
			t.Fatalf("the server got %v, want one connection with the single mails %v first, then %v", server.batches, single, bulk)
		}
		if m := mail(t, env, bulk[3]); m.Status != notify.MailPending || m.Attempts != 1 || m.LastError != "451 try again later" ||
			!m.DueAt.Equal(wall.Now().Add(time.Minute)) {
			t.Errorf("the refused mail: %+v, want pending with 1 attempt, its error and a retry in a minute", m)
		}
		if m := mail(t, env, single[1]); m.Status != notify.MailFailed || m.Attempts != 1 {
			t.Errorf("the malformed mail: %s after %d attempts, want failed after 1", m.Status, m.Attempts)
		}
		if m := mail(t, env, single[0]); m.Status != notify.MailSent || m.Attempts != 1 || m.SentAt.IsZero() {
			t.Errorf("a sent mail: %+v", m)
		}

		if n, _ := svc.DeliverMails(ctx, 50, retryIn); n != 0 {
			t.Errorf("before the retry is due: %d mails taken, want 0", n)
		}
		server.fail = nil
		wall.Advance(time.Minute)
		if n, err := svc.DeliverMails(ctx, 50, retryIn); n != 1 || err != nil {
			t.Errorf("the retry: %d, %v; want the refused mail alone", n, err)
		}
		if got := server.batches[len(server.batches)-1]; !slices.Equal(got, []string{bulk[3]}) {
			t.Errorf("the retry sent %v, want only %s", got, bulk[3])
		}
		for _, id := range append(single, bulk...) {
			if id != single[1] && server.sent[id] != 1 {
				t.Errorf("mail %s sent %d times, want once", id, server.sent[id])
			}
		}
		if m := mail(t, env, bulk[3]); m.Status != notify.MailSent || m.Attempts != 2 || m.LastError != "" {
			t.Errorf("the retried mail: %s, %d attempts, %q; want sent after 2", m.Status, m.Attempts, m.LastError)
		}
	})
}

// TestDeliverMailsAtOnce: 64 senders at once over 600 mails, on both
// engines: every mail goes to exactly one of them and is sent once.
func TestDeliverMailsAtOnce(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		server := newSMTP(nil)
		svc := with(env.NotifyService(), server.send, nil)
		var want []string
		for i := range 12 {
			want = append(want, queue(t, env, svc, addresses(fmt.Sprintf("c%02d-", i), 50)...)...)
		}
		var wg sync.WaitGroup
		for range 64 {
			wg.Go(func() {
				for {
					n, err := svc.DeliverMails(context.Background(), 50, retryIn)
					if err != nil {
						t.Error(err)
					}
					if n == 0 || err != nil {
						return
					}
				}
			})
		}
		wg.Wait()
		for _, id := range want {
			if server.sent[id] != 1 {
				t.Errorf("mail %s sent %d times, want once", id, server.sent[id])
			}
		}
		if len(server.sent) != len(want) {
			t.Errorf("%d mails sent, want %d", len(server.sent), len(want))
		}
	})
}

// TestDeliverMailsLastAttempt: a mail that fails its twelfth attempt is
// failed; a worker without SMTP keeps a mail another process queued; a
// claim ends with a sender that stops before trying its mail.
func TestDeliverMailsLastAttempt(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := context.Background()
		wall := clocktest.New(time.Now().Truncate(time.Millisecond))
		down := newSMTP(func(*notify.Mail) error { return errors.New("connection refused") })
		svc := with(env.NotifyService(), down.send, wall)
		id := queue(t, env, svc, "hanako@example.com")[0]
		for attempt := 1; attempt <= notify.MailAttempts; attempt++ {
			if n, err := svc.DeliverMails(ctx, 50, retryIn); n != 1 || err != nil {
				t.Fatalf("attempt %d: %d, %v", attempt, n, err)
			}
			wall.Advance(time.Minute)
		}
		if m := mail(t, env, id); m.Status != notify.MailFailed || m.Attempts != notify.MailAttempts || m.LastError != "connection refused" {
			t.Errorf("after %d attempts: %s, %d, %q; want failed", notify.MailAttempts, m.Status, m.Attempts, m.LastError)
		}

		id = queue(t, env, svc, "taro@example.com")[0]
		if n, err := with(env.NotifyService(), nil, wall).DeliverMails(ctx, 50, retryIn); n != 1 || err != nil {
			t.Fatalf("a worker without SMTP: %d, %v", n, err)
		}
		if m := mail(t, env, id); m.Status != notify.MailKept {
			t.Errorf("a worker without SMTP left the mail %s, want kept", m.Status)
		}

		id = queue(t, env, svc, "jiro@example.com")[0]
		stopping := with(env.NotifyService(), func(ctx context.Context, ms []*notify.Mail) []error {
			return []error{context.Canceled}
		}, wall)
		if n, err := stopping.DeliverMails(ctx, 50, retryIn); n != 1 || err != nil {
			t.Fatalf("a stopping sender: %d, %v", n, err)
		}
		if m := mail(t, env, id); m.Status != notify.MailPending || m.Attempts != 0 {
			t.Errorf("the mail a stopping sender did not try: %s after %d attempts, want pending after 0", m.Status, m.Attempts)
		}
		if n, _ := with(svc, newSMTP(nil).send, wall).DeliverMails(ctx, 50, retryIn); n != 1 {
			t.Errorf("the next sender took %d mails, want the released one at once", n)
		}
	})
}

// TestLateAttemptLeavesFinishedDelivery: an attempt that fails after
// another attempt delivered the mail or the webhook meanwhile (its process
// seemed dead, so another took its work over) neither undoes the delivery
// nor asks for a retry.
func TestLateAttemptLeavesFinishedDelivery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		wall := clocktest.New(time.Now().Truncate(time.Millisecond))
		other := with(env.NotifyService(), newSMTP(nil).send, wall) // the attempt run again elsewhere, which delivers
		other.Post = func(context.Context, *notify.Endpoint, *notify.Delivery) (int, error) { return 204, nil }
		svc := with(env.NotifyService(), func(ctx context.Context, ms []*notify.Mail) []error {
			wall.Advance(2 * time.Minute) // this worker's claim lapses: it seems dead
			if n, err := other.DeliverMails(ctx, 50, retryIn); n != 1 || err != nil {
				t.Fatalf("the other worker: %d, %v", n, err)
			}
			return []error{errors.New("connection reset")}
		}, wall)
		e := &notify.Endpoint{ID: env.IDs.New("whe"), URL: "https://hooks.example.com/x", EventTypes: []string{"*"},
			Secrets: []string{webhook.NewSecret()}, CreatedAt: env.Clock.Now()}
		err := env.DB.CreateEndpoint(ctx, e)
		if err == nil {
			err = env.DB.InTx(ctx, func(ctx context.Context) error {
				if err := svc.MailTo(ctx, "", notify.Recipient{Address: "a@example.com", Language: "en"}, "member_added", notify.MailData{}); err != nil {
					return err
				}
				return svc.Emit(ctx, "", "member.added", map[string]string{})
			})
		}
		if err != nil {
			t.Fatal(err)
		}
		mails, _ := env.DB.ListMails(ctx, notify.Page{Limit: 10})
		deliveries, _ := env.DB.ListDeliveries(ctx, e.ID, notify.Page{Limit: 10})
		if len(mails) != 1 || len(deliveries) != 1 {
			t.Fatalf("%d mails and %d deliveries, want one each", len(mails), len(deliveries))
		}
		svc.Post = func(ctx context.Context, _ *notify.Endpoint, d *notify.Delivery) (int, error) {
			if err := other.DeliverWebhook(ctx, d.ID, false); err != nil {
				t.Fatal(err)
			}
			return 0, errors.New("connection reset")
		}
		if _, err := svc.DeliverMails(ctx, 50, retryIn); err != nil {
			t.Errorf("the late mail attempt: %v; want nothing to retry", err)
		}
		if err := svc.DeliverWebhook(ctx, deliveries[0].ID, false); err != nil {
			t.Errorf("the late webhook attempt: %v; want nothing to retry", err)
		}
		if m, _ := env.DB.GetMail(ctx, mails[0].ID); m.Status != notify.MailSent || m.LastError != "" || m.Attempts != 1 {
			t.Errorf("mail %s (%q, %d attempts); want it left sent after 1", m.Status, m.LastError, m.Attempts)
		}
		if d, _ := env.DB.GetDelivery(ctx, deliveries[0].ID); d.Status != notify.DeliveryDelivered || d.LastError != "" {
			t.Errorf("delivery %s (%q); want it left delivered", d.Status, d.LastError)
		}
	})
}

// TestDeadSendersMailsFreed: the mails a dead instance's sender claimed
// are freed as soon as its lease is known to have lapsed, not when the
// claim runs out; a live instance's claim is left alone.
func TestDeadSendersMailsFreed(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := context.Background()
		wall := clocktest.New(time.Now().Truncate(time.Millisecond))
		server := newSMTP(nil)
		svc := with(env.NotifyService(), server.send, wall)
		queue(t, env, svc, "a@example.com", "b@example.com")
		claimed := map[string]string{} // instance → the mail its sender claimed
		for _, by := range []string{"ins_dead", "ins_live"} {
			ms, err := env.DB.ClaimMails(ctx, wall.Now(), wall.Now().Add(time.Minute), by, 1)
			if err != nil || len(ms) != 1 {
				t.Fatalf("claim for %s: %v, %v", by, ms, err)
			}
			claimed[by] = ms[0].ID
		}
		dead, live := claimed["ins_dead"], claimed["ins_live"]
		if n, _ := svc.DeliverMails(ctx, 50, retryIn); n != 0 {
			t.Fatalf("claimed mails taken by another sender: %d", n)
		}
		var asked []string
		lapsed := func(_ context.Context, ids []string) ([]string, error) {
			asked = ids
			return slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id != "ins_dead" }), nil
		}
		if err := svc.ReleaseDeadClaims(ctx, lapsed); err != nil {
			t.Fatal(err)
		}
		if slices.Sort(asked); !slices.Equal(asked, []string{"ins_dead", "ins_live"}) {
			t.Errorf("asked about %v, want both claimants", asked)
		}
		if n, err := svc.DeliverMails(ctx, 50, retryIn); n != 1 || err != nil || server.sent[dead] != 1 || server.sent[live] != 0 {
			t.Errorf("after the release: %d taken (%v), sent %v; want the dead instance's mail alone", n, err, server.sent)
		}
	})
}
