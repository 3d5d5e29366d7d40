package console_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/clock"
)

// auditStart runs a Kanri whose clock starts at at (it ticks on from
// there), with tenant "acme" signed up at that time.
func auditStart(t *testing.T, at time.Time) (*apptest.Server, *apptest.Tenant) {
	t.Helper()
	s := apptest.Start(t, filepath.Join(t.TempDir(), "kanri.db"), func(c *app.Config) { c.TestClock = true })
	auditSetClock(t, s, at)
	return s, s.Signup("acme")
}

// auditSetClock moves the server's clock to at.
func auditSetClock(t *testing.T, s *apptest.Server, at time.Time) {
	t.Helper()
	clk, ok := s.App.Clock.(*clock.Adjustable)
	if !ok {
		t.Fatalf("the server's clock is a %T, want the test clock", s.App.Clock)
	}
	clk.Set(at)
}

// auditCall calls the JSON API and fails t unless it answers status.
func auditCall(t *testing.T, s *apptest.Server, token, method, path string, body any, status int) *apptest.Response {
	t.Helper()
	res := s.Do(apptest.Request{Method: method, Path: path, Token: token, Body: body})
	if res.Status != status {
		t.Fatalf("%s %s: %d, want %d\n%s", method, path, res.Status, status, res.Body)
	}
	return res
}

// auditRole returns the id of ten's role called name.
func auditRole(t *testing.T, s *apptest.Server, ten *apptest.Tenant, name string) string {
	t.Helper()
	var roles []struct{ ID, Name string }
	auditCall(t, s, ten.AdminToken, "GET", "/api/v1/tenants/"+ten.ID+"/roles", nil, http.StatusOK).Decode(t, &roles)
	for _, r := range roles {
		if r.Name == name {
			return r.ID
		}
	}
	t.Fatalf("no role %q in %+v", name, roles)
	return ""
}

// auditMember adds local to ten through the API (active when password is
// set, else invited) with the roles, and returns its id.
func auditMember(t *testing.T, s *apptest.Server, ten *apptest.Tenant, local, password string, roleIDs ...string) string {
	t.Helper()
	var m struct{ ID string }
	auditCall(t, s, ten.AdminToken, "POST", "/api/v1/tenants/"+ten.ID+"/members", map[string]any{"login_id": local,
		"display_name": "Member " + local, "password": password, "role_ids": roleIDs}, http.StatusCreated).Decode(t, &m)
	return m.ID
}

var (
	auditActionRE = regexp.MustCompile(`<code>([a-z_]+\.[a-z_]+)</code>`)
	auditTargetRE = regexp.MustCompile(`<code>member (mem_[0-9A-Za-z]+)</code></td>`)
)

// auditActions returns the action of each row of the results table.
func auditActions(body string) []string {
	var out []string
	for _, m := range auditActionRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// The test clock's start: 23:30 UTC is 08:30 the next day in Japan, so a
// date means a different day in each language's zone.
var auditEpoch = time.Date(2026, 3, 15, 23, 30, 0, 0, time.UTC)

// TestAuditSearch searches the trail by day (read in JST in Japanese and
// UTC in English), by actor and by action, as a page and as an htmx
// partial, and shows each event's before and after.
func TestAuditSearch(t *testing.T) {
	s, ten := auditStart(t, auditEpoch)
	auditMember(t, s, ten, "ann", "")
	bobID := auditMember(t, s, ten, "bob", "bob-password-123", auditRole(t, s, ten, "member_manager"))
	bob := s.Login("bob@"+ten.Domain, "bob-password-123")
	var sales struct{ ID string }
	auditCall(t, s, ten.AdminToken, "POST", "/api/v1/tenants/"+ten.ID+"/departments", map[string]any{"name": "Sales"}, http.StatusCreated).Decode(t, &sales)
	auditCall(t, s, bob, "PATCH", "/api/v1/tenants/"+ten.ID+"/members/"+bobID, map[string]any{"department_id": sales.ID}, http.StatusOK)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)

	all := b.get("/admin/audit")
	if all.Status != http.StatusOK {
		t.Fatalf("audit page: %d\n%s", all.Status, all.Body)
	}
	for _, want := range []string{"監査ログ", "Asia/Tokyo(JST)", `id="audit-table"`, "メンバー追加", `href="/admin/audit/export.csv"`, "2026-03-16 08:30"} {
		if !strings.Contains(all.Body, want) {
			t.Errorf("audit page lacks %q", want)
		}
	}
	everything := auditActions(all.Body)
	if len(everything) < 7 { // tenant.created, 3 × member.added, 3 × session.signed_in, member.updated
		t.Errorf("unfiltered search: got %v, want every event", everything)
	}
	if !strings.Contains(all.Body, `&#34;department&#34;: &#34;Sales&#34;`) || !strings.Contains(all.Body, "変更前") {
		t.Errorf("the update's after snapshot is not shown")
	}

	tests := []struct {
		name, lang, query string
		want              func(actions []string) bool
	}{
		{"action prefix", "ja", "action=member.", func(a []string) bool {
			return len(a) == 4 && !slices.ContainsFunc(a, func(s string) bool { return !strings.HasPrefix(s, "member.") })
		}},
		{"exact action", "ja", "action=member.updated", func(a []string) bool { return slices.Equal(a, []string{"member.updated"}) }},
		{"actor", "ja", "actor_id=" + bobID, func(a []string) bool { return slices.Equal(a, []string{"member.updated", "session.signed_in"}) }},
		{"actor and action", "ja", "actor_id=" + bobID + "&action=session.", func(a []string) bool { return slices.Equal(a, []string{"session.signed_in"}) }},
		{"the JST day", "ja", "from=2026-03-16&to=2026-03-16", func(a []string) bool { return len(a) == len(everything) }},
		{"the day before in JST", "ja", "to=2026-03-15", func(a []string) bool { return len(a) == 0 }},
		{"the day after in JST", "ja", "from=2026-03-17", func(a []string) bool { return len(a) == 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b.setLang(tt.lang)
			p := b.get("/admin/audit?" + tt.query)
			if p.Status != http.StatusOK {
				t.Fatalf("%s: %d\n%s", tt.query, p.Status, p.Body)
			}
			if got := auditActions(p.Body); !tt.want(got) {
				t.Errorf("%s (%s): got actions %v", tt.query, tt.lang, got)
			}
			hx := b.getHX("/admin/audit?" + tt.query)
			if strings.Contains(hx.Body, "<html") || !slices.Equal(auditActions(hx.Body), auditActions(p.Body)) {
				t.Errorf("htmx search %s: want only the same results\n%s", tt.query, hx.Body)
			}
		})
	}

	// In a tenant on New York time, days and times are New York's, in
	// either language: 08:30 JST on the 16th is 19:30 EDT on the 15th.
	auditCall(t, s, s.Login("admin@"+ten.Domain, apptest.Password), "PATCH", "/api/v1/tenants/"+ten.ID,
		map[string]any{"time_zone": "America/New_York"}, http.StatusOK)
	for _, lang := range []string{"en", "ja"} {
		b.setLang(lang)
		p := b.get("/admin/audit")
		if p.Status != http.StatusOK || !strings.Contains(p.Body, "America/New_York") || !strings.Contains(p.Body, "(EDT)") || !strings.Contains(p.Body, "2026-03-15 19:30") {
			t.Errorf("%s audit page in New York: %d, want EDT times\n%s", lang, p.Status, p.Body)
		}
		if a := auditActions(b.get("/admin/audit?from=2026-03-15&to=2026-03-15").Body); len(a) < len(everything)+2 { // and the change of zone, and its sign-in
			t.Errorf("%s: the New York day holds %v, want every event", lang, a)
		}
		if a := auditActions(b.get("/admin/audit?from=2026-03-16").Body); len(a) != 0 {
			t.Errorf("%s: the next New York day holds %v, want none", lang, a)
		}
	}
}

// TestAuditBadFilterRefused: a date that cannot be read, or a range that
// ends before it starts, is shown next to its field with 422; an htmx
// search loads the whole page to show it.
func TestAuditBadFilterRefused(t *testing.T) {
	s, ten := auditStart(t, auditEpoch)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	tests := []struct{ query, field, message string }{
		{"from=16%2F03%2F2026", "from", "日付を「2026-03-15」の形式で入力してください。"},
		{"to=yesterday", "to", "日付を「2026-03-15」の形式で入力してください。"},
		{"from=2026-03-20&to=2026-03-16", "to", "終了日は開始日以降の日付にしてください。"},
	}
	for _, tt := range tests {
		p := b.get("/admin/audit?" + tt.query)
		if p.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", tt.query, p.Status)
		}
		if !regexp.MustCompile(`id="f-` + tt.field + `-error"[^>]*>` + regexp.QuoteMeta(tt.message)).MatchString(p.Body) {
			t.Errorf("%s: no message %q next to %s\n%s", tt.query, tt.message, tt.field, p.Body)
		}
		if strings.Contains(p.Body, `id="audit-table"`) {
			t.Errorf("%s: refused search shows results", tt.query)
		}
		if hx := b.getHX("/admin/audit?" + tt.query); hx.Status != http.StatusUnprocessableEntity || hx.Header.Get("HX-Redirect") != "/admin/audit?"+tt.query {
			t.Errorf("htmx %s: %d, HX-Redirect %q, want 422 and a whole-page load", tt.query, hx.Status, hx.Header.Get("HX-Redirect"))
		}
		if ex := b.get("/admin/audit/export.csv?" + tt.query); ex.Status != http.StatusUnprocessableEntity {
			t.Errorf("export %s: %d, want 422", tt.query, ex.Status)
		}
	}
}

// TestAuditPagingAndExport pages through 60 imported members' events with
// the filters kept, and exports the same search as CSV.
func TestAuditPagingAndExport(t *testing.T) {
	s, ten := auditStart(t, auditEpoch)
	paidTenant(t, s, ten, 70) // the free plan stops at 30 members
	var file strings.Builder
	file.WriteString("login_id,display_name\n")
	for i := range 60 {
		fmt.Fprintf(&file, "m%02d,=Member %d\n", i, i)
	}
	auditCall(t, s, ten.AdminToken, "POST", "/api/v1/tenants/"+ten.ID+"/members/import", file.String(), http.StatusOK)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)

	seen := map[string]bool{}
	path := "/admin/audit?action=member.added"
	for pages := 1; ; pages++ {
		p := b.get(path)
		if p.Status != http.StatusOK {
			t.Fatalf("%s: %d", path, p.Status)
		}
		for _, m := range auditTargetRE.FindAllStringSubmatch(p.Body, -1) {
			if seen[m[1]] {
				t.Errorf("%s shows %s again", path, m[1])
			}
			seen[m[1]] = true
		}
		next := regexp.MustCompile(`id="audit-next" rel="next"`).MatchString(p.Body)
		if pages > 1 && !strings.Contains(p.Body, `id="audit-first"`) {
			t.Errorf("page %d has no link to the first page", pages)
		}
		if !next {
			if pages != 2 {
				t.Errorf("got %d pages, want 2 (61 events, 50 a page)", pages)
			}
			break
		}
		m := regexp.MustCompile(`href="([^"]+)" hx-get="[^"]+" hx-target="#audit-results" hx-push-url="true" id="audit-next"`).FindStringSubmatch(p.Body)
		if m == nil {
			t.Fatalf("no next link on page %d", pages)
		}
		path = strings.ReplaceAll(m[1], "&amp;", "&")
		if u, _ := url.Parse(path); u.Query().Get("action") != "member.added" || u.Query().Get("cursor") == "" {
			t.Fatalf("next link %q does not keep the filter", path)
		}
	}
	if len(seen) != 61 {
		t.Errorf("paged through %d members' events, want 61 (60 imported and the admin)", len(seen))
	}

	ex := b.get("/admin/audit/export.csv?action=member.added&from=2026-03-16")
	if ex.Status != http.StatusOK || ex.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		ex.Header.Get("Content-Disposition") != `attachment; filename="audit-events-20260316.csv"` {
		t.Fatalf("export: %d %q %q", ex.Status, ex.Header.Get("Content-Type"), ex.Header.Get("Content-Disposition"))
	}
	body, ok := strings.CutPrefix(ex.Body, "\ufeff")
	if !ok {
		t.Errorf("export has no byte-order mark for Excel")
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if want := "occurred_at,actor_kind,actor_id,actor_name,action,target_type,target_id,before,after,ip,user_agent"; strings.Join(rows[0], ",") != want {
		t.Errorf("export header: %v, want %s", rows[0], want)
	}
	if len(rows) != 62 {
		t.Errorf("export: %d rows, want the header and 61 events", len(rows))
	}
	for _, r := range rows[1:] {
		if r[4] != "member.added" || !seen[r[6]] {
			t.Errorf("export row %v is not one of the search's events", r)
		}
	}
	sj := b.get("/admin/audit/export.csv?action=member.added&from=2026-03-16&encoding=shift_jis")
	if sj.Status != http.StatusOK || sj.Header.Get("Content-Type") != "text/csv; charset=Shift_JIS" || strings.HasPrefix(sj.Body, "\ufeff") || strings.Count(sj.Body, "\n") != 62 {
		t.Errorf("Shift_JIS export: %d %q, %d lines; want the header and 61 events without a BOM", sj.Status, sj.Header.Get("Content-Type"), strings.Count(sj.Body, "\n"))
	}
	if ex := b.get("/admin/audit/export.csv?to=2026-03-15"); ex.Status != http.StatusOK || strings.Count(ex.Body, "\n") != 1 {
		t.Errorf("export of an empty search: %d, want only the header\n%s", ex.Status, ex.Body)
	}
}

// TestAuditNeedsAuditRead: an admin without audit.read sees no menu entry
// and is refused the page and the export.
func TestAuditNeedsAuditRead(t *testing.T) {
	s, ten := auditStart(t, auditEpoch)
	auditMember(t, s, ten, "bob", "bob-password-123", auditRole(t, s, ten, "member_manager"))
	b := newBrowser(t, s)
	b.signIn("bob@"+ten.Domain, "bob-password-123")
	if home := b.get("/admin"); strings.Contains(home.Body, `href="/admin/audit"`) {
		t.Errorf("the menu offers the audit log to an admin without audit.read")
	}
	for _, path := range []string{"/admin/audit", "/admin/audit/export.csv"} {
		if p := b.get(path); p.Status != http.StatusForbidden || strings.Contains(p.Body, "audit-table") {
			t.Errorf("%s without audit.read: %d, want 403", path, p.Status)
		}
	}
	c := newBrowser(t, s)
	carl := auditMember(t, s, ten, "carl", "carl-password-123", auditRole(t, s, ten, "auditor"))
	c.signIn("carl@"+ten.Domain, "carl-password-123")
	if p := c.get("/admin/audit?actor_id=" + carl); p.Status != http.StatusOK || !slices.Equal(auditActions(p.Body), []string{"session.signed_in"}) {
		t.Errorf("auditor's own events: %d %v", p.Status, auditActions(p.Body))
	}
}

// TestAuditActorSearch: 実行者 takes a name or a login id (or a member id,
// as the results' links carry it); several matches are listed to choose
// from, none or no right to look members up is refused next to the field.
func TestAuditActorSearch(t *testing.T) {
	s, ten := auditStart(t, auditEpoch)
	carl := auditMember(t, s, ten, "carl", "carl-password-123")
	dave := auditMember(t, s, ten, "dave", "dave-password-123", auditRole(t, s, ten, "auditor"))
	for _, id := range []string{carl, dave} {
		auditCall(t, s, ten.AdminToken, "PATCH", "/api/v1/tenants/"+ten.ID+"/members/"+id,
			map[string]any{"display_name": map[string]string{carl: "Carl Sato", dave: "Dave Sato"}[id]}, http.StatusOK)
	}
	s.Login("carl@"+ten.Domain, "carl-password-123")
	s.Login("dave@"+ten.Domain, "dave-password-123")
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	carlsEvents := []string{"session.signed_in"}

	tests := []struct{ name, query string }{
		{"a name", "actor=carl+sato"},
		{"part of a name", "actor=Carl"},
		{"a login id", "actor=carl"},
		{"a whole login id", "actor=" + url.QueryEscape("carl@"+ten.Domain)},
		{"a member id", "actor=" + carl},
		{"an older link's member id", "actor_id=" + carl},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := b.get("/admin/audit?" + tt.query)
			if p.Status != http.StatusOK || !slices.Equal(auditActions(p.Body), carlsEvents) {
				t.Errorf("%s: %d, actions %v, want %v", tt.query, p.Status, auditActions(p.Body), carlsEvents)
			}
			if hx := b.getHX("/admin/audit?" + tt.query); !slices.Equal(auditActions(hx.Body), carlsEvents) {
				t.Errorf("htmx %s: actions %v", tt.query, auditActions(hx.Body))
			}
		})
	}
	p := b.get("/admin/audit?actor=carl")
	wantIn(t, "found by login id", p.Body, `id="f-actor"`, `name="actor" type="text" value="carl"`, `id="actor-resolved"`, "Carl Sato", "carl@"+ten.Domain)
	if !strings.Contains(b.get("/admin/audit?actor_id="+carl).Body, `name="actor" type="text" value="`+carl+`"`) {
		t.Errorf("an older link's member id is not shown in the field")
	}
	if p := b.get("/admin/audit?action=session.signed_in"); !strings.Contains(p.Body, `href="/admin/audit?action=session.signed_in&amp;actor=`+carl+`"`) {
		t.Errorf("an actor's link does not search by their id\n%s", p.Body)
	}

	p = b.get("/admin/audit?actor=sato&action=session.")
	if p.Status != http.StatusOK || strings.Contains(p.Body, `id="audit-table"`) {
		t.Errorf("two members named Sato: %d, want a choice and no results", p.Status)
	}
	wantIn(t, "the choice", p.Body, `id="actor-choices"`, "「sato」に当てはまるメンバーが複数います", "Carl Sato", "Dave Sato",
		`href="/admin/audit?action=session.&amp;actor=carl%40`+ten.Domain+`"`, `href="/admin/audit?action=session.&amp;actor=dave%40`+ten.Domain+`"`)
	if hx := b.getHX("/admin/audit?actor=sato"); strings.Contains(hx.Body, "<html") || !strings.Contains(hx.Body, `id="actor-choices"`) {
		t.Errorf("htmx search for sato: want the choice alone\n%s", hx.Body)
	}
	if got := auditActions(b.get("/admin/audit?action=session.&actor=" + url.QueryEscape("dave@"+ten.Domain)).Body); !slices.Equal(got, []string{"session.signed_in"}) {
		t.Errorf("the chosen Dave: %v", got)
	}

	p = b.get("/admin/audit?actor=nobody")
	if p.Status != http.StatusUnprocessableEntity || strings.Contains(p.Body, `id="audit-table"`) {
		t.Errorf("no such actor: %d, want 422", p.Status)
	}
	wantIn(t, "no such actor", p.Body, `id="f-actor-error"`, "「nobody」に当てはまるメンバーはいません")

	ex := b.get("/admin/audit/export.csv?actor=carl")
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(ex.Body, "\ufeff"))).ReadAll()
	if err != nil || ex.Status != http.StatusOK || len(rows) != 2 || rows[1][2] != carl {
		t.Errorf("export of carl's events: %d %v %v", ex.Status, err, rows)
	}
	if ex := b.get("/admin/audit/export.csv?actor=sato"); ex.Status != http.StatusUnprocessableEntity || !strings.Contains(ex.Body, `id="actor-choices"`) {
		t.Errorf("export for two members: %d, want 422 and the choice", ex.Status)
	}

	b.setLang("en")
	wantIn(t, "in English", b.get("/admin/audit?actor=sato").Body, `Several members match &#34;sato&#34;: choose the actor`)
	wantIn(t, "in English", b.get("/admin/audit?actor=nobody").Body, `No member matches &#34;nobody&#34;.`)

	// An auditor reads the trail but may not look members up: a name is
	// refused with the way round it, a member id works.
	d := newBrowser(t, s)
	d.signIn("dave@"+ten.Domain, "dave-password-123")
	p = d.get("/admin/audit?actor=carl")
	if p.Status != http.StatusUnprocessableEntity {
		t.Errorf("an auditor's search by name: %d, want 422", p.Status)
	}
	wantIn(t, "an auditor's search by name", p.Body, `id="f-actor-error"`, "メンバー管理の権限が必要です")
	if got := auditActions(d.get("/admin/audit?actor=" + carl).Body); !slices.Equal(got, carlsEvents) {
		t.Errorf("an auditor's search by member id: %v", got)
	}
}
