package api_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/encoding/japanese"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/audit"
)

// TestQuickstart walks the README's quickstart and beyond, as a new
// customer would: sign up, sign in, add members, find them, take a member
// through the status machine, then read and export the audit trail.
func TestQuickstart(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		start := time.Now().UTC().Add(-time.Second)
		const password = "correct horse battery staple"

		// 1. Sign up.
		res := expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: "/api/v1/signup", Body: map[string]string{
			"works_group": "acme", "company_name": "株式会社アクメ", "admin_login_id": "admin", "admin_name": "管理 太郎",
			"admin_email": "taro@acme.example", "admin_password": password}})
		signup := decode[struct {
			Tenant     api.Tenant `json:"tenant"`
			SuperAdmin api.Member `json:"super_admin"`
		}](t, res)
		ten, admin := signup.Tenant, signup.SuperAdmin
		if ten.WorksGroup != "acme" || ten.PrimaryDomain != "acme.works.example" || ten.CompanyName != "株式会社アクメ" || ten.Status != "active" || ten.Language != "ja" {
			t.Errorf("got tenant %+v, want works group acme on acme.works.example, active, ja", ten)
		}
		if admin.LoginID != "admin@acme.works.example" || !admin.SuperAdmin || admin.Status != "active" || admin.Email != "taro@acme.example" {
			t.Errorf("got super admin %+v", admin)
		}

		// 2. Sign in.
		res = expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: "/api/v1/auth/login",
			Body: map[string]string{"login_id": "admin@acme.works.example", "password": password}})
		login := decode[struct {
			Token     string    `json:"token"`
			ExpiresAt time.Time `json:"expires_at"`
			SessionID string    `json:"session_id"`
			TenantID  string    `json:"tenant_id"`
			MemberID  string    `json:"member_id"`
		}](t, res)
		if login.Token == "" || login.SessionID == "" || login.TenantID != ten.ID || login.MemberID != admin.ID || !login.ExpiresAt.After(time.Now()) {
			t.Errorf("got login %+v, want a token for tenant %s member %s", login, ten.ID, admin.ID)
		}
		tok := login.Token
		path := func(rest ...string) string { return tpath(ten.ID, rest...) }

		// 3. Add a member with a password (active at once), who signs in.
		res = expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: path("/members"), Token: tok, Header: withKey("add-hanako"),
			Body: map[string]string{"login_id": "hanako", "display_name": "Hanako Yamada", "email": "hanako@acme.example", "password": memberPassword}})
		hanako := decode[api.Member](t, res)
		if hanako.LoginID != "hanako@acme.works.example" || hanako.Status != "active" || hanako.SuperAdmin || len(hanako.RoleIDs) != 0 {
			t.Errorf("got member %+v, want hanako@acme.works.example, active, no roles", hanako)
		}
		if strings.Contains(string(res.Body), "invitation_token") {
			t.Errorf("a member added with a password got an invitation token: %s", res.Body)
		}
		hanakoTok := s.Login("hanako@acme.works.example", memberPassword)
		self := decode[api.Member](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: path("/members/", hanako.ID), Token: hanakoTok}))
		if self.ID != hanako.ID {
			t.Errorf("GET own member: got %s, want %s", self.ID, hanako.ID)
		}

		// Three invited members: five in all.
		taro := addMember(t, s, ten.ID, tok, "taro", "Taro Yamada", "")
		jiro := addMember(t, s, ten.ID, tok, "jiro", "Jiro Sato", "")
		hanabi := addMember(t, s, ten.ID, tok, "hanabi", "Hanabi Ito", "")
		all := []string{admin.ID, hanako.ID, taro.ID, jiro.ID, hanabi.ID}
		slices.Sort(all)

		// 4. Find them: filters and cursor paging.
		for _, tc := range []struct {
			name, query string
			want        []string
		}{
			{"all", "", all},
			{"status invited", "status=invited", []string{taro.ID, jiro.ID, hanabi.ID}},
			{"status active", "status=active", []string{admin.ID, hanako.ID}},
			{"status suspended", "status=suspended", nil},
			{"name any case", "name=YAMADA", []string{hanako.ID, taro.ID}},
			{"name substring", "name=" + url.QueryEscape("ab"), []string{hanabi.ID}},
			{"login id prefix", "login_id=hana", []string{hanako.ID, hanabi.ID}},
			{"login id prefix is not a substring", "login_id=ana", nil},
			{"status and prefix", "status=invited&login_id=hana", []string{hanabi.ID}},
		} {
			got := memberIDs(listAll[api.Member](t, s, tok, path("/members?"+tc.query)))
			want := slices.Sorted(slices.Values(tc.want))
			if diff := cmp.Diff(want, got, cmpEmpty); diff != "" {
				t.Errorf("%s (?%s): members differ (-want +got):\n%s", tc.name, tc.query, diff)
			}
		}
		var paged []string
		pages := 0
		for cursor := ""; pages == 0 || cursor != ""; pages++ {
			if pages > 5 {
				t.Fatal("paging does not end")
			}
			q := "/members?limit=2"
			if cursor != "" {
				q += "&cursor=" + url.QueryEscape(cursor)
			}
			pg := decode[page[api.Member]](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: path(q), Token: tok}))
			if len(pg.Items) > 2 {
				t.Fatalf("page of %d members, want at most 2", len(pg.Items))
			}
			paged = append(paged, memberIDs(pg.Items)...)
			cursor = pg.NextCursor
		}
		if diff := cmp.Diff(all, paged); diff != "" || pages != 3 {
			t.Errorf("paging 2 by 2 gave %d pages (want 3); members differ (-want +got):\n%s", pages, diff)
		}

		// 5. Suspend: hanako's token stops working at once, and she cannot sign in.
		action := func(verb, method, want string) {
			t.Helper()
			m := decode[api.Member](t, expect(t, s, http.StatusOK, apptest.Request{Method: method, Path: path("/members/", hanako.ID, verb), Token: tok}))
			if m.Status != want {
				t.Errorf("%s %s: got status %s, want %s", method, verb, m.Status, want)
			}
		}
		action("/suspend", "POST", "suspended")
		expectProblem(t, s, http.StatusUnauthorized, apptest.Request{Method: "GET", Path: path("/members/", hanako.ID), Token: hanakoTok})
		expectProblem(t, s, http.StatusUnauthorized, apptest.Request{Method: "POST", Path: "/api/v1/auth/login",
			Body: map[string]string{"login_id": "hanako@acme.works.example", "password": memberPassword}})
		action("/reactivate", "POST", "active")
		expectProblem(t, s, http.StatusUnauthorized, apptest.Request{Method: "GET", Path: path("/members/", hanako.ID), Token: hanakoTok})
		hanakoTok = s.Login("hanako@acme.works.example", memberPassword)
		expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: path("/members/", hanako.ID), Token: hanakoTok})
		billable := func() int {
			t.Helper()
			tn := decode[api.Tenant](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: path(""), Token: tok}))
			if tn.BillableMembers == nil {
				t.Fatal("GET tenant has no billable_members")
			}
			return *tn.BillableMembers
		}
		before := billable()
		action("/deactivate", "POST", "deactivated")
		if got := billable(); got != before-1 {
			t.Errorf("billable members after deactivating: got %d, want %d (deactivated members free their license)", got, before-1)
		}
		expectProblem(t, s, http.StatusUnauthorized, apptest.Request{Method: "GET", Path: path("/members/", hanako.ID), Token: hanakoTok})
		action("", "DELETE", "deleted")
		if got := memberIDs(listAll[api.Member](t, s, tok, path("/members"))); slices.Contains(got, hanako.ID) {
			t.Errorf("the default list shows the deleted member: %v", got)
		}
		if got := memberIDs(listAll[api.Member](t, s, tok, path("/members?status=deleted"))); !slices.Equal(got, []string{hanako.ID}) {
			t.Errorf("?status=deleted: got %v, want [%s]", got, hanako.ID)
		}
		expectProblem(t, s, http.StatusConflict, apptest.Request{Method: "POST", Path: path("/members/", hanako.ID, "/reactivate"), Token: tok})

		// 6. The audit trail, newest first.
		events := listAll[api.AuditEvent](t, s, tok, path("/audit-events?limit=1000"))
		for i := 1; i < len(events); i++ {
			if events[i].OccurredAt.After(events[i-1].OccurredAt) {
				t.Errorf("events %d and %d are not newest first: %s after %s", i-1, i, events[i].OccurredAt, events[i-1].OccurredAt)
			}
		}
		for _, e := range events {
			if e.OccurredAt.Before(start) || e.OccurredAt.After(time.Now().Add(time.Second)) {
				t.Errorf("event %s %s occurred at %s, outside this test", e.ID, e.Action, e.OccurredAt)
			}
		}
		memberEvents := listAll[api.AuditEvent](t, s, tok, path("/audit-events?action=member."))
		for _, e := range memberEvents {
			if !strings.HasPrefix(e.Action, "member.") {
				t.Errorf("?action=member. returned %s", e.Action)
			}
		}
		var hanakoActions []string
		for _, e := range memberEvents {
			if e.TargetID == hanako.ID {
				hanakoActions = append(hanakoActions, e.Action)
				if e.ActorID != admin.ID || e.ActorKind != "member" || e.TargetType != "member" || e.IP != "127.0.0.1" {
					t.Errorf("event %s: got actor %s/%s target %s ip %s, want the admin from 127.0.0.1", e.Action, e.ActorKind, e.ActorID, e.TargetType, e.IP)
				}
			}
		}
		wantActions := []string{"member.deleted", "member.deactivated", "member.reactivated", "member.suspended", "member.added"}
		if diff := cmp.Diff(wantActions, hanakoActions); diff != "" {
			t.Errorf("hanako's audit trail differs (-want +got):\n%s", diff)
		}
		if got, want := countActions(memberEvents, "member.added"), 5; got != want {
			t.Errorf("got %d member.added events, want %d", got, want)
		}
		if got, want := len(memberEvents), countPrefix(events, "member."); got != want {
			t.Errorf("?action=member. gave %d events, the trail has %d", got, want)
		}

		// By actor: hanako did nothing but sign in twice.
		byHanako := listAll[api.AuditEvent](t, s, tok, path("/audit-events?actor_id="+hanako.ID))
		if got := actions(byHanako); !slices.Equal(got, []string{"session.signed_in", "session.signed_in"}) {
			t.Errorf("?actor_id=hanako: got %v, want two sign-ins", got)
		}
		byAdmin := listAll[api.AuditEvent](t, s, tok, path("/audit-events?actor_id="+admin.ID))
		for _, e := range byAdmin {
			if e.ActorID != admin.ID {
				t.Errorf("?actor_id=admin returned an event by %s", e.ActorID)
			}
		}
		if len(byAdmin)+len(byHanako) != len(events) {
			t.Errorf("events by admin (%d) and by hanako (%d) do not add up to the trail (%d)", len(byAdmin), len(byHanako), len(events))
		}

		// Time range [from, to), around an event in the middle.
		mid := events[len(events)/2].OccurredAt
		for _, tc := range []struct {
			query string
			keep  func(time.Time) bool
		}{
			{"from=" + rfc3339(mid), func(at time.Time) bool { return !at.Before(mid) }},
			{"to=" + rfc3339(mid), func(at time.Time) bool { return at.Before(mid) }},
			{"from=" + rfc3339(start) + "&to=" + rfc3339(time.Now().Add(time.Minute)), func(time.Time) bool { return true }},
			{"from=" + rfc3339(time.Now().Add(time.Hour)), func(time.Time) bool { return false }},
		} {
			var want []string
			for _, e := range events {
				if tc.keep(e.OccurredAt) {
					want = append(want, e.ID)
				}
			}
			got := eventIDs(listAll[api.AuditEvent](t, s, tok, path("/audit-events?"+tc.query)))
			if diff := cmp.Diff(want, got, cmpEmpty); diff != "" {
				t.Errorf("?%s: events differ (-want +got):\n%s", tc.query, diff)
			}
		}

		// Paging with the cursor gives the whole trail in order.
		if diff := cmp.Diff(eventIDs(events), eventIDs(listAll[api.AuditEvent](t, s, tok, path("/audit-events?limit=2")))); diff != "" {
			t.Errorf("paging 2 by 2 differs from one page (-want +got):\n%s", diff)
		}
		expectProblem(t, s, http.StatusBadRequest, apptest.Request{Method: "GET", Path: path("/audit-events?cursor=not-a-cursor"), Token: tok})

		// 7. The CSV export: a header, then one row per event, newest first.
		res = expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: path("/audit-events/export"), Token: tok})
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("export: got Content-Type %q, want text/csv", ct)
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
			t.Errorf("export: got Content-Disposition %q, want an attachment", cd)
		}
		body, ok := strings.CutPrefix(string(res.Body), "\ufeff")
		if !ok || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" {
			t.Errorf("export: got Content-Type %q, BOM %v; want UTF-8 with a byte-order mark by default", res.Header.Get("Content-Type"), ok)
		}
		rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		if err != nil {
			t.Fatalf("export is not CSV: %v\n%s", err, res.Body)
		}
		if len(rows) == 0 || !slices.Equal(rows[0], audit.CSVHeader) {
			t.Fatalf("export header: got %v, want %v", rows[:min(len(rows), 1)], audit.CSVHeader)
		}
		if len(rows)-1 != len(events) {
			t.Errorf("export has %d rows, the trail %d events", len(rows)-1, len(events))
		}
		col := slices.Index(audit.CSVHeader, "action")
		var csvActions []string
		for _, r := range rows[1:] {
			csvActions = append(csvActions, r[col])
		}
		if diff := cmp.Diff(actions(events), csvActions); diff != "" {
			t.Errorf("export actions differ from the list (-want +got):\n%s", diff)
		}
		res = expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: path("/audit-events/export?action=member.&actor_id=" + admin.ID), Token: tok})
		rows, _ = csv.NewReader(strings.NewReader(string(res.Body))).ReadAll()
		if got, want := len(rows)-1, len(memberEvents); got != want {
			t.Errorf("filtered export has %d rows, want %d", got, want)
		}
		// In Shift_JIS: the same rows, no byte-order mark.
		res = expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: path("/audit-events/export?encoding=shift_jis"), Token: tok})
		sjis, err := japanese.ShiftJIS.NewDecoder().Bytes(res.Body)
		if err != nil {
			t.Fatalf("decode the Shift_JIS export: %v", err)
		}
		if sjisRows, _ := csv.NewReader(bytes.NewReader(sjis)).ReadAll(); res.Header.Get("Content-Type") != "text/csv; charset=Shift_JIS" || len(sjisRows) != len(events)+1 || bytes.HasPrefix(res.Body, []byte("\xef\xbb\xbf")) {
			t.Errorf("Shift_JIS export: Content-Type %q, %d rows, want %d", res.Header.Get("Content-Type"), len(sjisRows), len(events)+1)
		}
		expectProblem(t, s, http.StatusUnprocessableEntity, apptest.Request{Method: "GET", Path: path("/audit-events/export?encoding=euc-jp"), Token: tok})
		// Members without audit.read get 403, not an empty file.
		expectProblem(t, s, http.StatusForbidden, apptest.Request{Method: "GET", Path: path("/audit-events/export"),
			Token: addAndLogin(t, s, ten.ID, tok, "viewer")})
	})
}

// addAndLogin adds an active member without roles and signs them in.
func addAndLogin(t testing.TB, s *apptest.Server, tenantID, token, login string) string {
	t.Helper()
	m := addMember(t, s, tenantID, token, login, strings.ToUpper(login[:1])+login[1:], memberPassword)
	return s.Login(m.LoginID, memberPassword)
}

// cmpEmpty treats nil and empty slices alike.
var cmpEmpty = cmp.Transformer("empty", func(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
})

func rfc3339(t time.Time) string { return url.QueryEscape(t.UTC().Format(time.RFC3339Nano)) }

func memberIDs(ms []api.Member) []string {
	out := []string{}
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func eventIDs(es []api.AuditEvent) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func actions(es []api.AuditEvent) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Action)
	}
	return out
}

func countActions(es []api.AuditEvent, action string) int {
	n := 0
	for _, e := range es {
		if e.Action == action {
			n++
		}
	}
	return n
}

func countPrefix(es []api.AuditEvent, prefix string) int {
	n := 0
	for _, e := range es {
		if strings.HasPrefix(e.Action, prefix) {
			n++
		}
	}
	return n
}
