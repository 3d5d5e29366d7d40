package app_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app/apptest"
)

// TestRuleChangeSurvivesKill kills `kanri serve` (SIGKILL) while it
// deletes an assignment rule of a 50,000-member tenant (a re-evaluation of
// every member), at 50, 300 or 1,000 ms, and starts another on its
// database: the deletion happened whole or not at all — the priorities run
// 1…n, no member holds a rule that is gone, every member holds the first
// rule matching its department, and the billable counter equals a count.
func TestRuleChangeSurvivesKill(t *testing.T) {
	longTest(t, "builds kanri and kills kanri serve processes")
	t.Parallel()
	bin := buildKanri(t)
	for _, after := range []time.Duration{50 * time.Millisecond, 300 * time.Millisecond, time.Second} {
		t.Run(after.String(), func(t *testing.T) {
			t.Parallel()
			onEachDatabase(t, func(t *testing.T, url string) {
				first := serve(t, bin, url)
				s := apptest.Remote(t, first.url)
				ten := s.Signup("crash-rules")
				s.PayMonthly(ten)
				post := func(path string, body any) *apptest.Response {
					res := s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + path, Token: ten.AdminToken, Body: body})
					if res.Status >= 300 {
						t.Fatalf("POST %s: %d %s", path, res.Status, res.Body)
					}
					return res
				}
				post("/members/import?create_missing=true", apptest.MembersCSV(50000))
				var depts []struct{ ID string }
				s.Do(apptest.Request{Method: "GET", Path: "/api/v1/tenants/" + ten.ID + "/departments", Token: ten.AdminToken}).Decode(t, &depts)
				var roles []struct{ ID string }
				s.Do(apptest.Request{Method: "GET", Path: "/api/v1/tenants/" + ten.ID + "/roles", Token: ten.AdminToken}).Decode(t, &roles)
				var first0 string
				for i, d := range depts {
					var out struct{ Rule struct{ ID string } }
					post("/rules", map[string]any{"name": fmt.Sprintf("rule %d", i), "match_kind": "department", "match_id": d.ID,
						"role_ids": []string{roles[0].ID}}).Decode(t, &out)
					if i == 0 {
						first0 = out.Rule.ID
					}
				}
				go func() { // the answer of a killed server is an error, never a test failure
					hr, _ := http.NewRequest("DELETE", first.url+"/api/v1/tenants/"+ten.ID+"/rules/"+first0, nil)
					hr.Header.Set("Authorization", "Bearer "+ten.AdminToken)
					if res, err := http.DefaultClient.Do(hr); err == nil {
						res.Body.Close()
					}
				}()
				time.Sleep(after)
				first.kill()

				serve(t, bin, url)
				count := func(q string) int { return apptest.CountRows(t, url, q, ten.ID) }
				rules := count(`SELECT COUNT(*) FROM assignment_rules WHERE tenant_id = ?`)
				if rules != len(depts) && rules != len(depts)-1 {
					t.Fatalf("%d rules after the kill, want %d or %d", rules, len(depts), len(depts)-1)
				}
				if n := count(`SELECT COUNT(DISTINCT priority) FROM assignment_rules WHERE tenant_id = ? AND priority BETWEEN 1 AND ` +
					fmt.Sprint(rules)); n != rules {
					t.Errorf("priorities: %d distinct in 1…%d, want all", n, rules)
				}
				// Each department has its own rule, so every member of a
				// department with a rule holds exactly that one.
				if n := count(`SELECT COUNT(*) FROM members m WHERE m.tenant_id = ? AND m.department_id IS NOT NULL AND COALESCE(m.rule_id, '') <>
					COALESCE((SELECT r.id FROM assignment_rules r WHERE r.tenant_id = m.tenant_id AND r.match_id = m.department_id), '')`); n != 0 {
					t.Errorf("%d members hold another rule than their department's after the kill (deleted: %v)", n, rules != len(depts))
				}
				if kept, counted := count(`SELECT billable_members FROM tenants WHERE id = ?`),
					count(`SELECT COUNT(*) FROM members WHERE tenant_id = ? AND status IN ('invited', 'active', 'suspended')`); kept != counted {
					t.Errorf("billable counter %d, count %d", kept, counted)
				}
				t.Logf("killed after %v: the deletion %s", after, map[bool]string{true: "happened", false: "did not happen"}[rules != len(depts)])
			})
		})
	}
}
