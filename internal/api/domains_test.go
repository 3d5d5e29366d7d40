package api_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/dnscheck/dnstest"
	"github.com/kanri/kanri/internal/domain"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/store/storetest"
)

// aDomainChange stores a finished primary-domain change of ten (to and
// from domainID) and returns its id: a fixture for the routes that read one.
func aDomainChange(t *testing.T, s *apptest.Server, ten *apptest.Tenant, domainID string) string {
	t.Helper()
	now := s.App.Clock.Now()
	c := &domain.Change{ID: "dch_fixture" + ten.ID, TenantID: ten.ID, FromDomainID: domainID, ToDomainID: domainID, FromName: ten.Domain,
		ToName: ten.Domain, Status: domain.ChangeDone, RequestedBy: "fixture", CreatedAt: now, RenamedAt: now, FinishedAt: now}
	if err := s.App.DB.CreateChange(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// TestDomainScenario follows the README's domain flow over HTTP against a
// real DNS server on loopback: add, see the record, fail to verify, publish,
// verify, make primary (202 and a job), sign in again with the new login id
// (a webhook subscribed to domain.primary_changed gets from and to), then
// delete the provided domain, which needs its name as confirmation.
func TestDomainScenario(t *testing.T) {
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		dns := dnstest.Start(t) // one per engine: both runs publish records for acme.example
		s := apptest.Start(t, env.URL, func(c *app.Config) { c.DNSResolver, c.AllowPrivateWebhooks = dns.Addr, true })
		ten := s.Signup("acme")
		tok := ten.AdminToken
		var hook struct{ ID string }
		expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: "/api/v1/ops/webhooks", Token: operatorToken(t, s),
			Body: map[string]any{"url": "http://127.0.0.1:9/kanri", "event_types": []string{"domain.primary_changed"}}}).Decode(t, &hook)
		p := expectProblem(t, s, http.StatusUnprocessableEntity, apptest.Request{Method: "POST", Path: tpath(ten.ID, "/domains"), Token: tok,
			Body: map[string]any{"name": "co.jp"}})
		if !strings.Contains(p.Detail+fmt.Sprint(p.Errors), "public suffix") {
			t.Errorf("co.jp refused with %+v, want the reason", p)
		}
		jp := decode[api.Problem](t, expect(t, s, http.StatusUnprocessableEntity, apptest.Request{Method: "POST", Path: tpath(ten.ID, "/domains"),
			Token: tok, Body: map[string]any{"name": "co.jp"}, Header: http.Header{"Accept-Language": {"ja"}}}))
		if jp.Code != "domain.public_suffix" || jp.Params["domain"] != "co.jp" || !strings.HasPrefix(jp.Detail, "「co.jp」は誰もが登録に使う共通部分") {
			t.Errorf("co.jp refused in Japanese with %+v", jp)
		}
		d := decode[api.Domain](t, expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(ten.ID, "/domains"), Token: tok,
			Body: map[string]any{"name": "ＡＣＭＥ．example"}}))
		v := d.Verification
		if d.Name != "acme.example" || d.Status != "pending" || v == nil || v.TXTName != "_kanri-challenge.acme.example" ||
			!strings.HasPrefix(v.TXTValue, "kanri-verification=") || !strings.HasSuffix(v.MXHost, ".mx-verify.works.example") || d.Deadline.IsZero() {
			t.Fatalf("added %+v", d)
		}
		verify := func() api.DomainCheck {
			return decode[api.DomainCheck](t, expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: tpath(ten.ID, "/domains/"+d.ID+"/verify"), Token: tok}))
		}
		if c := verify(); c.Outcome != "not_found" || c.Domain.Status != "pending" || c.Expected.TXTValue != v.TXTValue ||
			c.Code != "domain.check_no_records" || c.Params["txt_value"] != v.TXTValue || !strings.HasPrefix(c.Message, "no record yet: publish TXT") {
			t.Errorf("verify before publishing: %+v", c)
		}
		ja := apptest.Request{Method: "POST", Path: tpath(ten.ID, "/domains/"+d.ID+"/verify"), Token: tok, Header: http.Header{"Accept-Language": {"ja"}}}
		dns.SetTXT(v.TXTName, []string{"kanri-verification=typo"})
		c := decode[api.DomainCheck](t, expect(t, s, http.StatusOK, ja))
		if want := v.TXTName + ` のTXTレコードは見つかりましたが、値が一致しません。見つかった値: "kanri-verification=typo"。必要な値: 「` + v.TXTValue + "」。"; c.Code != "domain.check_txt_mismatch" ||
			c.Params["found"] != `"kanri-verification=typo"` || c.Params["expected"] != v.TXTValue || !strings.HasPrefix(c.Message, want) {
			t.Errorf("verify a wrong token in Japanese: %+v\nwant the message to start %q", c, want)
		}
		ja.Method, ja.Path = "GET", tpath(ten.ID, "/domains/"+d.ID)
		if got := decode[api.Domain](t, expect(t, s, http.StatusOK, ja)); got.LastCheckCode != c.Code || got.LastCheck != c.Message ||
			!maps.Equal(got.LastCheckParams, c.Params) || got.LastCheckAt.IsZero() {
			t.Errorf("the domain after the check: %+v, want its last check %+v", got, c)
		}
		dns.Clear(v.TXTName)
		dns.SetRcode(v.TXTName, 2) // SERVFAIL
		if c := verify(); c.Outcome != "not_visible_yet" || c.Domain.Status != "pending" || c.Code != "domain.check_dns_unanswered" ||
			strings.Contains(c.Message+c.Domain.LastCheck, "SERVFAIL") || strings.Contains(c.Message+c.Domain.LastCheck, dns.Addr) {
			t.Errorf("verify while DNS fails: %+v", c)
		}
		dns.Clear(v.TXTName)
		dns.SetTXT(v.TXTName, []string{"v=spf1 -all"}, []string{v.TXTValue[:20], v.TXTValue[20:]})
		if c := verify(); c.Outcome != "verified" || c.Domain.Status != "active" || c.Domain.Method != "txt" || len(c.FoundTXT) != 2 {
			t.Fatalf("verify after publishing a split TXT record: %+v", c)
		}

		res := expect(t, s, http.StatusAccepted, apptest.Request{Method: "POST", Path: tpath(ten.ID, "/domains/"+d.ID+"/make-primary"), Token: tok})
		change := decode[api.DomainChange](t, res)
		if loc := res.Header.Get("Location"); loc != tpath(ten.ID, "/domain-changes/"+change.ID) || change.Status != "renaming" {
			t.Fatalf("make-primary answered %+v at %q", change, loc)
		}
		list := decode[page[api.Domain]](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(ten.ID, "/domains"), Token: tok}))
		for _, d := range list.Items {
			if d.Status != "primary_changing" {
				t.Errorf("while changing, %s is %s", d.Name, d.Status)
			}
		}
		if err := s.App.Services.Domains.RunChange(t.Context(), change.ID); err != nil { // the worker's part
			t.Fatal(err)
		}
		expectProblem(t, s, http.StatusUnauthorized, apptest.Request{Method: "GET", Path: tpath(ten.ID, "/domains"), Token: tok})
		expectProblem(t, s, http.StatusUnauthorized, apptest.Request{Method: "POST", Path: "/api/v1/auth/login",
			Body: map[string]string{"login_id": "admin@acme.works.example", "password": apptest.Password}})
		tok = s.Login("admin@acme.example", apptest.Password)
		sent, err := s.App.DB.ListDeliveries(t.Context(), hook.ID, notify.Page{Limit: 10})
		if err != nil || len(sent) != 1 || sent[0].EventType != "domain.primary_changed" ||
			!strings.Contains(sent[0].Payload, `"from":"acme.works.example"`) || !strings.Contains(sent[0].Payload, `"to":"acme.example"`) {
			t.Errorf("webhooks for domain.primary_changed: %v %+v", err, sent)
		}
		done := decode[api.DomainChange](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(ten.ID, "/domain-changes/"+change.ID), Token: tok}))
		if done.Status != "done" || done.Renamed != 1 || done.Mailed != 1 {
			t.Errorf("change after the job: %+v", done)
		}
		list = decode[page[api.Domain]](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(ten.ID, "/domains"), Token: tok}))
		if len(list.Items) != 2 || list.Items[0].Name != "acme.example" || !list.Items[0].Primary || !list.Items[1].SubMail {
			t.Fatalf("domains after the change: %+v", list.Items)
		}
		provided := list.Items[1]
		p = expectProblem(t, s, http.StatusUnprocessableEntity, apptest.Request{Method: "DELETE", Path: tpath(ten.ID, "/domains/"+provided.ID), Token: tok})
		if !strings.Contains(p.Detail+fmt.Sprint(p.Errors), "cannot be undone") {
			t.Errorf("deleting the provided domain without confirm: %+v", p)
		}
		expect(t, s, http.StatusNoContent, apptest.Request{Method: "DELETE", Path: tpath(ten.ID, "/domains/"+provided.ID+"?confirm=acme.works.example"), Token: tok})
		expectProblem(t, s, http.StatusUnprocessableEntity, apptest.Request{Method: "POST", Path: tpath(ten.ID, "/domains"), Token: tok,
			Body: map[string]any{"name": "acme.works.example"}})
	})
}
