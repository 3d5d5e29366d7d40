package console_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestRoleNamesEverywhere: the member list, the member form and the audit
// log name a built-in role in the page's language, never by its key, and
// a custom role as written.
func TestRoleNamesEverywhere(t *testing.T) {
	b, api := setUpMembers(t)
	res := api.do("POST", "/roles", map[string]any{"name": "経理チーム", "permissions": []string{"audit.read"}})
	if res.Status != http.StatusCreated {
		t.Fatalf("create role: %d %s", res.Status, res.Body)
	}
	id := api.add(map[string]any{"login_id": "hanako", "display_name": "佐藤 花子",
		"role_ids": []string{api.roleID("member_manager"), api.roleID("経理チーム")}})
	for _, tt := range []struct{ lang, builtin, held string }{
		{"ja", "メンバー管理者", "管理者権限: メンバー管理者, 経理チーム"},
		{"en", "Member manager", "Admin roles: Member manager, 経理チーム"},
	} {
		b.setLang(tt.lang)
		for _, path := range []string{"/admin/members", "/admin/members/" + id, "/admin/audit"} {
			p := b.get(path)
			what := tt.lang + " " + path
			wantStatus(t, what, p, http.StatusOK)
			wantIn(t, what, p.Body, tt.builtin, "経理チーム")
			if strings.Contains(p.Body, "member_manager") {
				t.Errorf("%s names a role by its key member_manager", what)
			}
		}
		wantIn(t, tt.lang+" audit of member.added", b.get("/admin/audit?action=member.added").Body, tt.held)
	}
}
