package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/clock"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/store"
	"github.com/kanri/kanri/internal/webhook"
)

// storeMail writes m, completed with defaults, as if Kanri had written it;
// ids sort by the millisecond, so each comes a little after the last.
func storeMail(t *testing.T, s *apptest.Server, m notify.Mail) notify.Mail {
	t.Helper()
	m.ID = id.Sortable{Clock: s.App.Clock}.New("mail")
	m.Language, m.Subject, m.Text, m.HTML, m.CreatedAt = "ja", "件名", "本文", "<p>本文</p>", s.App.Clock.Now()
	if err := s.App.DB.CreateMails(context.Background(), &m); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Millisecond)
	return m
}

// opsAudits counts the operators' audit events action on target.
func opsAudits(t *testing.T, s *apptest.Server, action, target string) int {
	t.Helper()
	q := `SELECT COUNT(*) FROM audit_events WHERE tenant_id IS NULL AND actor_kind = 'operator' AND action = ? AND target_id = ?`
	if store.IsPostgres(s.App.Config.DatabaseURL) {
		q = store.Rebind(q)
	}
	var n int
	if err := s.App.DB.Writer().QueryRowContext(context.Background(), q, action, target).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// runJobs relays the outbox and works the jobs of kind until none is left.
func runJobs(t *testing.T, s *apptest.Server, kind string) {
	t.Helper()
	if _, err := s.App.Jobs.Relay(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.Work(kind)
}

// TestOpsMoreMailbox: GET /ops/mail searches by recipient (any case, the
// name too), tenant (id or works group), template and status, together
// and page by page; unknown values are refused at their parameter; a
// failed mail is resent once (audited) and delivered by the jobs, other
// mails are refused.
func TestOpsMoreMailbox(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		acme, beta := s.Signup("acme"), s.Signup("beta")
		ops := operatorToken(t, s)
		kept := storeMail(t, s, notify.Mail{TenantID: acme.ID, To: "hanako@acme.example", ToName: "Hanako Yamada", Template: "member_added", Status: notify.MailKept})
		failed := storeMail(t, s, notify.Mail{TenantID: beta.ID, To: "Taro@beta.example", Template: "password_reset", Status: notify.MailFailed,
			Attempts: 12, LastError: "smtp: 550"})
		sent := storeMail(t, s, notify.Mail{To: "partner@abc.example.jp", Template: "partner_user_invited", Status: notify.MailSent})
		list := func(query string) []string {
			t.Helper()
			res := expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/ops/mail?" + query, Token: ops})
			var ids []string
			for _, m := range decode[page[api.Mail]](t, res).Items {
				ids = append(ids, m.ID)
			}
			return ids
		}
		for _, c := range []struct {
			name, query string
			want        []string
		}{
			{"recipient, any case", "recipient=TARO", []string{failed.ID}},
			{"recipient's name", "recipient=yamada", []string{kept.ID}},
			{"tenant by id", "tenant=" + acme.ID + "&template=member_added", []string{kept.ID}},
			{"tenant by works group", "tenant=beta", []string{failed.ID}},
			{"template", "template=partner_user_invited", []string{sent.ID}},
			{"status", "status=kept&recipient=example", []string{kept.ID}},
			{"everything", "recipient=taro&tenant=beta&template=password_reset&status=failed", []string{failed.ID}},
			{"a percent sign is no wildcard", "recipient=" + url.QueryEscape("%"), nil},
			{"nothing", "tenant=gamma", nil},
		} {
			if got := list(c.query); !slices.Equal(got, c.want) {
				t.Errorf("%s: ?%s lists %v, want %v", c.name, c.query, got, c.want)
			}
		}
		firstPage := decode[page[api.Mail]](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET",
			Path: "/api/v1/ops/mail?recipient=example&limit=2", Token: ops}))
		if len(firstPage.Items) != 2 || firstPage.Items[0].ID != sent.ID || firstPage.NextCursor == "" {
			t.Fatalf("first page of 2: %+v", firstPage)
		}
		if got := list("recipient=example&limit=2&cursor=" + firstPage.NextCursor); !slices.Equal(got, []string{kept.ID}) {
			t.Errorf("second page: %v, want %s", got, kept.ID)
		}
		p := expectProblem(t, s, http.StatusUnprocessableEntity, apptest.Request{Method: "GET", Path: "/api/v1/ops/mail?status=lost", Token: ops})
		if !slices.Equal(p.locations(), []string{"query.status"}) {
			t.Errorf("unknown status refused at %v, want query.status", p.locations())
		}
		p = expectProblem(t, s, http.StatusUnprocessableEntity, apptest.Request{Method: "GET", Path: "/api/v1/ops/mail?template=nope", Token: ops})
		if !slices.Equal(p.locations(), []string{"query.template"}) {
			t.Errorf("unknown template refused at %v, want query.template", p.locations())
		}

		resend := func(m notify.Mail) apptest.Request {
			return apptest.Request{Method: "POST", Path: "/api/v1/ops/mail/" + m.ID + "/resend", Token: ops}
		}
		got := decode[api.Mail](t, expect(t, s, http.StatusOK, resend(failed)))
		if got.Status != notify.MailPending || got.Attempts != 12 {
			t.Errorf("resent: %+v, want pending with its 12 attempts so far", got)
		}
		expectProblem(t, s, http.StatusConflict, resend(failed))
		expectProblem(t, s, http.StatusConflict, resend(kept))
		expectProblem(t, s, http.StatusNotFound, apptest.Request{Method: "POST", Path: "/api/v1/ops/mail/mail_00000000000000000000000000/resend", Token: ops})
		expectProblem(t, s, http.StatusNotFound, apptest.Request{Method: "POST", Path: "/api/v1/ops/mail/" + failed.ID + "/resend", Token: acme.AdminToken})
		s.Mail()
		one := decode[api.Mail](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/ops/mail/" + failed.ID, Token: ops}))
		if one.Status != notify.MailKept {
			t.Errorf("after the jobs: %s, want kept (no SMTP)", one.Status)
		}
		if n := opsAudits(t, s, "mail.resent", failed.ID); n != 1 {
			t.Errorf("%d mail.resent events, want 1", n)
		}
	})
}

// hookReceiver answers every webhook with the status it holds.
type hookReceiver struct {
	*httptest.Server
	status atomic.Int32
}

func newHookReceiver(t *testing.T, status int) *hookReceiver {
	r := &hookReceiver{}
	r.status.Store(int32(status))
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(int(r.status.Load()))
		_, _ = w.Write([]byte(`{"error":"gone for good"}`))
	}))
	t.Cleanup(r.Close)
	return r
}

// TestOpsMoreWebhookRetry: a delivery the receiver answers 410 is canceled
// with the answer's start in its error and disables its endpoint; a retry
// is refused until the endpoint is enabled, then delivers through the jobs
// with the same webhook-id; delivered, pending, unknown and other
// endpoints' deliveries are refused.
func TestOpsMoreWebhookRetry(t *testing.T) {
	t.Parallel()
	onEachEngine(t, func(c *app.Config) { c.AllowPrivateWebhooks = true }, func(t *testing.T, s *apptest.Server) {
		acme := s.Signup("acme")
		ops := operatorToken(t, s)
		rcv := newHookReceiver(t, http.StatusGone)
		hook := decode[api.Endpoint](t, expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: "/api/v1/ops/webhooks", Token: ops,
			Body: map[string]any{"url": rcv.URL + "/hooks", "event_types": []string{"tenant.updated"}}}))
		other := &notify.Endpoint{ID: id.Sortable{Clock: s.App.Clock}.New("whe"), URL: "https://hooks.example.com/x", EventTypes: []string{"member.added"},
			Secrets: []string{webhook.NewSecret()}, CreatedAt: s.App.Clock.Now()}
		if err := s.App.DB.CreateEndpoint(context.Background(), other); err != nil {
			t.Fatal(err)
		}
		expect(t, s, http.StatusOK, apptest.Request{Method: "PATCH", Path: tpath(acme.ID), Token: acme.AdminToken, Body: map[string]any{"company_name": "Acme 2"}})
		runJobs(t, s, "deliver_webhook")
		deliveries := func() []api.Delivery {
			return decode[page[api.Delivery]](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET",
				Path: "/api/v1/ops/webhooks/" + hook.ID + "/deliveries", Token: ops})).Items
		}
		ds := deliveries()
		if len(ds) != 1 || ds[0].Status != notify.DeliveryCanceled || ds[0].LastStatus != 410 ||
			ds[0].LastError != `the endpoint answered HTTP 410: {"error":"gone for good"}` {
			t.Fatalf("after a 410: %+v", ds)
		}
		retry := func(endpoint, delivery string) apptest.Request {
			return apptest.Request{Method: "POST", Path: "/api/v1/ops/webhooks/" + endpoint + "/deliveries/" + delivery + "/retry", Token: ops}
		}
		expectProblem(t, s, http.StatusConflict, retry(hook.ID, ds[0].ID))
		expectProblem(t, s, http.StatusNotFound, retry(other.ID, ds[0].ID))
		expectProblem(t, s, http.StatusNotFound, retry(hook.ID, "dlv_00000000000000000000000000"))
		enabled := decode[api.Endpoint](t, expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: "/api/v1/ops/webhooks/" + hook.ID + "/enable", Token: ops}))
		if !enabled.DisabledAt.IsZero() || enabled.DisabledCause != "" {
			t.Errorf("enabled endpoint: %+v", enabled)
		}
		rcv.status.Store(http.StatusOK)
		d := decode[api.Delivery](t, expect(t, s, http.StatusOK, retry(hook.ID, ds[0].ID)))
		if d.Status != notify.DeliveryPending || d.EventID != ds[0].EventID {
			t.Errorf("retried: %+v, want pending with webhook-id %s", d, ds[0].EventID)
		}
		expectProblem(t, s, http.StatusConflict, retry(hook.ID, ds[0].ID)) // pending: a job has it
		runJobs(t, s, "deliver_webhook")
		if ds := deliveries(); ds[0].Status != notify.DeliveryDelivered || ds[0].Attempts != 2 || ds[0].LastStatus != 200 {
			t.Errorf("after the retry: %+v, want delivered on the second attempt", ds[0])
		}
		expectProblem(t, s, http.StatusConflict, retry(hook.ID, ds[0].ID))
		if n := opsAudits(t, s, "webhook_delivery.retried", ds[0].ID) + opsAudits(t, s, "webhook_endpoint.enabled", hook.ID); n != 2 {
			t.Errorf("%d audit events of the retry and the enabling, want 2", n)
		}
	})
}

// TestOpsMoreOperators: operators list, add (the generated password in
// that answer only, null on a replay; it signs in) and disable each other:
// the disabled one's tokens end and it signs in no more; nobody disables
// themself; an address is taken once.
func TestOpsMoreOperators(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		ops := operatorToken(t, s)
		add := apptest.Request{Method: "POST", Path: "/api/v1/ops/operators", Token: ops, Header: withKey("add-hanako"),
			Body: map[string]any{"email": "Hanako@Vendor.example", "name": "Hanako"}}
		created := decode[map[string]any](t, expect(t, s, http.StatusCreated, add))
		password, _ := created["password"].(string)
		if len(password) != 24 {
			t.Fatalf("created %v, want a generated password", created)
		}
		if replay := decode[map[string]any](t, expect(t, s, http.StatusCreated, add)); replay["password"] != nil {
			t.Errorf("a replay hands the password out again: %v", replay)
		}
		expectProblem(t, s, http.StatusConflict, apptest.Request{Method: "POST", Path: "/api/v1/ops/operators", Token: ops,
			Body: map[string]any{"email": "hanako@vendor.example", "name": "Again"}})
		expectProblem(t, s, http.StatusUnprocessableEntity, apptest.Request{Method: "POST", Path: "/api/v1/ops/operators", Token: ops,
			Body: map[string]any{"email": "not an address", "name": "X"}})
		res := expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: "/api/v1/ops/login",
			Body: map[string]string{"login_id": "hanako@vendor.example", "password": password}})
		hanakoToken := decode[struct{ Token string }](t, res).Token

		list := decode[[]api.Operator](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/ops/operators", Token: hanakoToken}))
		if len(list) != 2 || list[0].Email != "ops@vendor.example" || list[1].Email != "hanako@vendor.example" || list[1].Status != "active" {
			t.Fatalf("operators: %+v", list)
		}
		disable := func(token, id string) apptest.Request {
			return apptest.Request{Method: "POST", Path: "/api/v1/ops/operators/" + id + "/disable", Token: token}
		}
		expectProblem(t, s, http.StatusConflict, disable(hanakoToken, list[1].ID))
		expectProblem(t, s, http.StatusNotFound, disable(ops, "opr_00000000000000000000000000"))
		got := decode[api.Operator](t, expect(t, s, http.StatusOK, disable(ops, list[1].ID)))
		if got.Status != "disabled" || got.DisabledAt.IsZero() {
			t.Errorf("disabled: %+v", got)
		}
		expectProblem(t, s, http.StatusUnauthorized, apptest.Request{Method: "GET", Path: "/api/v1/ops/operators", Token: hanakoToken})
		expectProblem(t, s, http.StatusUnauthorized, apptest.Request{Method: "POST", Path: "/api/v1/ops/login",
			Body: map[string]string{"login_id": "hanako@vendor.example", "password": password}})
		if again := decode[api.Operator](t, expect(t, s, http.StatusOK, disable(ops, list[1].ID))); !again.DisabledAt.Equal(got.DisabledAt) {
			t.Errorf("disabling twice moved its time: %s, then %s", got.DisabledAt, again.DisabledAt)
		}
		if n := opsAudits(t, s, "operator.disabled", list[1].ID); n != 1 {
			t.Errorf("%d operator.disabled events, want 1", n)
		}
	})
}

// TestOpsMoreStats: GET /ops/stats on the test clock: an annual contract
// of 10 standard licenses is ¥4,500 of MRR; two open tenants, one on each
// plan; a free tenant canceled this month is this month's churn.
func TestOpsMoreStats(t *testing.T) {
	t.Parallel()
	onEachEngine(t, withTestClock, func(t *testing.T, s *apptest.Server) {
		jst := time.FixedZone("JST", 9*3600)
		clk := s.App.Clock.(*clock.Adjustable)
		clk.Set(time.Date(2027, 4, 20, 12, 0, 0, 0, jst))
		acme, gone := s.Signup("acme"), s.Signup("gone")
		s.Signup("free")
		subscribe(t, s, acme, "standard", "annual", 10)
		clk.Set(time.Date(2027, 5, 2, 12, 0, 0, 0, jst))
		expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: tpath(gone.ID, "/subscription/cancel"),
			Token: s.Login("admin@"+gone.Domain, apptest.Password)})
		st := decode[api.Stats](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/ops/stats", Token: operatorToken(t, s)}))
		if st.MRR != 4500 || st.Paying != 1 || st.Currency != "JPY" {
			t.Errorf("MRR %d from %d %s, want ¥4,500 from 1", st.MRR, st.Paying, st.Currency)
		}
		want := []api.StatsPlan{{Plan: "free", Tenants: 1}, {Plan: "standard", Tenants: 1, MRR: 4500}, {Plan: "advanced"}}
		if !slices.Equal(st.Plans, want) {
			t.Errorf("plans %+v, want %+v", st.Plans, want)
		}
		if n := len(st.Churn); n != 12 || st.Churn[0].Month != "2026-06" {
			t.Fatalf("churn months: %+v", st.Churn)
		}
		apr, may := st.Churn[10], st.Churn[11]
		if apr.Month != "2027-04" || apr.Start != 0 || apr.RatePercent != nil {
			t.Errorf("April: %+v, want no tenant at its start", apr)
		}
		if may.Month != "2027-05" || may.Start != 3 || may.Canceled != 1 || may.RatePercent == nil || *may.RatePercent != 33.33 {
			t.Errorf("May: %+v, want 1 of 3 (33.33%%)", may)
		}
	})
}
