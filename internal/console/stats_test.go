package console_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app/apptest"
)

var (
	statsPointsRE  = regexp.MustCompile(`id="stats-line"[^>]* points="([^"]*)"`)
	statsCurrentRE = regexp.MustCompile(`<strong id="stats-current">(\d+)</strong>`)
	statsRowRE     = regexp.MustCompile(`<tr><th scope="row"><time datetime="([0-9-]+)">[0-9-]+</time></th><td>(\d+)</td><td>(\d+)</td></tr>`)
)

// statsChart reads the page's current count, the chart's points (x, y)
// and the table's rows (day → "max/last").
func statsChart(t *testing.T, body string) (current int, points [][2]float64, rows map[string]string, days []string) {
	t.Helper()
	m := statsCurrentRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no current count on the page\n%s", body)
	}
	current, _ = strconv.Atoi(m[1])
	p := statsPointsRE.FindStringSubmatch(body)
	if p == nil {
		t.Fatalf("no chart line on the page\n%s", body)
	}
	for _, xy := range strings.Fields(p[1]) {
		x, y, _ := strings.Cut(xy, ",")
		fx, err1 := strconv.ParseFloat(x, 64)
		fy, err2 := strconv.ParseFloat(y, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("bad point %q", xy)
		}
		points = append(points, [2]float64{fx, fy})
	}
	rows = map[string]string{}
	for _, r := range statsRowRE.FindAllStringSubmatch(body, -1) {
		rows[r[1]] = r[2] + "/" + r[3]
		days = append(days, r[1])
	}
	return current, points, rows, days
}

// TestStatsBillableMembers: after members are added and one deactivated
// two days later through the API, the page shows the current count, a
// point per day of the period and the same numbers in its table.
func TestStatsBillableMembers(t *testing.T) {
	s, ten := auditStart(t, time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC))
	auditMember(t, s, ten, "ann", "")
	bob := auditMember(t, s, ten, "bob", "bob-password-123")
	auditMember(t, s, ten, "carl", "carl-password-123")
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	p := b.get("/admin/stats")
	if p.Status != http.StatusOK {
		t.Fatalf("stats page: %d\n%s", p.Status, p.Body)
	}
	current, points, rows, days := statsChart(t, p.Body)
	if current != 4 || len(points) != 30 || len(days) != 30 || rows["2026-03-10"] != "4/4" || days[0] != "2026-02-09" || rows["2026-02-09"] != "0/0" {
		t.Errorf("day 1: current %d, %d points, %d rows (%s … %v), want 4, 30, 30 from 2026-02-09 to 2026-03-10 at 4/4", current, len(points), len(days), days[0], rows)
	}

	auditSetClock(t, s, time.Date(2026, 3, 12, 10, 0, 0, 0, time.UTC))
	admin := s.Login("admin@"+ten.Domain, apptest.Password) // the sessions of two days ago have expired
	auditCall(t, s, admin, "POST", "/api/v1/tenants/"+ten.ID+"/members/"+bob+"/deactivate", nil, http.StatusOK)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	p = b.get("/admin/stats")
	current, points, rows, days = statsChart(t, p.Body)
	if current != 3 || len(points) != 30 || days[29] != "2026-03-12" {
		t.Errorf("day 3: current %d, %d points, last day %s; want 3, 30, 2026-03-12", current, len(points), days[29])
	}
	for day, want := range map[string]string{"2026-03-09": "0/0", "2026-03-10": "4/4", "2026-03-11": "4/4", "2026-03-12": "4/3"} {
		if rows[day] != want {
			t.Errorf("row %s: got %q, want %q (highest/last)", day, rows[day], want)
		}
	}
	if first, last := points[0], points[29]; !(first[0] < last[0] && first[1] > last[1]) {
		t.Errorf("the line should run from bottom left (0) to top right (4): %v … %v", first, last)
	}
	if !strings.Contains(p.Body, `role="img"`) || !strings.Contains(p.Body, "<title id=\"stats-chart-title\">過去30日間") {
		t.Errorf("the chart has no accessible title")
	}

	for _, n := range []int{90, 365} {
		p := b.get("/admin/stats?days=" + strconv.Itoa(n))
		if _, points, _, days := statsChart(t, p.Body); p.Status != http.StatusOK || len(points) != n || len(days) != n {
			t.Errorf("days=%d: %d, %d points, %d rows", n, p.Status, len(points), len(days))
		}
	}
	p = b.get("/admin/stats?days=7")
	if _, points, _, _ := statsChart(t, p.Body); p.Status != http.StatusUnprocessableEntity || len(points) != 30 ||
		!strings.Contains(p.Body, `id="f-days-error" role="alert">期間は一覧から選んでください。`) {
		t.Errorf("days=7: %d with %d points, want 422, the reason next to the period and the default 30 days\n%s", p.Status, len(points), p.Body)
	}

	b.setLang("en")
	if p := b.get("/admin/stats"); p.Status != http.StatusOK || !strings.Contains(p.Body, "Billable members over time") || !strings.Contains(p.Body, "Mar 12") {
		t.Errorf("English stats page: %d\n%s", p.Status, p.Body)
	}
}

// TestStatsPermission: admins with members.manage or audit.read see the
// statistics; an admin with neither has no menu entry and is refused.
func TestStatsPermission(t *testing.T) {
	s, ten := auditStart(t, time.Date(2026, 3, 10, 10, 0, 0, 0, time.UTC))
	var role struct{ ID string }
	auditCall(t, s, ten.AdminToken, "POST", "/api/v1/tenants/"+ten.ID+"/roles",
		map[string]any{"name": "company", "permissions": []string{"tenant.manage"}}, http.StatusCreated).Decode(t, &role)
	for local, roleID := range map[string]string{"auditor": auditRole(t, s, ten, "auditor"), "manager": auditRole(t, s, ten, "member_manager"), "company": role.ID} {
		auditMember(t, s, ten, local, local+"-password-1", roleID)
		b := newBrowser(t, s)
		b.signIn(local+"@"+ten.Domain, local+"-password-1")
		home, p := b.get("/admin"), b.get("/admin/stats")
		allowed := local != "company"
		if strings.Contains(home.Body, `href="/admin/stats"`) != allowed {
			t.Errorf("%s: menu entry shown = %v, want %v", local, !allowed, allowed)
		}
		if want := map[bool]int{true: http.StatusOK, false: http.StatusForbidden}[allowed]; p.Status != want {
			t.Errorf("%s: stats page %d, want %d", local, p.Status, want)
		}
	}
}
