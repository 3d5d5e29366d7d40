package app_test

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app/apptest"
)

// TestDeliveriesSurviveKill invites 50 members of a `kanri serve` that
// sends mail to a slow SMTP server on loopback and posts webhooks, kills
// it (SIGKILL) while it is sending, and starts another on its database.
// Within two minutes of the restart every invitation has arrived and every
// member.added webhook too; a mail arrives twice only with the same
// Message-ID (the server had accepted it when the process died), and
// nothing else arrives twice.
func TestDeliveriesSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("builds kanri and kills kanri serve processes")
	}
	t.Parallel()
	bin := buildKanri(t)
	onEachDatabase(t, func(t *testing.T, url string) {
		const invitees = 50
		mta, rcv := startSMTP(t, 0), startReceiver(t, 0)
		mta.slow(150 * time.Millisecond) // ten mails in flight at a time, for 1.5 s
		flags := []string{"--smtp-host", "127.0.0.1", "--smtp-port", strconv.Itoa(mta.port), "--smtp-tls", "none", "--allow-private-webhooks"}
		first := serve(t, bin, url, flags...)
		s := apptest.Remote(t, first.url)
		registerEndpoint(t, s, cliOperatorToken(t, bin, url), rcv)
		ten := s.Signup("crashco")
		s.PayMonthly(ten)
		emails := map[string]string{}
		for i := range invitees {
			login := fmt.Sprintf("m%02d", i)
			emails[login+"@"+ten.Domain] = login + "@invitees.example"
			addMember(t, s, ten, map[string]any{"login_id": login, "display_name": "Member " + login, "email": emails[login+"@"+ten.Domain]})
		}
		eventually(t, time.Minute, func() string {
			if n := len(invitations(mta, emails)); n < 15 {
				return fmt.Sprintf("%d invitations arrived, want 15 before the kill", n)
			}
			return ""
		})
		first.kill()
		arrived := len(invitations(mta, emails))
		running := apptest.CountRows(t, url, runningDeliveries)
		t.Logf("killed with %d of %d invitations arrived and %d deliveries under way", arrived, invitees, running)
		if arrived == invitees {
			t.Fatal("every invitation arrived before the kill: the test did not kill kanri mid-way")
		}

		serve(t, bin, url, flags...)
		restarted := time.Now()
		eventually(t, 2*time.Minute, func() string {
			if n := len(invitations(mta, emails)); n < invitees {
				return fmt.Sprintf("%d of %d invitations arrived since the restart", n, invitees)
			}
			return ""
		})
		t.Logf("every invitation arrived %v after the restart", time.Since(restarted).Round(time.Second))
		eventually(t, 2*time.Minute-time.Since(restarted), func() string {
			if n := apptest.CountRows(t, url, runningDeliveries); n > 0 {
				return fmt.Sprintf("%d deliveries still under way", n)
			}
			return checkEachEventOnce(emails, rcv)
		})
		checkInvitedOnce(t, mta, emails)
	})
}

// invitations returns the Message-IDs of the invitations mta accepted per
// recipient of emails.
func invitations(mta *smtpServer, emails map[string]string) map[string][]string {
	invitees := map[string]bool{}
	for _, e := range emails {
		invitees[e] = true
	}
	msgs, _ := mta.messages()
	out := map[string][]string{}
	for _, m := range msgs {
		if invitees[m.to] {
			out[m.to] = append(out[m.to], m.messageID)
		}
	}
	return out
}

// checkInvitedOnce fails unless every invitee got mail with one Message-ID,
// and no Message-ID went to two addresses.
func checkInvitedOnce(t *testing.T, mta *smtpServer, emails map[string]string) {
	t.Helper()
	owner, resent := map[string]string{}, 0
	for to, ids := range invitations(mta, emails) {
		for _, id := range ids {
			if id != ids[0] {
				t.Errorf("%s got two different mails: %s and %s", to, ids[0], id)
			}
			if o, ok := owner[id]; ok && o != to {
				t.Errorf("Message-ID %s went to %s and %s", id, o, to)
			}
			owner[id] = to
		}
		resent += len(ids) - 1
	}
	t.Logf("%d invitations were sent again with their Message-ID (accepted by the server when kanri died)", resent)
}

// checkEachEventOnce says what is wrong unless the receiver handled one
// member.added event for each member of emails (by login id), and no other
// event twice.
func checkEachEventOnce(emails map[string]string, rcv *receiver) string {
	_, handled, events, refusals := rcv.snapshot()
	if len(refusals) > 0 {
		return fmt.Sprintf("the receiver refused deliveries: %v", refusals)
	}
	seen := map[string]int{}
	for id, e := range events {
		if handled[id] != 1 {
			return fmt.Sprintf("webhook-id %s was handled %d times", id, handled[id])
		}
		seen[e.Type+" "+e.Data.Member.LoginID]++
	}
	for login := range emails {
		if n := seen["member.added "+login]; n != 1 {
			return fmt.Sprintf("%d member.added events of %s arrived, want 1", n, login)
		}
	}
	return ""
}

// longTest skips a test of the long crash harness (what it does) unless
// KANRI_TEST_LONG is set: go test ./... keeps the short crash tests.
func longTest(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("KANRI_TEST_LONG") == "" {
		t.Skip(what + ": a long test, run with KANRI_TEST_LONG=1")
	}
}
