package notify_test

import (
	"context"
	"errors"
	"testing"

	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/store/storetest"
	"github.com/kanri/kanri/internal/webhook"
)

// TestLateAttemptLeavesFinishedDelivery: an attempt that fails after
// another attempt delivered the mail or the webhook meanwhile (its process
// seemed dead, so its job ran again elsewhere) neither undoes the delivery
// nor asks for a retry.
func TestLateAttemptLeavesFinishedDelivery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		ctx := context.Background()
		svc := env.NotifyService()
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
		other := env.NotifyService() // the attempt run again elsewhere, which delivers
		other.Send = func(context.Context, *notify.Mail) error { return nil }
		other.Post = func(context.Context, *notify.Endpoint, *notify.Delivery) (int, error) { return 204, nil }
		svc.Send = func(ctx context.Context, m *notify.Mail) error {
			if err := other.DeliverMail(ctx, m.ID, false); err != nil {
				t.Fatal(err)
			}
			return errors.New("connection reset")
		}
		svc.Post = func(ctx context.Context, _ *notify.Endpoint, d *notify.Delivery) (int, error) {
			if err := other.DeliverWebhook(ctx, d.ID, false); err != nil {
				t.Fatal(err)
			}
			return 0, errors.New("connection reset")
		}
		if err := svc.DeliverMail(ctx, mails[0].ID, false); err != nil {
			t.Errorf("the late mail attempt: %v; want nothing to retry", err)
		}
		if err := svc.DeliverWebhook(ctx, deliveries[0].ID, false); err != nil {
			t.Errorf("the late webhook attempt: %v; want nothing to retry", err)
		}
		if m, _ := env.DB.GetMail(ctx, mails[0].ID); m.Status != notify.MailSent || m.LastError != "" {
			t.Errorf("mail %s (%q); want it left sent", m.Status, m.LastError)
		}
		if d, _ := env.DB.GetDelivery(ctx, deliveries[0].ID); d.Status != notify.DeliveryDelivered || d.LastError != "" {
			t.Errorf("delivery %s (%q); want it left delivered", d.Status, d.LastError)
		}
	})
}
