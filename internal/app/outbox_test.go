package app_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/store/storetest"
)

// TestOutboxUnderFaults adds members while the SMTP server and the webhook
// receiver each fail about 30% of the time and the worker is killed half
// way: a fresh worker finishes the work, every mail reaches the server
// (again only under the same Message-ID) and every event reaches the
// receiver's handler exactly once.
func TestOutboxUnderFaults(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		const members, failRate = 40, 0.3
		mta, rcv := startSMTP(t, failRate), startReceiver(t, failRate)
		s := apptest.Start(t, env.URL, func(c *app.Config) {
			c.SMTP = app.SMTPConfig{Host: "127.0.0.1", Port: mta.port, TLS: "none", From: "kanri@vendor.example", FromName: "Kanri"}
			c.AllowPrivateWebhooks, c.Workers = true, false
		})
		op := operatorToken(t, s)
		ten := s.Signup("faults")
		s.PayMonthly(ten) // past the free plan's 30 members; mails the contract to the super admin
		endpoint := registerEndpoint(t, s, op, rcv)
		emails := map[string]string{} // login id → e-mail
		for i := range members {
			login, email := fmt.Sprintf("m%02d", i), fmt.Sprintf("member%02d@personal.example", i)
			addMember(t, s, ten, map[string]any{"login_id": login, "display_name": "Member " + login, "email": email})
			emails[login+"@"+ten.Domain] = email
		}

		stop := run(t, newWorker(t, s))
		eventually(t, 10*time.Second, func() string {
			accepted, _ := mta.messages()
			_, handled, _, _ := rcv.snapshot()
			if done := len(accepted) + len(handled); done < members/2 {
				return fmt.Sprintf("the first worker did %d of %d items", done, 2*members)
			}
			return ""
		})
		stop()
		accepted, _ := mta.messages()
		_, handled, _, _ := rcv.snapshot()
		t.Logf("worker killed after %d mails accepted and %d events handled", len(accepted), len(handled))

		stop = run(t, newWorker(t, s))
		eventually(t, 20*time.Second, func() string {
			for _, m := range list[mail](t, s, op, "/api/v1/ops/mail") {
				if m.Status != notify.MailSent {
					return fmt.Sprintf("mail %s is %s (attempts %d, %s)", m.ID, m.Status, m.Attempts, m.LastError)
				}
			}
			for _, d := range deliveries(t, s, endpoint) {
				if d.Status != notify.DeliveryDelivered {
					return fmt.Sprintf("delivery %s is %s (attempts %d, %s)", d.ID, d.Status, d.Attempts, d.LastError)
				}
			}
			return ""
		})
		stop()
		checkMails(t, list[mail](t, s, op, "/api/v1/ops/mail"), len(emails)+1, mta)
		checkEvents(t, deliveries(t, s, endpoint), emails, rcv)
	})
}

// checkMails checks that every mail (want: one per member and the
// contract's) reached the SMTP server under its own Message-ID, and nothing
// else did.
func checkMails(t *testing.T, mails []mail, want int, mta *smtpServer) {
	t.Helper()
	if len(mails) != want {
		t.Errorf("the mailbox has %d mails, want %d: one per member and the contract's", len(mails), want)
	}
	byMessageID := map[string]mail{}
	for _, m := range mails {
		byMessageID[m.ID+"@vendor.example"] = m
	}
	accepted, refused := mta.messages()
	got := map[string]int{}
	for _, msg := range accepted {
		m, ok := byMessageID[msg.messageID]
		switch {
		case !ok:
			t.Errorf("the server got Message-ID %q, which is no mail's", msg.messageID)
		case len(msg.rcpt) != 1 || msg.rcpt[0] != m.To || msg.to != m.To:
			t.Errorf("Message-ID %s went to %v (To: %s), want %s", msg.messageID, msg.rcpt, msg.to, m.To)
		}
		got[msg.messageID]++
	}
	for id, m := range byMessageID {
		if got[id] == 0 {
			t.Errorf("mail %s to %s never reached the server", m.ID, m.To)
		}
	}
	if refused == 0 {
		t.Errorf("the server refused no message: the faults were not injected")
	}
	t.Logf("SMTP: %d messages refused, %d accepted for %d mails", refused, len(accepted), len(mails))
}

// checkEvents checks that every delivery, one per member, reached the
// receiver's handler exactly once under its own webhook-id.
func checkEvents(t *testing.T, ds []delivery, emails map[string]string, rcv *receiver) {
	t.Helper()
	received, handled, events, refusals := rcv.snapshot()
	for _, r := range refusals {
		t.Errorf("the receiver refused a delivery: %s", r)
	}
	if len(ds) != len(emails) {
		t.Errorf("the endpoint has %d deliveries, want %d: one per member", len(ds), len(emails))
	}
	seen := map[string]bool{}
	raw, failures := 0, 0
	for _, d := range ds {
		e := events[d.EventID]
		switch {
		case seen[d.EventID]:
			t.Errorf("webhook-id %s is on two deliveries", d.EventID)
		case handled[d.EventID] != 1:
			t.Errorf("webhook-id %s reached the handler %d times, want once", d.EventID, handled[d.EventID])
		case e.Type != "member.added" || emails[e.Data.Member.LoginID] != e.Data.Member.Email:
			t.Errorf("webhook-id %s carried %s of %s <%s>, want member.added of a member added", d.EventID, e.Type, e.Data.Member.LoginID, e.Data.Member.Email)
		}
		seen[d.EventID] = true
		delete(emails, e.Data.Member.LoginID)
		raw += received[d.EventID]
		failures += d.Attempts - 1
	}
	for id := range handled {
		if !seen[id] {
			t.Errorf("the handler got webhook-id %s, which is no delivery's", id)
		}
	}
	for login := range emails {
		t.Errorf("no event reached the handler for member %s", login)
	}
	if raw == len(ds) {
		t.Errorf("every event was received once: the faults were not injected")
	}
	t.Logf("webhooks: %d receptions for %d events (%d failed attempts recorded)", raw, len(ds), failures)
}
