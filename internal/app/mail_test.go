package app_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/store/storetest"
)

// TestMailAndWebhookByHand walks through what an operator would try by
// hand with the server's own job runner: a member added with an e-mail gets
// a Japanese mail, kept in the mailbox without SMTP and sent with it; a
// super-admin transfer mails both admins; every event reaches the endpoint.
// Nothing fails, so nothing waits for the default retry schedules.
func TestMailAndWebhookByHand(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		smtp bool
		want string // the mails' final status
	}{
		{"kept without SMTP", false, notify.MailKept},
		{"sent over SMTP", true, notify.MailSent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			storetest.Each(t, func(t *testing.T, env *storetest.Env) {
				t.Parallel()
				var mta *smtpServer
				if tc.smtp {
					mta = startSMTP(t, 0)
				}
				rcv := startReceiver(t, 0)
				s := apptest.Start(t, env.URL, func(c *app.Config) {
					if mta != nil {
						c.SMTP = app.SMTPConfig{Host: "127.0.0.1", Port: mta.port, TLS: "none", From: "kanri@vendor.example", FromName: "Kanri"}
					}
					c.AllowPrivateWebhooks, c.Workers = true, true
				})
				// apptest serves the handler only; run the app's own runner as serve does.
				run(t, s.App.Jobs)
				byHand(t, s, mta, rcv, tc.want)
			})
		})
	}
}

func byHand(t *testing.T, s *apptest.Server, mta *smtpServer, rcv *receiver, want string) {
	op := operatorToken(t, s)
	endpoint := registerEndpoint(t, s, op, rcv)
	ten := s.Signup("byhand")
	hanako := addMember(t, s, ten, map[string]any{"login_id": "hanako", "display_name": "山田 花子", "email": "hanako@personal.example"})
	m := waitMail(t, s, op, "member_added", "hanako@personal.example", want)
	if got, wantSubject := m.Subject, "【Kanri】byhand Inc. のメンバーに追加されました"; got != wantSubject {
		t.Errorf("subject: got %q, want %q", got, wantSubject)
	}
	for part, body := range map[string]string{"text": m.Text, "html": m.HTML} {
		for _, s := range []string{"山田 花子 様", "byhand Inc.", "hanako@" + ten.Domain, "http://127.0.0.1/"} {
			if !strings.Contains(body, s) {
				t.Errorf("the %s part does not contain %q:\n%s", part, s, body)
			}
		}
	}

	admin := roleID(t, s, ten, "admin")
	taro := addMember(t, s, ten, map[string]any{"login_id": "taro", "display_name": "佐藤 太郎", "email": "taro@personal.example",
		"password": "taro-password-42", "role_ids": []string{admin}})
	expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/super-admin", Token: ten.AdminToken,
		Body: map[string]string{"member_id": taro}})
	resigned := waitMail(t, s, op, "super_admin_resigned", "admin@byhand.example.com", want)
	granted := waitMail(t, s, op, "super_admin_granted", "taro@personal.example", want)
	for _, c := range []struct {
		m             mail
		subject, name string
	}{
		{resigned, "【Kanri】byhand Inc. の最高管理者権限を委任しました", "佐藤 太郎"},
		{granted, "【Kanri】byhand Inc. の最高管理者権限が委任されました", "Admin"},
	} {
		if c.m.Subject != c.subject || !strings.Contains(c.m.Text, c.name) || !strings.Contains(c.m.HTML, c.name) {
			t.Errorf("%s mail: subject %q, want %q, and both bodies naming %s; text:\n%s", c.m.Template, c.m.Subject, c.subject, c.name, c.m.Text)
		}
	}
	if mta != nil {
		checkSent(t, mta, m, waitMail(t, s, op, "member_added", "taro@personal.example", want), resigned, granted)
	}

	eventually(t, 10*time.Second, func() string {
		for _, d := range deliveries(t, s, endpoint) {
			if d.Status != notify.DeliveryDelivered {
				return fmt.Sprintf("delivery %s of %s is %s", d.ID, d.EventType, d.Status)
			}
		}
		return ""
	})
	_, handled, events, refusals := rcv.snapshot()
	var got []string
	for id, e := range events {
		got = append(got, fmt.Sprintf("%s %s ×%d", e.Type, e.Data.ID, handled[id]))
	}
	slices.Sort(got)
	wantEvents := []string{"member.added " + hanako + " ×1", "member.added " + taro + " ×1",
		"member.super_admin_granted " + taro + " ×1", "member.super_admin_resigned " + ten.AdminID + " ×1"}
	slices.Sort(wantEvents)
	if diff := cmp.Diff(wantEvents, got); diff != "" {
		t.Errorf("events handled (-want +got):\n%s", diff)
	}
	for _, r := range refusals {
		t.Errorf("the receiver refused a delivery: %s", r)
	}
}

// waitMail waits for the one mail of template to address to reach status
// want, and returns it with its bodies.
func waitMail(t *testing.T, s *apptest.Server, op, template, address, want string) mail {
	t.Helper()
	var id string
	eventually(t, 10*time.Second, func() string {
		var found []mail
		for _, m := range list[mail](t, s, op, "/api/v1/ops/mail") {
			if m.Template == template && m.To == address {
				found = append(found, m)
			}
		}
		switch {
		case len(found) != 1:
			return fmt.Sprintf("%d %s mails to %s, want 1", len(found), template, address)
		case found[0].Status != want:
			return fmt.Sprintf("%s mail to %s is %s (%s), want %s", template, address, found[0].Status, found[0].LastError, want)
		}
		id = found[0].ID
		return ""
	})
	var m mail
	expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/ops/mail/" + id, Token: op}).Decode(t, &m)
	if m.Language != "ja" || m.Text == "" || m.HTML == "" {
		t.Errorf("mail %s: language %q, %d bytes of text and %d of HTML; want ja and both parts", id, m.Language, len(m.Text), len(m.HTML))
	}
	return m
}

// checkSent checks that the SMTP server got exactly mails, each once, to
// its address, under its Message-ID and subject.
func checkSent(t *testing.T, mta *smtpServer, mails ...mail) {
	t.Helper()
	var want, got []message
	for _, m := range mails {
		want = append(want, message{rcpt: []string{m.To}, to: m.To, messageID: m.ID + "@vendor.example", subject: m.Subject})
	}
	got, _ = mta.messages()
	byID := func(a, b message) int { return strings.Compare(a.messageID, b.messageID) }
	slices.SortFunc(want, byID)
	slices.SortFunc(got, byID)
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(message{})); diff != "" {
		t.Errorf("messages the SMTP server got (-want +got):\n%s", diff)
	}
}

// roleID returns the id of the tenant's role named name.
func roleID(t *testing.T, s *apptest.Server, ten *apptest.Tenant, name string) string {
	t.Helper()
	var roles []struct{ ID, Name string }
	expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/tenants/" + ten.ID + "/roles", Token: ten.AdminToken}).Decode(t, &roles)
	for _, r := range roles {
		if r.Name == name {
			return r.ID
		}
	}
	t.Fatalf("tenant %s has no role %q", ten.ID, name)
	return ""
}
