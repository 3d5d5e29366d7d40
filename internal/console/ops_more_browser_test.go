package console_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/notify"
)

// TestBrowserOpsMore walks the operator console's four new screens in
// Chromium, each checked by axe-core: the mailbox (a search, a failed
// mail with its HTML part in a sandboxed frame, its resend), the webhook
// endpoints (one added with the secret shown once), the operators (one
// added with its password shown once) and the statistics' charts and
// tables, in Japanese and then in English.
func TestBrowserOpsMore(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, filepath.Join(t.TempDir(), "kanri.db"), func(c *app.Config) { c.AllowPrivateWebhooks = true })
	ten := s.Signup("acme")
	paidTenant(t, s, ten, 5)
	if _, err := s.App.Services.Sessions.CreateOperator(auth.System(context.Background(), "test"), opsEmail, "Ops Taro", opsPassword); err != nil {
		t.Fatal(err)
	}
	mailFixture(t, s, notify.Mail{TenantID: ten.ID, To: "jiro@acme.example", Template: "member_added", Status: notify.MailKept})
	failed := mailFixture(t, s, notify.Mail{TenantID: ten.ID, To: "hanako@acme.example", ToName: "山田 花子", Template: "password_reset",
		Subject: "パスワードの再設定", Status: notify.MailFailed, Attempts: 12, LastError: "smtp: 550 mailbox unavailable",
		HTML: `<h1 id="inside">パスワードの再設定</h1><script>parent.document.title = "pwned"</script>`})
	rcv := newReceiver(t, http.StatusNoContent)
	b := newTab(t, s.URL)
	axe := axeSource(t)

	b.open("/ops/login")
	b.fill("#f-email", opsEmail)
	if st := b.typeAndEnter("#f-password", opsPassword); st != http.StatusOK {
		t.Fatalf("operator sign in: %d at %s", st, b.location())
	}

	b.open("/ops/mail")
	b.wantText("#mails", "hanako@acme.example")
	b.shot("mailbox")
	wantAccessible(b, axe, "mailbox")
	b.fill("#f-recipient", "花子")
	b.submit("#mail-search")
	if got := b.text("#mails tbody"); strings.Contains(got, "jiro@") || !strings.Contains(got, "hanako@") {
		t.Fatalf("search for 花子 lists %q", got)
	}
	b.submit("#mails tbody a")
	b.wantText("h1", "パスワードの再設定")
	b.wantText("#mail-last-error", "550 mailbox unavailable")
	b.waitVisible("#mail-html")
	if title := b.text("title"); strings.Contains(title, "pwned") {
		t.Fatalf("the mail's script ran: the page's title is %q", title)
	}
	b.shot("mail")
	wantAccessible(b, axe, "one mail")
	if st := b.submit("#mail-resend"); st != http.StatusOK {
		t.Fatalf("resend: %d", st)
	}
	b.wantText(".flash", "メールの再送を受け付けました")
	b.wantText("#mail-status", "送信待ち")
	if m, _ := s.App.DB.GetMail(context.Background(), failed.ID); m.Status != notify.MailPending {
		t.Errorf("after the resend the mail is %s, want pending", m.Status)
	}

	b.open("/ops/webhooks")
	b.wantText("#endpoints-none", "送信先はまだありません")
	wantAccessible(b, axe, "webhook endpoints")
	b.fill("#f-url", rcv.URL+"/hooks")
	b.fill("#f-description", "製品の受け口")
	b.click(`input[value="tenant.updated"]`)
	if st := b.submit("#hook-create"); st != http.StatusOK {
		t.Fatalf("add an endpoint: %d", st)
	}
	b.wantText("#hook-secret", "whsec_")
	b.wantText(".flash", "Webhookの送信先を追加しました")
	b.shot("webhook-added")
	wantAccessible(b, axe, "a new endpoint with its secret")

	b.open("/ops/operators")
	wantAccessible(b, axe, "operators")
	b.fill("#f-email", "hanako@vendor.example")
	b.fill("#f-name", "佐藤 花子")
	if st := b.submit("#operator-add"); st != http.StatusOK {
		t.Fatalf("add an operator: %d", st)
	}
	b.wantText("#operator-password-card", "hanako@vendor.example の初期パスワード")
	if pw := b.text("#operator-password"); len(pw) != 24 {
		t.Errorf("initial password %q, want 5 groups of 4", pw)
	}
	b.shot("operator-added")
	wantAccessible(b, axe, "an operator added")

	b.open("/ops/stats")
	b.waitVisible("#stats-churn-chart")
	b.wantText("#stats-mrr", "¥2,250")
	b.wantText("#stats-plans", "スタンダード")
	b.shot("stats")
	wantAccessible(b, axe, "statistics")

	b.submit("#lang-switch")
	b.wantText("h1", "Statistics")
	wantAccessible(b, axe, "statistics in English")
	b.open("/ops/mail/" + failed.ID)
	b.wantText("#mail-status", "Pending")
	wantAccessible(b, axe, "one mail in English")
}
