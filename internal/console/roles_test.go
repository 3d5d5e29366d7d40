package console_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
)

type settingsRole struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Permissions []string `json:"permissions"`
	Builtin     bool     `json:"builtin"`
}

func settingsRoles(t *testing.T, s *apptest.Server, ten *apptest.Tenant) map[string]settingsRole {
	t.Helper()
	res := s.Do(apptest.Request{Method: "GET", Path: "/api/v1/tenants/" + ten.ID + "/roles", Token: ten.AdminToken})
	var roles []settingsRole
	res.Decode(t, &roles)
	byName := map[string]settingsRole{}
	for _, r := range roles {
		byName[r.Name] = r
	}
	return byName
}

type settingsMemberView struct {
	SuperAdmin bool     `json:"super_admin"`
	RoleIDs    []string `json:"role_ids"`
	Status     string   `json:"status"`
}

func settingsGetMember(t *testing.T, s *apptest.Server, ten *apptest.Tenant, token, id string) settingsMemberView {
	t.Helper()
	res := s.Do(apptest.Request{Method: "GET", Path: "/api/v1/tenants/" + ten.ID + "/members/" + id, Token: token})
	if res.Status != http.StatusOK {
		t.Fatalf("get member %s: %d %s", id, res.Status, res.Body)
	}
	var m settingsMemberView
	res.Decode(t, &m)
	return m
}

// TestRolesCreateEditDelete walks a custom role from creation to deletion,
// with refusals shown next to their fields, and the built-in roles staying
// read-only.
func TestRolesCreateEditDelete(t *testing.T) {
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	p := b.get("/admin/roles")
	if p.Status != http.StatusOK {
		t.Fatalf("GET roles: %d\n%s", p.Status, p.Body)
	}
	wantIn(t, "roles page", p.Body, "メイン", "セキュリティ", "<h1>管理者権限</h1>", ">管理者</a>", ">メンバー管理者</a>", ">監査担当者</a>",
		"会社情報の管理", "メンバーのセッション管理", ">基本</span>", `id="role-new"`, "最高管理者の権限委任", "あなたが最高管理者です。", `id="transfer-none"`)
	wantIn(t, "new role form", b.get("/admin/roles/new").Body, `id="f-name"`, `name="permissions" value="tenant.manage" id="f-perm-tenant.manage"`, "許可する操作")

	refusals := []struct {
		name  string
		form  url.Values
		field string
		want  int
	}{
		{"no name", url.Values{"name": {" "}, "permissions": {"members.manage"}}, "name", http.StatusUnprocessableEntity},
		{"no permission", url.Values{"name": {"Helpdesk"}}, "permissions", http.StatusUnprocessableEntity},
		{"unknown permission", url.Values{"name": {"Helpdesk"}, "permissions": {"root"}}, "permissions", http.StatusUnprocessableEntity},
		{"built-in name", url.Values{"name": {"admin"}, "permissions": {"members.manage"}}, "name", http.StatusConflict},
	}
	for _, tc := range refusals {
		p := b.post("/admin/roles/new", tc.form)
		if p.Status != tc.want || !strings.Contains(p.Body, `id="f-`+tc.field+`-error"`) {
			t.Errorf("%s: %d, want %d with the reason next to %s\n%s", tc.name, p.Status, tc.want, tc.field, p.Body)
		}
	}
	if n := len(settingsRoles(t, s, ten)); n != 3 {
		t.Fatalf("refused forms created roles: %d roles", n)
	}

	p = b.post("/admin/roles/new", url.Values{"name": {"Helpdesk"}, "permissions": {"members.manage", "sessions.manage"}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/roles?flash=roles_created" {
		t.Fatalf("create: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	wantIn(t, "roles after create", b.follow(p).Body, "権限を追加しました。", ">Helpdesk</a>", ">追加</span>")
	role := settingsRoles(t, s, ten)["Helpdesk"]
	if !slices.Equal(role.Permissions, []string{"members.manage", "sessions.manage"}) || role.Builtin {
		t.Fatalf("created role: %+v", role)
	}
	holder, _ := settingsMember(t, s, ten, "helper", "Help Er", "Helpdesk")

	edit := b.get("/admin/roles/" + role.ID)
	wantIn(t, "edit form", edit.Body, `value="Helpdesk"`, `value="members.manage" id="f-perm-members.manage" checked`,
		`action="/admin/roles/`+role.ID+`"`, `href="/admin/roles/`+role.ID+`/delete"`)
	p = b.post("/admin/roles/"+role.ID, url.Values{"name": {"Help desk"}, "permissions": {"audit.read"}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/roles?flash=roles_updated" {
		t.Fatalf("update: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	if got := settingsRoles(t, s, ten)["Help desk"]; got.ID != role.ID || !slices.Equal(got.Permissions, []string{"audit.read"}) {
		t.Errorf("updated role: %+v", got)
	}

	confirm := b.get("/admin/roles/" + role.ID + "/delete")
	wantIn(t, "delete confirmation", confirm.Body, "Help desk", "元に戻すことはできません", `id="role-delete-confirm"`)
	if settingsRoles(t, s, ten)["Help desk"].ID == "" {
		t.Fatalf("the confirmation page deleted the role")
	}
	p = b.post("/admin/roles/"+role.ID+"/delete", nil)
	if p.Status != http.StatusSeeOther || p.Location != "/admin/roles?removed=1&flash=roles_deleted" {
		t.Fatalf("delete: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	wantIn(t, "roles after delete", b.follow(p).Body, "権限を削除しました。", "1人のメンバーからこの権限を外しました。")
	if _, ok := settingsRoles(t, s, ten)["Help desk"]; ok {
		t.Errorf("the role survived its deletion")
	}
	if m := settingsGetMember(t, s, ten, ten.AdminToken, holder); len(m.RoleIDs) != 0 {
		t.Errorf("the holder kept the deleted role: %v", m.RoleIDs)
	}
	if p := b.get("/admin/roles/" + role.ID); p.Status != http.StatusNotFound {
		t.Errorf("deleted role's page: %d, want 404", p.Status)
	}
}

// TestRolesBuiltinReadOnly: built-in roles show without a form, and
// changing or deleting one is refused with the service's reason.
func TestRolesBuiltinReadOnly(t *testing.T) {
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	admin := settingsRoles(t, s, ten)["admin"]
	p := b.get("/admin/roles/" + admin.ID)
	wantIn(t, "built-in role page", p.Body, "<h1>管理者</h1>", `id="role-builtin"`, "監査ログの閲覧")
	if strings.Contains(p.Body, `id="role-form"`) {
		t.Errorf("a built-in role has an edit form")
	}
	if c := b.get("/admin/roles/" + admin.ID + "/delete"); c.Status != http.StatusOK || strings.Contains(c.Body, `id="role-delete-confirm"`) {
		t.Errorf("built-in delete confirmation: %d, want no delete button", c.Status)
	}
	for path, form := range map[string]url.Values{
		"/admin/roles/" + admin.ID + "/delete": nil,
		"/admin/roles/" + admin.ID:             {"name": {"boss"}, "permissions": {"audit.read"}},
	} {
		p := b.post(path, form)
		if p.Status != http.StatusConflict || !strings.Contains(p.Body, "基本の権限「管理者」は変更・削除できません") {
			t.Errorf("POST %s: %d, want 409 with the reason\n%s", path, p.Status, p.Body)
		}
	}
	if got := settingsRoles(t, s, ten)["admin"]; got.ID != admin.ID || !slices.Equal(got.Permissions, admin.Permissions) {
		t.Errorf("the built-in role changed: %+v", got)
	}
}

// TestRolesTransferSuperAdmin: only the super admin sees the transfer form,
// the confirmation says what happens, refusals change nothing, and after the
// transfer the former super admin is an admin who can no longer transfer.
func TestRolesTransferSuperAdmin(t *testing.T) {
	s, ten := start(t)
	second, _ := settingsMember(t, s, ten, "second", "Second Admin", "admin")
	plain, _ := settingsMember(t, s, ten, "plain", "Plain Member")
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)

	p := b.get("/admin/roles")
	wantIn(t, "roles page", p.Body, `id="transfer-form"`, `<option value="`+second+`">Second Admin (second@`+ten.Domain+`)</option>`)
	if strings.Contains(p.Body, plain) {
		t.Errorf("a member without admin roles is offered the super admin role")
	}
	wantIn(t, "transfer chooser", b.get("/admin/roles/transfer").Body, `id="f-member_id"`, "Second Admin")
	confirm := b.get("/admin/roles/transfer?member_id=" + second)
	wantIn(t, "transfer confirmation", confirm.Body, "Second Admin (second@"+ten.Domain+") さんに最高管理者の権限を委任します。",
		"あなたは最高管理者ではなくなります", "メールで通知されます", `name="member_id" value="`+second+`"`, `id="transfer-confirm"`)
	if settingsGetMember(t, s, ten, ten.AdminToken, second).SuperAdmin {
		t.Fatalf("the confirmation page transferred the role")
	}

	if p := b.post("/admin/roles/transfer", url.Values{"member_id": {plain}}); p.Status != http.StatusConflict ||
		!strings.Contains(p.Body, "管理者権限を持つ利用中のメンバーにだけ委任できます") {
		t.Errorf("transfer to a member without roles: %d, want 409 with the reason\n%s", p.Status, p.Body)
	}
	if p := b.post("/admin/roles/transfer", url.Values{"member_id": {ten.AdminID}}); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.Body, `id="f-member_id-error"`) {
		t.Errorf("transfer to oneself: %d, want 422 next to the select\n%s", p.Status, p.Body)
	}
	if settingsGetMember(t, s, ten, ten.AdminToken, plain).SuperAdmin || !settingsGetMember(t, s, ten, ten.AdminToken, ten.AdminID).SuperAdmin {
		t.Fatalf("a refused transfer moved the role")
	}

	p = b.post("/admin/roles/transfer", url.Values{"member_id": {second}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/roles?flash=roles_transferred" {
		t.Fatalf("transfer: %d %q\n%s", p.Status, p.Location, p.Body)
	}
	after := b.follow(p)
	wantIn(t, "roles page after transfer", after.Body, "最高管理者の権限を委任しました。", "現在の最高管理者: Second Admin (second@"+ten.Domain+")",
		"権限委任は最高管理者のみが行えます。")
	if strings.Contains(after.Body, `id="transfer-form"`) {
		t.Errorf("the former super admin still sees the transfer form")
	}
	old := settingsGetMember(t, s, ten, ten.AdminToken, ten.AdminID)
	adminRole := settingsRoles(t, s, ten)["admin"].ID
	if old.SuperAdmin || !slices.Contains(old.RoleIDs, adminRole) || !settingsGetMember(t, s, ten, ten.AdminToken, second).SuperAdmin {
		t.Errorf("after transfer: former %+v, want an admin who is not super admin; second must be super admin", old)
	}
	// The former super admin is refused both steps.
	if p := b.get("/admin/roles/transfer?member_id=" + ten.AdminID); p.Status != http.StatusForbidden {
		t.Errorf("former super admin opens the transfer page: %d, want 403", p.Status)
	}
	if p := b.post("/admin/roles/transfer", url.Values{"member_id": {ten.AdminID}}); p.Status != http.StatusForbidden {
		t.Errorf("former super admin transfers: %d, want 403", p.Status)
	}
	if !settingsGetMember(t, s, ten, ten.AdminToken, second).SuperAdmin {
		t.Errorf("a refused transfer took the role back")
	}
}

// TestRolesRefusedWithoutPermission: members without roles.manage see no
// menu entry and are refused every page; a roles manager cannot grant what
// it does not hold and does not see the transfer form.
func TestRolesRefusedWithoutPermission(t *testing.T) {
	s, ten := start(t)
	_, plain := settingsMember(t, s, ten, "plain", "Plain Member")
	_, manager := settingsMember(t, s, ten, "manager", "Member Manager", "member_manager")
	adminRole := settingsRoles(t, s, ten)["admin"].ID
	for _, login := range []string{plain, manager} {
		b := newBrowser(t, s)
		b.signIn(login, apptest.Password)
		if home := b.get("/admin"); strings.Contains(home.Body, `href="/admin/roles"`) {
			t.Errorf("%s sees the roles menu entry", login)
		}
		for _, p := range []*page{
			b.get("/admin/roles"), b.get("/admin/roles/new"), b.get("/admin/roles/" + adminRole), b.get("/admin/roles/" + adminRole + "/delete"),
			b.get("/admin/roles/transfer"),
			b.post("/admin/roles/new", url.Values{"name": {"mine"}, "permissions": {"members.manage"}}),
			b.post("/admin/roles/transfer", url.Values{"member_id": {ten.AdminID}}),
		} {
			if p.Status != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", login, p.Status)
			}
		}
	}
	if n := len(settingsRoles(t, s, ten)); n != 3 {
		t.Errorf("refused members created roles: %d", n)
	}

	ab := newBrowser(t, s)
	ab.signIn("admin@"+ten.Domain, apptest.Password)
	if p := ab.post("/admin/roles/new", url.Values{"name": {"Keeper"}, "permissions": {"roles.manage"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("create Keeper: %d", p.Status)
	}
	_, keeper := settingsMember(t, s, ten, "keeper", "Role Keeper", "Keeper")
	kb := newBrowser(t, s)
	kb.signIn(keeper, apptest.Password)
	p := kb.get("/admin/roles")
	wantIn(t, "keeper's roles page", p.Body, "権限委任は最高管理者のみが行えます。")
	if strings.Contains(p.Body, `id="transfer-form"`) || strings.Contains(p.Body, "現在の最高管理者") {
		t.Errorf("a roles manager without members.manage sees the transfer form or member names")
	}
	p = kb.post("/admin/roles/new", url.Values{"name": {"Escalate"}, "permissions": {"audit.read"}})
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "あなたが持っていない操作が含まれています") || !strings.Contains(p.Body, `value="Escalate"`) {
		t.Errorf("granting an unheld permission: %d, want 403 on the form\n%s", p.Status, p.Body)
	}
}

// TestRolesEnglish renders every roles page in English.
func TestRolesEnglish(t *testing.T) {
	s, ten := start(t)
	second, _ := settingsMember(t, s, ten, "second", "Second Admin", "admin")
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	b.setLang("en")
	if p := b.post("/admin/roles/new", url.Values{"name": {"Helpdesk"}, "permissions": {"members.manage"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("create: %d", p.Status)
	}
	roles := settingsRoles(t, s, ten)
	custom, builtin := roles["Helpdesk"].ID, roles["auditor"].ID
	pages := map[string][]string{
		"/admin/roles?flash=roles_created":          {"Role created.", "Admin roles", ">Administrator</a>", "Manage members", "Hand over the super admin role", "You are the super admin."},
		"/admin/roles/new":                          {"New role", "Permissions", "Read the audit log"},
		"/admin/roles/" + custom:                    {"Edit role", `value="Helpdesk"`},
		"/admin/roles/" + builtin:                   {"<h1>Auditor</h1>", "Built-in roles cannot be changed"},
		"/admin/roles/" + custom + "/delete":        {"Delete role", "cannot be undone"},
		"/admin/roles/transfer":                     {"Admin to hand the role to"},
		"/admin/roles/transfer?member_id=" + second: {"You are handing the super admin role to Second Admin", "Both of you are told by e-mail."},
	}
	for path, wants := range pages {
		p := b.get(path)
		if p.Status != http.StatusOK {
			t.Errorf("%s: %d", path, p.Status)
			continue
		}
		wantIn(t, path, p.Body, append(wants, `lang="en"`)...)
	}
	p := b.post("/admin/roles/"+custom+"/delete", nil)
	wantIn(t, "English delete", b.follow(p).Body, "Role deleted.", "Members who lost the role: 0.")
}
