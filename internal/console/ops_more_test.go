package console_test

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/clock"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/session"
	"github.com/kanri/kanri/internal/webhook"
)

// startOpsWith is startOps on a Kanri whose configuration change adjusts.
func startOpsWith(t *testing.T, change func(*app.Config)) (*apptest.Server, *apptest.Tenant, *browser) {
	t.Helper()
	s := apptest.Start(t, filepath.Join(t.TempDir(), "kanri.db"), change)
	ten := s.Signup("acme")
	if _, err := s.App.Services.Sessions.CreateOperator(auth.System(context.Background(), "test"), opsEmail, "Ops Taro", opsPassword); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, s)
	b.signInOperator(opsEmail, opsPassword)
	return s, ten, b
}

// opsMoreFixtures writes a mail and a webhook endpoint straight to the
// database, for tests that need one of each to show.
func opsMoreFixtures(t *testing.T, s *apptest.Server) (mailID, endpointID string) {
	t.Helper()
	m := mailFixture(t, s, notify.Mail{To: "fixture@example.com", Template: "member_added", Status: notify.MailKept})
	ids := id.Sortable{Clock: s.App.Clock}
	e := &notify.Endpoint{ID: ids.New("whe"), URL: "https://hooks.example.com/kanri", EventTypes: []string{"*"},
		Secrets: []string{webhook.NewSecret()}, CreatedAt: s.App.Clock.Now()}
	if err := s.App.DB.CreateEndpoint(context.Background(), e); err != nil {
		t.Fatal(err)
	}
	return m.ID, e.ID
}

// mailFixture stores m, completed with defaults, as if Kanri had written it.
func mailFixture(t *testing.T, s *apptest.Server, m notify.Mail) *notify.Mail {
	t.Helper()
	m.ID = id.Sortable{Clock: s.App.Clock}.New("mail")
	m.Language = cmpOr(m.Language, "ja")
	m.Subject = cmpOr(m.Subject, "件名 "+m.Template)
	m.Text = cmpOr(m.Text, "本文 "+m.To)
	m.HTML = cmpOr(m.HTML, "<p>本文</p>")
	m.CreatedAt = s.App.Clock.Now()
	time.Sleep(2 * time.Millisecond) // ids sort by the millisecond: the next mail's comes later
	if err := s.App.DB.CreateMails(context.Background(), &m); err != nil {
		t.Fatal(err)
	}
	return &m
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

var mailLink = regexp.MustCompile(`href="/ops/mail/(mail_[0-9A-Za-z]+)"`)

// mailIDs are the mails a mailbox page lists, in order.
func mailIDs(p *page) []string {
	var out []string
	for _, m := range mailLink.FindAllStringSubmatch(p.Body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestOpsMoreMailbox: the mailbox lists every mail newest first in both
// languages, searches by recipient, tenant (id or works group), template
// and status, refuses an unknown status, shows one mail with its HTML
// part in a sandboxed frame (escaped, never run), and resends a failed
// one through the jobs, refusing one that did not fail.
func TestOpsMoreMailbox(t *testing.T) {
	s, acme, ops := startOps(t)
	beta := s.Signup("beta")
	kept := mailFixture(t, s, notify.Mail{TenantID: acme.ID, To: "hanako@acme.example", ToName: "山田 花子", Template: "member_added",
		Status: notify.MailKept, HTML: `<p>ようこそ</p><script>alert("x")</script>`})
	failed := mailFixture(t, s, notify.Mail{TenantID: beta.ID, To: "Taro@beta.example", Template: "password_reset", Language: "en",
		Status: notify.MailFailed, Attempts: 12, LastError: "smtp: 550 mailbox unavailable"})
	sent := mailFixture(t, s, notify.Mail{To: "sales@abc.example.jp", Template: "partner_user_invited", Status: notify.MailSent})

	p := ops.get("/ops/mail")
	if p.Status != http.StatusOK {
		t.Fatalf("GET /ops/mail: %d\n%.2000s", p.Status, p.Body)
	}
	if got := mailIDs(p); len(got) < 3 || !slices.Equal(got[:3], []string{sent.ID, failed.ID, kept.ID}) {
		t.Errorf("mailbox lists %v, want %s, %s, %s first (newest first)", got, sent.ID, failed.ID, kept.ID)
	}
	wantIn(t, "mailbox (ja)", p.Body, "メールボックス", "保管中", "送信失敗", "送信済み", "hanako@acme.example", "山田 花子",
		`<a href="/ops/tenants/`+beta.ID+`">beta</a>`, `for="f-recipient"`, `for="f-status"`)

	for _, c := range []struct {
		name, query string
		want        []string
	}{
		{"recipient, any case", "recipient=TARO", []string{failed.ID}},
		{"recipient's name", "recipient=" + url.QueryEscape("花子"), []string{kept.ID}},
		{"tenant by works group", "tenant=beta", []string{failed.ID}},
		{"tenant by id", "tenant=" + acme.ID + "&template=member_added&recipient=hanako", []string{kept.ID}},
		{"template", "template=partner_user_invited", []string{sent.ID}},
		{"status", "status=failed", []string{failed.ID}},
		{"all at once", "recipient=taro&tenant=beta&template=password_reset&status=failed", []string{failed.ID}},
		{"nothing", "recipient=nobody", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := ops.get("/ops/mail?" + c.query)
			if got := mailIDs(p); p.Status != http.StatusOK || !slices.Equal(got, c.want) {
				t.Errorf("?%s: %d %v, want %v", c.query, p.Status, got, c.want)
			}
		})
	}
	if p := ops.get("/ops/mail?status=lost"); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "「lost」というメールの状態はありません") {
		t.Errorf("unknown status: %d, want 422 saying so\n%.2000s", p.Status, p.Body)
	}
	if p := ops.get("/ops/mail?after=nonsense"); p.Status != http.StatusBadRequest {
		t.Errorf("a cursor never handed out: %d, want 400", p.Status)
	}
	first := ops.get("/ops/mail?limit=2&recipient=example")
	next := regexp.MustCompile(`href="([^"]+)" class="button" id="page-next"`).FindStringSubmatch(first.Body)
	if ids := mailIDs(first); !slices.Equal(ids, []string{sent.ID, failed.ID}) || next == nil {
		t.Fatalf("a page of two: %v, next link %v", ids, next)
	}
	second := ops.get(html.UnescapeString(next[1]))
	if ids := mailIDs(second); !slices.Equal(ids, []string{kept.ID}) || !strings.Contains(second.Body, `href="/ops/mail?limit=2&amp;recipient=example" class="button" id="page-first"`) {
		t.Errorf("the second page (keeping the search): %v\n%.3000s", ids, second.Body)
	}

	one := ops.get("/ops/mail/" + kept.ID)
	wantIn(t, "a kept mail", one.Body, "メールの詳細", "山田 花子 &lt;hanako@acme.example&gt;", "member_added", "日本語",
		`sandbox=""`, `src="/ops/mail/`+kept.ID+`/html"`, "本文 hanako@acme.example", `title="メールの HTML 本文"`,
		"&lt;p&gt;ようこそ&lt;/p&gt;&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;")
	if strings.Contains(one.Body, `<script>alert`) || strings.Contains(one.Body, `id="mail-resend"`) {
		t.Errorf("a kept mail's page runs its HTML or offers to resend it:\n%s", one.Body)
	}
	part := ops.get("/ops/mail/" + kept.ID + "/html")
	if csp := part.Header.Get("Content-Security-Policy"); part.Status != http.StatusOK || part.Body != kept.HTML ||
		!strings.HasSuffix(csp, "; sandbox") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("the HTML part: %d, CSP %q, body %q; want it as written, sandboxed, loading nothing", part.Status, csp, part.Body)
	}
	if p := ops.post("/ops/mail/"+kept.ID+"/resend", nil); p.Status != http.StatusConflict || !strings.Contains(p.Body, "このメールは「保管中」のため再送できません") {
		t.Errorf("resend a kept mail: %d, want 409 saying why\n%.2000s", p.Status, p.Body)
	}

	ops.setLang("en")
	one = ops.get("/ops/mail/" + failed.ID)
	wantIn(t, "a failed mail (en)", one.Body, "<html lang=\"en\">", "Failed", "smtp: 550 mailbox unavailable", `id="mail-resend"`,
		`id="mail-attempts">12<`, "English")
	p = ops.post("/ops/mail/"+failed.ID+"/resend", nil)
	if p.Status != http.StatusSeeOther || p.Location != "/ops/mail/"+failed.ID+"?flash=ops_mail_resent" {
		t.Fatalf("resend the failed mail: %d %q\n%.2000s", p.Status, p.Location, p.Body)
	}
	wantIn(t, "after the resend", ops.follow(p).Body, "The mail is queued to be sent again.", "Pending")
	if p := ops.post("/ops/mail/"+failed.ID+"/resend", nil); p.Status != http.StatusConflict {
		t.Errorf("resend it twice: %d, want 409", p.Status)
	}
	s.Mail()
	if m, err := s.App.DB.GetMail(context.Background(), failed.ID); err != nil || m.Status != notify.MailKept {
		t.Errorf("after the jobs ran: %+v %v, want the mail kept (no SMTP)", m, err)
	}
	wantOpsAudit(t, s, "mail.resent", failed.ID)
	if p := ops.get("/ops/mail?recipient=" + url.QueryEscape("<b>")); p.Status != http.StatusOK || !strings.Contains(p.Body, `value="&lt;b&gt;"`) {
		t.Errorf("the search keeps what was typed, escaped: %d", p.Status)
	}
	if p := ops.get("/ops/mail/mail_00000000000000000000000000"); p.Status != http.StatusNotFound {
		t.Errorf("an unknown mail: %d, want 404", p.Status)
	}
}

// work relays the outbox into the job queue and runs the jobs of kind
// until none is left.
func work(t *testing.T, s *apptest.Server, kind string) {
	t.Helper()
	if _, err := s.App.Jobs.Relay(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Work(kind)
}

// wantOpsAudit fails t unless an operator's audit event action on target
// was recorded (outside any tenant).
func wantOpsAudit(t *testing.T, s *apptest.Server, action, target string) {
	t.Helper()
	var n int
	err := s.App.DB.Writer().QueryRowContext(context.Background(),
		`SELECT COUNT(*) FROM audit_events WHERE tenant_id IS NULL AND actor_kind = 'operator' AND action = ? AND target_id = ?`, action, target).Scan(&n)
	if err != nil || n != 1 {
		t.Errorf("audit events %s on %s: %d (%v), want 1", action, target, n, err)
	}
}

// receiver is the vendor's product in tests: it answers each webhook with
// the status held in status.
type receiver struct {
	*httptest.Server
	status atomic.Int32
	got    atomic.Int32
}

func newReceiver(t *testing.T, status int) *receiver {
	r := &receiver{}
	r.status.Store(int32(status))
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		r.got.Add(1)
		w.WriteHeader(int(r.status.Load()))
		_, _ = w.Write([]byte("endpoint retired:\n\tuse /v2/hooks instead"))
	}))
	t.Cleanup(r.Close)
	return r
}

var hookSecretOnPage = regexp.MustCompile(`id="hook-secret">(whsec_[^<]+)<`)

// TestOpsMoreWebhooks: an operator adds an endpoint (the secret shown on
// that answer only), refusals say what to fix, the secret is rotated
// (shown once again), an event that the receiver answers 410 cancels its
// delivery and disables the endpoint, with the answer's start in the log;
// a retry is refused until the endpoint is enabled, then delivers; and the
// endpoint is disabled by hand.
func TestOpsMoreWebhooks(t *testing.T) {
	s, acme, ops := startOpsWith(t, func(c *app.Config) { c.AllowPrivateWebhooks = true })
	rcv := newReceiver(t, http.StatusGone)

	p := ops.get("/ops/webhooks")
	wantIn(t, "no endpoints (ja)", p.Body, "Webhook の送信先", "送信先はまだありません。", `value="tenant.updated"`, `id="f-event-all"`)
	p = ops.post("/ops/webhooks", url.Values{"url": {"ftp://example.com/x"}, "description": {"製品"}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a bad endpoint: %d, want 422", p.Status)
	}
	wantIn(t, "refused endpoint", p.Body, `id="f-event_types-error"`, `value="製品"`, `value="ftp://example.com/x"`)

	p = ops.post("/ops/webhooks", url.Values{"url": {rcv.URL + "/hooks"}, "description": {"製品の受け口"}, "event_types": {"tenant.updated", "member.added"}})
	secret := hookSecretOnPage.FindStringSubmatch(p.Body)
	if p.Status != http.StatusOK || secret == nil {
		t.Fatalf("add an endpoint: %d, want its page with the secret\n%.3000s", p.Status, p.Body)
	}
	wantIn(t, "the new endpoint", p.Body, "Webhookの送信先を追加しました。", "このシークレットが表示されるのは今回だけです。",
		"<code>member.added</code>, <code>tenant.updated</code>", "製品の受け口")
	es, err := s.App.Services.Notify.Endpoints(opsCtx(t, s))
	if err != nil || len(es) != 1 || es[0].Secrets[0] != html.UnescapeString(secret[1]) {
		t.Fatalf("endpoints %+v %v, want one whose secret the page showed", es, err)
	}
	hook := "/ops/webhooks/" + es[0].ID
	if p := ops.get(hook); strings.Contains(p.Body, secret[1]) || !strings.Contains(p.Body, "配信はまだありません。") {
		t.Errorf("the endpoint's page shows the secret again, or lacks the empty log: %d", p.Status)
	}
	p = ops.post(hook+"/rotate-secret", nil)
	rotated := hookSecretOnPage.FindStringSubmatch(p.Body)
	if p.Status != http.StatusOK || rotated == nil || rotated[1] == secret[1] || strings.Contains(p.Body, secret[1]) {
		t.Fatalf("rotate: %d %v, want a new secret shown", p.Status, rotated)
	}
	wantOpsAudit(t, s, "webhook_endpoint.secret_rotated", es[0].ID)

	// An event the receiver answers 410: the delivery is canceled and the endpoint disabled.
	s.Do(apptest.Request{Method: "PATCH", Path: "/api/v1/tenants/" + acme.ID, Token: acme.AdminToken, Body: map[string]any{"company_name": "Acme 2"}})
	work(t, s, "deliver_webhook")
	p = ops.get(hook)
	wantIn(t, "after a 410", p.Body, `id="hook-status">無効<`, "取り消し", "<code>tenant.updated</code>", ">410<",
		"the endpoint answered HTTP 410: endpoint retired: use /v2/hooks instead", `id="hook-enable"`)
	retry := regexp.MustCompile(`action="(` + hook + `/deliveries/dlv_[^/]+/retry)"`)
	dlv := regexp.MustCompile(`id="delivery-(dlv_[0-9A-Za-z]+)"`).FindStringSubmatch(p.Body)
	if dlv == nil || retry.MatchString(p.Body) {
		t.Fatalf("the log lacks the delivery, or offers a retry while the endpoint is disabled:\n%.3000s", p.Body)
	}
	p = ops.post(hook+"/deliveries/"+dlv[1]+"/retry", nil)
	if p.Status != http.StatusConflict || !strings.Contains(p.Body, "この送信先は無効になっているため") {
		t.Errorf("retry to a disabled endpoint: %d, want 409 saying why", p.Status)
	}

	p = ops.post(hook+"/enable", nil)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("enable: %d", p.Status)
	}
	p = ops.follow(p)
	wantIn(t, "enabled", p.Body, "送信先を有効にしました。", `id="hook-status">有効<`)
	m := retry.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no retry button for the canceled delivery:\n%.3000s", p.Body)
	}
	rcv.status.Store(http.StatusNoContent)
	if p := ops.post(m[1], nil); p.Status != http.StatusSeeOther || !strings.HasSuffix(p.Location, "flash=ops_delivery_retried") {
		t.Fatalf("retry: %d %q", p.Status, p.Location)
	}
	work(t, s, "deliver_webhook")
	p = ops.get(hook)
	wantIn(t, "delivered", p.Body, "配信済み", ">204<")
	if rcv.got.Load() != 2 {
		t.Errorf("the receiver got %d requests, want 2", rcv.got.Load())
	}
	if p := ops.post(m[1], nil); p.Status != http.StatusConflict || !strings.Contains(p.Body, "この配信はすでに届いています") {
		t.Errorf("retry a delivered delivery: %d, want 409", p.Status)
	}
	wantOpsAudit(t, s, "webhook_delivery.retried", dlv[1])

	ops.setLang("en")
	p = ops.post(hook+"/disable", nil)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("disable: %d", p.Status)
	}
	wantIn(t, "disabled (en)", ops.follow(p).Body, "The endpoint is disabled.", `id="hook-status">Disabled<`, "disabled by an operator", "Delivered")
	wantIn(t, "the list (en)", ops.get("/ops/webhooks").Body, "Webhook endpoints", rcv.URL+"/hooks", "2 types", "Disabled")
	if p := ops.get("/ops/webhooks/whe_00000000000000000000000000"); p.Status != http.StatusNotFound {
		t.Errorf("an unknown endpoint: %d, want 404", p.Status)
	}
}

// opsCtx is the context of the operator the tests sign in as.
func opsCtx(t *testing.T, s *apptest.Server) context.Context {
	t.Helper()
	o, err := s.App.DB.GetOperator(context.Background(), opsEmail)
	if err != nil {
		t.Fatal(err)
	}
	return auth.WithActor(context.Background(), &auth.Actor{Kind: auth.KindOperator, ID: o.ID, Name: o.Email})
}

var passwordOnPage = regexp.MustCompile(`id="operator-password">([^<]+)<`)

// TestOpsMoreOperators: an operator adds another, whose password shows on
// that answer only and signs in; refusals say what to fix; you cannot
// disable yourself; disabling the other ends its session and its sign-in;
// and of two operators disabling each other at once, the second is
// refused: someone must be left to sign in.
func TestOpsMoreOperators(t *testing.T) {
	s, _, ops := startOps(t)
	p := ops.get("/ops/operators")
	wantIn(t, "operators (ja)", p.Body, "運営者", opsEmail, "(あなた)", "有効")
	if strings.Contains(p.Body, `id="disable-`) {
		t.Errorf("the only operator is offered a disable button")
	}
	if p := ops.post("/ops/operators", url.Values{"email": {"not-an-address"}, "name": {"花子"}}); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.Body, `id="f-email-error"`) || !strings.Contains(p.Body, `value="花子"`) {
		t.Errorf("a bad address: %d, want 422 next to the field", p.Status)
	}
	p = ops.post("/ops/operators", url.Values{"email": {"Hanako@Vendor.example"}, "name": {"Hanako Sato"}})
	pw := passwordOnPage.FindStringSubmatch(p.Body)
	if p.Status != http.StatusOK || pw == nil {
		t.Fatalf("add an operator: %d\n%.3000s", p.Status, p.Body)
	}
	wantIn(t, "added", p.Body, "運営者を追加しました。", "hanako@vendor.example の初期パスワード", "このパスワードが表示されるのは今回だけです。")
	if p := ops.get("/ops/operators"); strings.Contains(p.Body, pw[1]) || !strings.Contains(p.Body, "Hanako Sato") {
		t.Errorf("the list shows the password again, or lacks the new operator")
	}
	if p := ops.post("/ops/operators", url.Values{"email": {"hanako@vendor.example"}, "name": {"Again"}}); p.Status != http.StatusConflict {
		t.Errorf("the same address twice: %d, want 409", p.Status)
	}
	hanako := newBrowser(t, s)
	hanako.signInOperator("hanako@vendor.example", pw[1])

	ops.setLang("en")
	self, err := s.App.DB.GetOperator(context.Background(), opsEmail)
	if err != nil {
		t.Fatal(err)
	}
	if p := ops.post("/ops/operators/"+self.ID+"/disable", nil); p.Status != http.StatusConflict || !strings.Contains(p.Body, "you cannot disable yourself") {
		t.Errorf("disable yourself: %d, want 409 saying why\n%.2000s", p.Status, p.Body)
	}
	other, err := s.App.DB.GetOperator(context.Background(), "hanako@vendor.example")
	if err != nil {
		t.Fatal(err)
	}
	p = ops.get("/ops/operators")
	wantIn(t, "operators (en)", p.Body, "Operators", "(you)", `id="disable-`+other.ID+`"`, `aria-label="Disable hanako@vendor.example"`)
	p = ops.post("/ops/operators/"+other.ID+"/disable", nil)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("disable hanako: %d\n%.2000s", p.Status, p.Body)
	}
	wantIn(t, "disabled", ops.follow(p).Body, "The operator is disabled; all of its sessions have ended.", "Disabled")
	if p := hanako.get("/ops/operators"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Location, "/ops/login") {
		t.Errorf("the disabled operator's session: %d %q, want it ended", p.Status, p.Location)
	}
	if p := hanako.post("/ops/login", url.Values{"email": {"hanako@vendor.example"}, "password": {pw[1]}}); p.Status == http.StatusSeeOther {
		t.Errorf("the disabled operator signed in again")
	}
	wantOpsAudit(t, s, "operator.disabled", other.ID)
	wantOpsAudit(t, s, "operator.created", other.ID)

	// Jiro and the first operator disable each other at once: Jiro's
	// request, authenticated before the other's committed, comes second.
	_, _, err = s.App.Services.Sessions.AddOperator(opsCtx(t, s), session.NewOperator{Email: "jiro@vendor.example", Name: "Jiro"})
	if err != nil {
		t.Fatal(err)
	}
	jiro, _ := s.App.DB.GetOperator(context.Background(), "jiro@vendor.example")
	jiroCtx := auth.WithActor(context.Background(), &auth.Actor{Kind: auth.KindOperator, ID: jiro.ID, Name: jiro.Email})
	if _, err := s.App.Services.Sessions.DisableOperator(opsCtx(t, s), jiro.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.App.Services.Sessions.DisableOperator(jiroCtx, self.ID); !errs.Is(err, errs.FailedPrecondition) {
		t.Errorf("disable the last active operator: %v, want FailedPrecondition", err)
	}
	if p := ops.get("/ops/operators"); p.Status != http.StatusOK {
		t.Errorf("the last operator was shut out: %d", p.Status)
	}
}

// TestOpsMoreStats checks the statistics against a fixture computed by
// hand, on the test clock (days of the JST billing calendar):
//
//	2027-01-10  acme, beta, gamma, delta sign up; acme buys standard
//	            annual × 10 licenses (¥450 each), beta standard monthly
//	            (¥540 × its 2 billable members)
//	2027-02-15  gamma (free) cancels: closed at once; epsilon signs up
//	2027-03-05  the page: MRR ¥4,500 + ¥1,080 = ¥5,580 from 2 paid
//	            subscriptions; free 2 (delta, epsilon), standard 2;
//	            churn Jan 0 of 0 (—), Feb 1 of 4 (25%), Mar 0 of 4 (0%).
func TestOpsMoreStats(t *testing.T) {
	jst := time.FixedZone("JST", 9*3600)
	s := apptest.Start(t, filepath.Join(t.TempDir(), "kanri.db"), func(c *app.Config) { c.TestClock = true })
	clk := s.App.Clock.(*clock.Adjustable)
	clk.Set(time.Date(2027, 1, 10, 10, 0, 0, 0, jst))
	acme, beta, gamma := s.Signup("acme"), s.Signup("beta"), s.Signup("gamma")
	s.Signup("delta")
	paidTenant(t, s, acme, 10)
	s.PayMonthly(beta)
	s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + beta.ID + "/members", Token: beta.AdminToken,
		Body: map[string]any{"login_id": "hanako", "display_name": "Hanako", "password": "hanako-password-1"}})
	clk.Set(time.Date(2027, 2, 15, 10, 0, 0, 0, jst))
	gammaToken := s.Login("admin@"+gamma.Domain, apptest.Password)
	if res := s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + gamma.ID + "/subscription/cancel", Token: gammaToken}); res.Status != http.StatusOK {
		t.Fatalf("cancel gamma: %d %s", res.Status, res.Body)
	}
	s.Signup("epsilon")
	clk.Set(time.Date(2027, 3, 5, 10, 0, 0, 0, jst))
	if _, err := s.App.Services.Sessions.CreateOperator(auth.System(context.Background(), "test"), opsEmail, "Ops", opsPassword); err != nil {
		t.Fatal(err)
	}
	ops := newBrowser(t, s)
	ops.signInOperator(opsEmail, opsPassword)

	p := ops.get("/ops/stats")
	if p.Status != http.StatusOK {
		t.Fatalf("GET /ops/stats: %d\n%.2000s", p.Status, p.Body)
	}
	wantIn(t, "stats (ja)", p.Body, `id="stats-mrr">¥5,580<`, "利用中の有料契約 2 件", "2027/03/05 10:00 JST 時点",
		`<th scope="row">フリー</th><td class="num">2</td><td class="num">¥0</td>`,
		`<th scope="row">スタンダード</th><td class="num">2</td><td class="num">¥5,580</td>`,
		`<th scope="row">アドバンスト</th><td class="num">0</td>`,
		`<th scope="row">直接契約</th><td class="num">2</td><td class="num">¥5,580</td>`,
		`<time datetime="2027-01">2027年1月</time></th><td class="num">0</td><td class="num">0</td><td class="num">—</td>`,
		`<time datetime="2027-02">2027年2月</time></th><td class="num">4</td><td class="num">1</td><td class="num">25%</td>`,
		`<time datetime="2027-03">2027年3月</time></th><td class="num">4</td><td class="num">0</td><td class="num">0%</td>`,
		`<time datetime="2026-04">2026年4月</time>`, `id="stats-plans-chart"`, `id="stats-churn-chart"`, `role="img"`)
	if n := strings.Count(p.Body, "<rect "); n != 3+12 {
		t.Errorf("%d bars drawn, want 3 plans and 12 months", n)
	}
	if strings.Contains(p.Body, "2026年3月") {
		t.Errorf("more than 12 months shown")
	}

	ops.setLang("en")
	p = ops.get("/ops/stats")
	wantIn(t, "stats (en)", p.Body, "Statistics", "Figures as of Mar 5, 2027 10:00 JST.", "2 active paid subscriptions",
		`<time datetime="2027-02">February 2027</time>`, "25%", "Standard")

	// The API gives the same figures.
	res := s.Do(apptest.Request{Method: "GET", Path: "/api/v1/ops/stats", Token: opsToken(t, s)})
	for _, want := range []string{`"mrr":5580`, `"paying_subscriptions":2`, `{"month":"2027-02","tenants_at_start":4,"cancellations":1,"rate_percent":25}`,
		`{"month":"2027-01","tenants_at_start":0,"cancellations":0,"rate_percent":null}`, `{"plan":"free","tenants":2,"mrr":0}`} {
		if !strings.Contains(string(res.Body), want) {
			t.Errorf("GET /api/v1/ops/stats: %d lacks %s\n%s", res.Status, want, res.Body)
		}
	}
}

// opsToken signs the tests' operator in to the API.
func opsToken(t *testing.T, s *apptest.Server) string {
	t.Helper()
	res := s.Do(apptest.Request{Method: "POST", Path: "/api/v1/ops/login", Body: map[string]string{"login_id": opsEmail, "password": opsPassword}})
	var out struct{ Token string }
	res.Decode(t, &out)
	if out.Token == "" {
		t.Fatalf("ops login: %d %s", res.Status, res.Body)
	}
	return out.Token
}

// TestOpsMoreRefusesOthers: a tenant admin gets the not-found page on
// every page and form of the mailbox, webhooks, operators and statistics
// (in the admin's language); a visitor is sent to the operator sign-in.
func TestOpsMoreRefusesOthers(t *testing.T) {
	s, ten := start(t)
	mailID, hookID := opsMoreFixtures(t, s)
	admin, anon := newBrowser(t, s), newBrowser(t, s)
	admin.signIn("admin@"+ten.Domain, apptest.Password)
	params := map[string]string{"mail": mailID, "w": hookID, "delivery": "dlv_00000000000000000000000000", "o": "opr_00000000000000000000000000"}
	param := regexp.MustCompile(`\{(\w+)\}`)
	fill := func(pattern string) string {
		return param.ReplaceAllStringFunc(pattern, func(p string) string { return params[strings.Trim(p, "{}")] })
	}
	ours := func(pattern string) bool {
		for _, prefix := range []string{"/ops/mail", "/ops/webhooks", "/ops/operators", "/ops/stats"} {
			if pattern == prefix || strings.HasPrefix(pattern, prefix+"/") {
				return true
			}
		}
		return false
	}
	checked := 0
	for _, pattern := range s.App.ConsolePages() {
		if !ours(pattern) {
			continue
		}
		checked++
		path := fill(pattern)
		if p := admin.get(path); p.Status != http.StatusNotFound || !strings.Contains(p.Body, "このページはありません。") {
			t.Errorf("GET %s as a tenant admin: %d, want the 404 page\n%.500s", path, p.Status, p.Body)
		}
		if p := anon.get(path); p.Status != http.StatusSeeOther || p.Location != "/ops/login?next="+url.QueryEscape(path) {
			t.Errorf("GET %s signed out: %d %q, want the operator sign-in", path, p.Status, p.Location)
		}
	}
	form := url.Values{"url": {"https://evil.example/x"}, "event_types": {"*"}, "email": {"evil@evil.example"}, "name": {"Evil"}}
	for _, pattern := range s.App.ConsoleActions() {
		if !ours(pattern) {
			continue
		}
		checked++
		if p := admin.post(fill(pattern), form); p.Status != http.StatusNotFound {
			t.Errorf("POST %s as a tenant admin: %d, want 404", fill(pattern), p.Status)
		}
	}
	if p := admin.get("/ops/mail/" + mailID + "/html"); p.Status != http.StatusNotFound || strings.Contains(p.Body, "<p>本文</p>") {
		t.Errorf("a mail's HTML part as a tenant admin: %d, want 404", p.Status)
	}
	if checked != 14 {
		t.Errorf("checked %d routes, want the 14 of the mailbox, webhooks, operators and statistics", checked)
	}
	if es, _ := s.App.DB.ListEndpoints(context.Background()); len(es) != 1 {
		t.Errorf("%d endpoints after the attempts, want the fixture's only", len(es))
	}
	if list, _ := s.App.DB.ListOperators(context.Background()); len(list) != 0 {
		t.Errorf("%d operators after the attempts, want none", len(list))
	}
}
