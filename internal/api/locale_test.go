package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/clock"
	"github.com/kanri/kanri/internal/notify"
)

// mailTo returns the newest mail of template to address.
func mailTo(t *testing.T, s *apptest.Server, template, address string) *notify.Mail {
	t.Helper()
	mails, err := s.App.DB.ListMails(context.Background(), notify.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mails {
		if m.Template == template && m.To == address {
			return m
		}
	}
	t.Fatalf("no %s mail to %s", template, address)
	return nil
}

// expectOK sends req and fails t unless the answer is 2xx.
func expectOK(t *testing.T, s *apptest.Server, req apptest.Request) *apptest.Response {
	t.Helper()
	res := s.Do(req)
	if res.Status/100 != 2 {
		t.Fatalf("%s %s: %d %s", req.Method, req.Path, res.Status, clip(res.Body))
	}
	return res
}

// TestMailsInMemberLanguageAndTenantZone: a member's mails are in the
// member's own language, else the tenant's, and give times in the tenant's
// zone, named; a zone or a language Kanri does not know is refused with a
// code, in the request's language, and changes nothing.
func TestMailsInMemberLanguageAndTenantZone(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme") // Japanese, Asia/Tokyo
		tok := a.AdminToken
		bad := s.Do(apptest.Request{Method: "PATCH", Path: tpath(a.ID), Token: tok, Body: map[string]any{"time_zone": "Mars/Olympus_Mons"},
			Header: http.Header{"Accept-Language": {"ja"}}})
		var p struct {
			Code   string         `json:"code"`
			Params map[string]any `json:"params"`
			Detail string         `json:"detail"`
		}
		if err := json.Unmarshal(bad.Body, &p); err != nil || bad.Status != http.StatusUnprocessableEntity || p.Code != "tenant.time_zone_unknown" ||
			p.Params["zone"] != "Mars/Olympus_Mons" || !strings.Contains(p.Detail, "タイムゾーン「Mars/Olympus_Mons」はありません") {
			t.Fatalf("unknown zone: %d %s", bad.Status, bad.Body)
		}
		ok := expectOK(t, s, apptest.Request{Method: "PATCH", Path: tpath(a.ID), Token: tok, Body: map[string]any{"time_zone": "America/New_York"}})
		if !strings.Contains(string(ok.Body), `"time_zone":"America/New_York"`) {
			t.Fatalf("zone not saved: %s", ok.Body)
		}
		expectOK(t, s, apptest.Request{Method: "POST", Path: tpath(a.ID, "/members"), Token: tok,
			Body: map[string]any{"login_id": "bob", "display_name": "Bob", "email": "bob@example.com", "language": "en"}})
		expectOK(t, s, apptest.Request{Method: "POST", Path: tpath(a.ID, "/members"), Token: tok,
			Body: map[string]any{"login_id": "hanako", "display_name": "花子", "email": "hanako@example.com"}})

		bob := mailTo(t, s, "member_added", "bob@example.com")
		if bob.Language != "en" || !strings.Contains(bob.Text, "This link expires on") || !strings.Contains(bob.Text, " EST") || strings.Contains(bob.Text, "JST") {
			t.Errorf("Bob's invitation: want English with the expiry in New York time (EST)\n%s", bob.Text)
		}
		hanako := mailTo(t, s, "member_added", "hanako@example.com")
		if hanako.Language != "ja" || !strings.Contains(hanako.Text, "有効期限は") || !strings.Contains(hanako.Text, " EST") {
			t.Errorf("Hanako's invitation: want the tenant's Japanese with the expiry in New York time\n%s", hanako.Text)
		}
		french := s.Do(apptest.Request{Method: "POST", Path: tpath(a.ID, "/members"), Token: tok,
			Body: map[string]any{"login_id": "jean", "display_name": "Jean", "language": "fr"}})
		if french.Status != http.StatusUnprocessableEntity || !strings.Contains(string(french.Body), `"code":"member.language_invalid"`) {
			t.Errorf("language fr: %d %s", french.Status, french.Body)
		}
	})
}

// TestProblemTimesInReadersZone: a refusal that names a time (an expired
// quote) gives it in the member's tenant's zone, in the request's
// language; never in UTC.
func TestProblemTimesInReadersZone(t *testing.T) {
	t.Parallel()
	onEachEngine(t, withTestClock, func(t *testing.T, s *apptest.Server) {
		clk := s.App.Clock.(*clock.Adjustable)
		for _, tc := range []struct{ zone, want, lang, text string }{
			{"", "JST", "ja", "この見積りの有効期限("},
			{"America/New_York", "EST", "en", "the quote expired at "},
		} {
			ten := s.Signup("zone" + strings.ToLower(tc.want))
			if tc.zone != "" {
				expectOK(t, s, apptest.Request{Method: "PATCH", Path: tpath(ten.ID), Token: ten.AdminToken, Body: map[string]any{"time_zone": tc.zone}})
			}
			addCard(t, s, ten, cardOK)
			q := decode[api.Quote](t, expect(t, s, http.StatusCreated, quoteReq(ten, ten.AdminToken, "standard", "annual", 10)))
			clk.Set(clk.Now().Add(31 * time.Minute))
			req := applyReq(ten, q.ID)
			req.Header = http.Header{"Accept-Language": {tc.lang}}
			p := decode[codedProblem](t, expect(t, s, http.StatusConflict, req))
			if p.Code != "billing.quote_expired" || !strings.Contains(p.Detail, tc.text) || !strings.Contains(p.Detail, " "+tc.want) || strings.Contains(p.Detail, "UTC") {
				t.Errorf("tenant in %q: %+v, want the expiry in %s", tc.zone, p, tc.want)
			}
		}
	})
}
