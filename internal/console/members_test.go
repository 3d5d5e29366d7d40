package console_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
)

// apiMember is a member as the JSON API shows it.
type apiMember struct {
	ID          string   `json:"id"`
	LoginID     string   `json:"login_id"`
	DisplayName string   `json:"display_name"`
	Email       string   `json:"email"`
	Department  string   `json:"department"`
	Position    string   `json:"position"`
	Status      string   `json:"status"`
	RoleIDs     []string `json:"role_ids"`

	DepartmentID string            `json:"department_id"`
	PositionID   string            `json:"position_id"`
	GroupIDs     []string          `json:"group_ids"`
	Fields       map[string]string `json:"fields"`
	RuleID       string            `json:"rule_id"`
}

// membersAPI sets up and checks members through the JSON API.
type membersAPI struct {
	t   *testing.T
	s   *apptest.Server
	ten *apptest.Tenant
}

func (a membersAPI) do(method, path string, body any) *apptest.Response {
	a.t.Helper()
	return a.s.Do(apptest.Request{Method: method, Path: "/api/v1/tenants/" + a.ten.ID + path, Token: a.ten.AdminToken, Body: body})
}

// add adds a member (with "password" it is active at once) and returns its id.
func (a membersAPI) add(body map[string]any) string {
	a.t.Helper()
	res := a.do("POST", "/members", body)
	var m apiMember
	res.Decode(a.t, &m)
	if res.Status != http.StatusCreated || m.ID == "" {
		a.t.Fatalf("add member %v: %d %s", body, res.Status, res.Body)
	}
	return m.ID
}

// importCSV adds members from CSV through the API's import, creating the
// departments, positions and groups it names that do not exist.
func (a membersAPI) importCSV(csv string) {
	a.t.Helper()
	if res := a.do("POST", "/members/import?create_missing=true", csv); res.Status != http.StatusOK {
		a.t.Fatalf("import: %d %s", res.Status, res.Body)
	}
}

func (a membersAPI) get(id string) apiMember {
	a.t.Helper()
	var m apiMember
	a.do("GET", "/members/"+id, nil).Decode(a.t, &m)
	return m
}

// list returns every member of status ("": all but deleted) by login id.
func (a membersAPI) list(status string) map[string]apiMember {
	a.t.Helper()
	var page struct{ Items []apiMember }
	a.do("GET", "/members?limit=500&status="+status, nil).Decode(a.t, &page)
	out := map[string]apiMember{}
	for _, m := range page.Items {
		out[m.LoginID] = m
	}
	return out
}

// create adds a directory object (path "/departments", "/positions",
// "/groups", "/fields" …) through the API and returns its id.
func (a membersAPI) create(path string, body map[string]any) string {
	a.t.Helper()
	res := a.do("POST", path, body)
	var o struct{ ID string }
	res.Decode(a.t, &o)
	if res.Status != http.StatusCreated || o.ID == "" {
		a.t.Fatalf("create %s %v: %d %s", path, body, res.Status, res.Body)
	}
	return o.ID
}

// roleID returns the id of the role called name.
func (a membersAPI) roleID(name string) string {
	a.t.Helper()
	var roles []struct{ ID, Name string }
	res := a.do("GET", "/roles", nil)
	res.Decode(a.t, &roles)
	for _, r := range roles {
		if r.Name == name {
			return r.ID
		}
	}
	a.t.Fatalf("no role %s in %s", name, res.Body)
	return ""
}

// setUpMembers starts a server with tenant acme, signs its super admin in
// and returns the browser and the API.
func setUpMembers(t *testing.T) (*browser, membersAPI) {
	s, ten := start(t)
	b := newBrowser(t, s)
	b.signIn("admin@"+ten.Domain, apptest.Password)
	return b, membersAPI{t: t, s: s, ten: ten}
}

var memberLink = regexp.MustCompile(`<td><a href="/admin/members/(mem_[^"]+)">([^<]*)</a></td>`)

// rows returns the names of the list's rows, sorted (the list is in id order).
func rows(body string) []string {
	var names []string
	for _, m := range memberLink.FindAllStringSubmatch(body, -1) {
		names = append(names, m[2])
	}
	slices.Sort(names)
	return names
}
func wantStatus(t *testing.T, what string, p *page, status int) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("%s: got %d, want %d\n%.3000s", what, p.Status, status, p.Body)
	}
}

// TestMembersListSearchFilterPaging: the list pages by 25 with next and
// first links, searches by name and login-id prefix, filters by status,
// shows the billable count, and answers htmx with the results block only.
func TestMembersListSearchFilterPaging(t *testing.T) {
	b, api := setUpMembers(t)
	paidTenant(t, api.s, api.ten, 40) // the free plan stops at 30 members
	var in strings.Builder
	in.WriteString("login_id,display_name,department,position\n")
	for i := 1; i <= 30; i++ {
		fmt.Fprintf(&in, "m%02d,Member %02d,営業部,課長\n", i, i)
	}
	api.importCSV(in.String())

	p := b.get("/admin/members")
	wantStatus(t, "list", p, http.StatusOK)
	wantIn(t, "list", p.Body, "ライセンス対象: 31名", `id="member-add"`, `href="/admin/members/import"`, `href="/admin/members/export.csv"`,
		`hx-get="/admin/members"`, `hx-target="#member-results"`, `hx-push-url="true"`, "営業部", "課長", `<span class="badge invited">招待中</span>`,
		`<span class="badge">最高管理者</span>`, "admin@acme.works.example")
	first := rows(p.Body)
	if len(first) != 25 {
		t.Fatalf("first page: got %d rows, want 25", len(first))
	}
	next := regexp.MustCompile(`id="members-next" href="([^"]+)"|href="([^"]+)" id="members-next"`).FindStringSubmatch(p.Body)
	if next == nil {
		t.Fatal("first page has no next link")
	}
	p = b.get(strings.ReplaceAll(next[1]+next[2], "&amp;", "&"))
	wantStatus(t, "second page", p, http.StatusOK)
	second := rows(p.Body)
	if len(second) != 6 || !strings.Contains(p.Body, `id="members-first"`) || strings.Contains(p.Body, `id="members-next"`) {
		t.Errorf("second page: got %d rows (want 6), a first link and no next link", len(second))
	}
	if all := append(first, second...); len(slices.Compact(slices.Sorted(slices.Values(all)))) != 31 {
		t.Errorf("the two pages hold %d distinct members, want 31", len(slices.Compact(slices.Sorted(slices.Values(all)))))
	}

	tests := []struct {
		name, query string
		want        []string
	}{
		{"name contains", "name=member+0", []string{"Member 01", "Member 02", "Member 03", "Member 04", "Member 05", "Member 06", "Member 07", "Member 08", "Member 09"}},
		{"login id prefix", "login_id=m2", []string{"Member 20", "Member 21", "Member 22", "Member 23", "Member 24", "Member 25", "Member 26", "Member 27", "Member 28", "Member 29"}},
		{"name and login id", "name=member&login_id=m3", []string{"Member 30"}},
		{"status", "status=active", []string{"Admin"}},
		{"deleted", "status=deleted", nil},
	}
	for _, tt := range tests {
		p := b.get("/admin/members?" + tt.query)
		wantStatus(t, tt.name, p, http.StatusOK)
		if got := rows(p.Body); !slices.Equal(got, tt.want) {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
		if tt.want == nil {
			wantIn(t, tt.name, p.Body, "該当するデータはありません。")
		}
	}
	p = b.get("/admin/members?status=active")
	wantIn(t, "status filter", p.Body, `<option value="active" selected>`)
	p = b.get("/admin/members?status=bogus")
	wantStatus(t, "unknown status", p, http.StatusUnprocessableEntity)
	wantIn(t, "unknown status", p.Body, `id="f-status-error"`, "ステータス「bogus」はありません")

	p = b.getHX("/admin/members?name=member+1")
	wantStatus(t, "htmx search", p, http.StatusOK)
	if strings.Contains(p.Body, "<html") || strings.Contains(p.Body, "ライセンス対象") || !strings.Contains(p.Body, `id="members-results-block"`) {
		t.Errorf("htmx search must answer the results block alone:\n%s", p.Body)
	}
	if got := rows(p.Body); len(got) != 10 || got[0] != "Member 10" {
		t.Errorf("htmx search rows: got %q, want Member 10 … 19", got)
	}
	req, _ := http.NewRequest("GET", api.s.URL+"/admin/members?name=member+1", nil)
	req.Header.Set("HX-Request", "true")
	req.Header.Set("HX-History-Restore-Request", "true")
	if p := b.do(req); !strings.Contains(p.Body, "<html") {
		t.Error("an htmx history restore must get the whole page")
	}
}

// TestMembersAdd: the add form, a member invited and one active with
// roles, and refused login ids shown next to the field with nothing added.
func TestMembersAdd(t *testing.T) {
	b, api := setUpMembers(t)
	auditor := api.roleID("auditor")
	sales := api.create("/departments", map[string]any{"name": "営業部"})
	chief := api.create("/positions", map[string]any{"name": "課長"})
	p := b.get("/admin/members/new")
	wantStatus(t, "add form", p, http.StatusOK)
	wantIn(t, "add form", p.Body, "ID@acme.works.example", `id="f-login_id"`, `id="f-display_name"`, `id="f-password"`,
		`name="role_ids" value="`+auditor+`"`, `action="/admin/members/new"`, `<option value="`+sales+`">営業部</option>`,
		`<option value="`+chief+`">課長</option>`)

	p = b.post("/admin/members/new", url.Values{"login_id": {"taro"}, "display_name": {"山田 太郎"}, "email": {"taro@example.com"},
		"department_id": {sales}, "position_id": {chief}, "role_ids": {auditor}})
	wantStatus(t, "add invited", p, http.StatusSeeOther)
	if p.Location != "/admin/members?flash=members_added_invited" {
		t.Errorf("add invited: redirect to %q", p.Location)
	}
	wantIn(t, "list after add", b.follow(p).Body, "招待メールを送信しました", "山田 太郎")
	taro := api.list("")["taro@acme.works.example"]
	if taro.Status != "invited" || taro.Department != "営業部" || taro.Position != "課長" || !slices.Equal(taro.RoleIDs, []string{auditor}) {
		t.Errorf("added member: %+v", taro)
	}
	p = b.post("/admin/members/new", url.Values{"login_id": {"jiro"}, "display_name": {"Jiro"}, "password": {"jiro-password-1"}})
	if p.Location != "/admin/members?flash=members_added" || api.list("active")["jiro@acme.works.example"].ID == "" {
		t.Errorf("add with a password: redirect %q, want an active member", p.Location)
	}
	if p := b.post("/admin/members/new", url.Values{"login_id": {"saburo"}, "display_name": {"Saburo"}}); p.Location != "/admin/members?flash=members_added_no_mail" {
		t.Errorf("add without e-mail: redirect %q, want the no-mail notice", p.Location)
	}

	before := len(api.list(""))
	refusals := []struct {
		name, loginID string
		status        int
		message       string
	}{
		{"not valid", "Bad Id!", http.StatusUnprocessableEntity, "ログインID「Bad Id!」は使えません"},
		{"taken", "taro", http.StatusConflict, "ログインID taro@acme.works.example はすでに使われています"},
		{"other domain", "x@other.example", http.StatusUnprocessableEntity, "@acme.works.example で終わる必要があります"},
	}
	for _, tt := range refusals {
		p := b.post("/admin/members/new", url.Values{"login_id": {tt.loginID}, "display_name": {"Refused"}, "department_id": {sales}})
		wantStatus(t, tt.name, p, tt.status)
		wantIn(t, tt.name, p.Body, `id="f-login_id-error"`, tt.message, `<option value="`+sales+`" selected>`)
	}
	p = b.post("/admin/members/new", url.Values{"login_id": {"nameless"}})
	wantStatus(t, "no name", p, http.StatusUnprocessableEntity)
	wantIn(t, "no name", p.Body, `id="f-display_name-error"`)
	if after := len(api.list("")); after != before {
		t.Errorf("refused adds changed the members: %d → %d", before, after)
	}
}

// TestMembersEdit: the edit form shows the member, saves profile and
// roles, and a refusal is shown next to its field and changes nothing.
func TestMembersEdit(t *testing.T) {
	b, api := setUpMembers(t)
	auditor, manager := api.roleID("auditor"), api.roleID("member_manager")
	general := api.create("/departments", map[string]any{"name": "総務部"})
	hr := api.create("/departments", map[string]any{"name": "人事部"})
	accounts := api.create("/departments", map[string]any{"name": "経理部"})
	head := api.create("/positions", map[string]any{"name": "部長"})
	id := api.add(map[string]any{"login_id": "hanako", "display_name": "佐藤 花子", "department_id": general, "role_ids": []string{auditor}})
	p := b.get("/admin/members/" + id)
	wantStatus(t, "edit form", p, http.StatusOK)
	wantIn(t, "edit form", p.Body, "hanako@acme.works.example", `value="佐藤 花子"`, `<option value="`+general+`" selected>総務部</option>`,
		`value="`+auditor+`" id="role-`+auditor+`" checked`, `id="member-invite"`, `id="member-delete"`)
	if strings.Contains(p.Body, `id="f-login_id"`) || strings.Contains(p.Body, `id="member-suspend"`) {
		t.Error("edit form: no login id field, and an invited member cannot be suspended")
	}
	p = b.post("/admin/members/"+id, url.Values{"display_name": {"佐藤 花子"}, "department_id": {hr}, "position_id": {head},
		"email": {"hanako@example.com"}, "role_ids": {manager}})
	wantStatus(t, "save", p, http.StatusSeeOther)
	wantIn(t, "after save", b.follow(p).Body, "メンバー情報を保存しました。", `<option value="`+hr+`" selected>人事部</option>`)
	got := api.get(id)
	if got.Department != "人事部" || got.Position != "部長" || got.Email != "hanako@example.com" || !slices.Equal(got.RoleIDs, []string{manager}) {
		t.Errorf("saved member: %+v", got)
	}
	p = b.post("/admin/members/"+id, url.Values{"display_name": {"佐藤 花子"}, "email": {"not an address"}, "department_id": {accounts}})
	wantStatus(t, "bad e-mail", p, http.StatusUnprocessableEntity)
	wantIn(t, "bad e-mail", p.Body, `id="f-email-error"`, "メールアドレス「not an address」の形式が正しくありません", `<option value="`+accounts+`" selected>経理部</option>`)
	if again := api.get(id); again.Department != "人事部" || again.Email != "hanako@example.com" {
		t.Errorf("a refused save changed the member: %+v", again)
	}

	p = b.post("/admin/members/"+id+"/invitation", nil)
	wantStatus(t, "resend invitation", p, http.StatusSeeOther)
	wantIn(t, "after resend", b.follow(p).Body, "招待メールを再送しました。")
	quiet := api.add(map[string]any{"login_id": "quiet", "display_name": "Quiet"})
	p = b.post("/admin/members/"+quiet+"/invitation", nil)
	wantStatus(t, "resend without e-mail", p, http.StatusConflict)
	wantIn(t, "resend without e-mail", p.Body, "個人メールアドレスが登録されていないため", `id="member-invite"`)
	if p := b.get("/admin/members/mem_nosuch"); p.Status != http.StatusNotFound {
		t.Errorf("unknown member: %d, want 404", p.Status)
	}
}

// TestMembersStatusActions walks every action through its confirmation
// page: suspend, resume, deactivate, reactivate, deactivate and delete.
func TestMembersStatusActions(t *testing.T) {
	b, api := setUpMembers(t)
	id := api.add(map[string]any{"login_id": "ken", "display_name": "Ken", "password": "ken-password-1"})
	base := "/admin/members/" + id
	steps := []struct {
		action, label, effect, status, flash string
		offered                              []string
	}{
		{"suspend", "一時停止", "一時停止中もライセンス対象のままです", "suspended", "メンバーを一時停止しました。", []string{"suspend", "deactivate"}},
		{"reactivate", "再開", "一時停止を解除し", "active", "メンバーを利用中に戻しました。", []string{"reactivate", "deactivate"}},
		{"deactivate", "利用停止", "ライセンスが1つ空きます", "deactivated", "ライセンスが1つ空きました。", []string{"suspend", "deactivate"}},
		{"reactivate", "再有効化", "ライセンス対象になります", "active", "メンバーを利用中に戻しました。", []string{"reactivate", "delete"}},
		{"deactivate", "利用停止", "ライセンスが1つ空きます", "deactivated", "ライセンスが1つ空きました。", []string{"suspend", "deactivate"}},
		{"delete", "削除", "この操作は取り消せません", "deleted", "メンバーを削除しました。", []string{"reactivate", "delete"}},
	}
	for i, st := range steps {
		edit := b.get(base)
		var offered []string
		for _, a := range []string{"suspend", "reactivate", "deactivate", "delete"} {
			if strings.Contains(edit.Body, `id="member-`+a+`"`) {
				offered = append(offered, a)
			}
		}
		if !slices.Equal(offered, st.offered) {
			t.Errorf("step %d: edit page offers %q, want %q", i, offered, st.offered)
		}
		confirm := b.get(base + "/status?action=" + st.action)
		wantStatus(t, st.action+" confirmation", confirm, http.StatusOK)
		wantIn(t, st.action+" confirmation", confirm.Body, st.label, st.effect, "ken@acme.works.example",
			`<input type="hidden" name="action" value="`+st.action+`">`, `id="status-confirm"`)
		p := b.post(base+"/status", url.Values{"action": {st.action}})
		wantStatus(t, st.action, p, http.StatusSeeOther)
		wantIn(t, st.action+" notice", b.follow(p).Body, st.flash)
		if got := api.get(id).Status; got != st.status {
			t.Fatalf("after %s: status %s, want %s", st.action, got, st.status)
		}
	}
	if p := b.get("/admin/members"); !strings.Contains(p.Body, "ライセンス対象: 1名") || strings.Contains(p.Body, "Ken") {
		t.Errorf("after delete the list must not show Ken and count 1 license:\n%.2000s", p.Body)
	}

	other := api.add(map[string]any{"login_id": "aki", "display_name": "Aki", "password": "aki-password-1"})
	p := b.get("/admin/members/" + other + "/status")
	wantStatus(t, "no action", p, http.StatusOK)
	wantIn(t, "no action", p.Body, "行う操作を選んでください。", "?action=suspend")
	p = b.get("/admin/members/" + other + "/status?action=delete")
	wantStatus(t, "delete an active member", p, http.StatusOK)
	wantIn(t, "delete an active member", p.Body, "先に利用停止にしてください")
	if strings.Contains(p.Body, `id="status-confirm"`) {
		t.Error("a confirmation for an action the status does not allow")
	}
	p = b.post("/admin/members/"+other+"/status", url.Values{"action": {"delete"}})
	wantStatus(t, "post delete of an active member", p, http.StatusConflict)
	wantIn(t, "post delete of an active member", p.Body, "先に利用停止にしてください")
	if got := api.get(other).Status; got != "active" {
		t.Errorf("a refused delete changed the status to %s", got)
	}
	self := b.get("/admin/members/" + api.ten.AdminID)
	wantIn(t, "super admin's page", self.Body, `id="member-locked"`, "最高管理者のステータスは変更できません")
	p = b.post("/admin/members/"+api.ten.AdminID+"/status", url.Values{"action": {"suspend"}})
	if p.Status == http.StatusSeeOther || api.get(api.ten.AdminID).Status != "active" {
		t.Errorf("suspending the super admin: %d, must be refused", p.Status)
	}
}

// uploadHX posts a file as the import form does with htmx.
func uploadHX(b *browser, content string) *page {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "members.csv")
	_, _ = fw.Write([]byte(content))
	_ = mw.Close()
	req, _ := http.NewRequest("POST", b.s.URL+"/admin/members/import", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("HX-Request", "true")
	return b.do(req)
}

// TestMembersImport: the import page explains the format; a good file
// imports (plain post and htmx); a file with two bad lines shows both by
// line, and imports nothing.
func TestMembersImport(t *testing.T) {
	b, api := setUpMembers(t)
	p := b.get("/admin/members/import")
	wantStatus(t, "import page", p, http.StatusOK)
	wantIn(t, "import page", p.Body, "login_id,display_name,email,phone,department,position,groups", `enctype="multipart/form-data"`,
		`name="create_missing"`, "存在しない部署・役職・グループを作成する", "「;」で区切って",
		`hx-encoding="multipart/form-data"`, `hx-post="/admin/members/import"`, `<progress data-upload value="0"`, `class="htmx-indicator"`, "取り込み中…",
		`name="file"`)

	if strings.Index(p.Body, `name="create_missing"`) > strings.Index(p.Body, `name="file"`) {
		t.Error("the create_missing checkbox must come before the file: the import reads the parts in order")
	}
	good := "login_id,display_name,email,department\nann,Ann Lee,ann@example.com,Sales\nbob,Bob,,\n"
	p = b.upload("/admin/members/import", "file", "members.csv", []byte(good), nil)
	wantStatus(t, "import naming a department that does not exist", p, http.StatusUnprocessableEntity)
	wantIn(t, "import naming a department that does not exist", p.Body, "<td>2行目</td>", "部署「Sales」がありません")
	p = b.upload("/admin/members/import", "file", "members.csv", []byte(good), url.Values{"create_missing": {"on"}})
	wantStatus(t, "import", p, http.StatusSeeOther)
	wantIn(t, "import result", b.follow(p).Body, "2名のメンバーを登録しました。", `href="/admin/members"`)
	if ms := api.list("invited"); ms["ann@acme.works.example"].Department != "Sales" || ms["bob@acme.works.example"].ID == "" {
		t.Errorf("imported members: %v", ms)
	}
	p = uploadHX(b, "login_id,display_name\ncarl,Carl\n")
	wantStatus(t, "htmx import", p, http.StatusOK)
	if strings.Contains(p.Body, "<html") || !strings.Contains(p.Body, "1名のメンバーを登録しました。") {
		t.Errorf("htmx import must answer the result block:\n%s", p.Body)
	}

	before := len(api.list(""))
	bad := "login_id,display_name\ndan,Dan\nBad Id!,Bad\nerin,Erin\nann,Ann again\n"
	p = b.upload("/admin/members/import", "file", "members.csv", []byte(bad), nil)
	wantStatus(t, "bad file", p, http.StatusUnprocessableEntity)
	wantIn(t, "bad file", p.Body, `id="import-lines"`, "<td>3行目</td>", "<td>5行目</td>", "ログインID「Bad Id!」は使えません", "ログインID ann@acme.works.example はすでに使われています", "何も登録していません")
	if strings.Contains(p.Body, `class="error details"`) {
		t.Error("the problems must be shown once, in the table")
	}
	p = uploadHX(b, bad)
	wantStatus(t, "htmx bad file", p, http.StatusOK)
	wantIn(t, "htmx bad file", p.Body, `id="import-lines"`, "<td>3行目</td>", "<td>5行目</td>")
	if after := len(api.list("")); after != before {
		t.Errorf("a refused file imported members: %d → %d", before, after)
	}
	p = b.upload("/admin/members/import", "file", "empty.csv", nil, nil)
	wantStatus(t, "empty file", p, http.StatusUnprocessableEntity)
	wantIn(t, "empty file", p.Body, `id="import-error"`, "見出し行がありません")
	p = b.upload("/admin/members/import", "other", "members.csv", []byte(good), nil)
	wantStatus(t, "no file", p, http.StatusUnprocessableEntity)
	wantIn(t, "no file", p.Body, "アップロードするCSVファイルを選んでください")
}

// TestMembersExport: the download is UTF-8 CSV with a BOM, named after the
// works group and the day, with the import's columns plus status; with the
// status column removed and the ids renamed it imports again.
func TestMembersExport(t *testing.T) {
	b, api := setUpMembers(t)
	api.importCSV("login_id,display_name,email,phone,department,position\nann,山田 杏,ann@example.com,03-1234-5678,営業部,課長\nbob,\"Bob, Jr.\",,,,\n")
	p := b.get("/admin/members/export.csv")
	wantStatus(t, "export", p, http.StatusOK)
	if ct := p.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type: %q", ct)
	}
	if cd := p.Header.Get("Content-Disposition"); !regexp.MustCompile(`^attachment; filename="members-acme-\d{4}-\d{2}-\d{2}\.csv"$`).MatchString(cd) {
		t.Errorf("Content-Disposition: %q", cd)
	}
	body, ok := strings.CutPrefix(p.Body, "\ufeff")
	if !ok {
		t.Error("the export must start with a BOM")
	}
	records, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(records) != 4 {
		t.Fatalf("export: %d records, %v\n%s", len(records), err, body)
	}
	if want := []string{"login_id", "display_name", "email", "phone", "department", "position", "groups", "status"}; !slices.Equal(records[0], want) {
		t.Errorf("header: got %q, want %q", records[0], want)
	}
	byLogin := map[string][]string{}
	for _, r := range records[1:] {
		byLogin[r[0]] = r
	}
	if want := []string{"ann@acme.works.example", "山田 杏", "ann@example.com", "03-1234-5678", "営業部", "課長", "", "invited"}; !slices.Equal(byLogin[want[0]], want) {
		t.Errorf("ann's row: got %q, want %q", byLogin[want[0]], want)
	}
	if byLogin["admin@acme.works.example"][7] != "active" || byLogin["bob@acme.works.example"][1] != "Bob, Jr." {
		t.Errorf("rows: %q", records[1:])
	}

	var again bytes.Buffer
	again.WriteString("\ufeff")
	w := csv.NewWriter(&again)
	_ = w.Write(records[0][:7])
	for _, r := range records[1:] {
		local, _, _ := strings.Cut(r[0], "@")
		_ = w.Write(append([]string{"copy-" + local}, r[1:7]...))
	}
	w.Flush()
	p = b.upload("/admin/members/import", "file", "again.csv", again.Bytes(), nil)
	wantStatus(t, "re-import", p, http.StatusSeeOther)
	if copy := api.list("")["copy-ann@acme.works.example"]; copy.DisplayName != "山田 杏" || copy.Department != "営業部" {
		t.Errorf("re-imported ann: %+v", copy)
	}
	if p := b.get("/admin/members/export.csv?status=bogus"); p.Status != http.StatusUnprocessableEntity || p.Header.Get("Content-Disposition") != "" {
		t.Errorf("export of an unknown status: %d %q, want a 422 page", p.Status, p.Header.Get("Content-Disposition"))
	}
}

// TestMembersPermissionRefused: a member without members.manage sees no
// menu entry and is refused every member screen, and changes nothing.
func TestMembersPermissionRefused(t *testing.T) {
	_, api := setUpMembers(t)
	id := api.add(map[string]any{"login_id": "plain", "display_name": "Plain", "password": "plain-password-1"})
	b := newBrowser(t, api.s)
	b.signIn("plain@acme.works.example", "plain-password-1")
	if home := b.get("/admin"); home.Status != http.StatusOK || strings.Contains(home.Body, `href="/admin/members"`) {
		t.Errorf("a plain member's home: %d, must not link to the members", home.Status)
	}
	for _, path := range []string{"/admin/members", "/admin/members/new", "/admin/members/import", "/admin/members/export.csv",
		"/admin/members/" + id, "/admin/members/" + api.ten.AdminID, "/admin/members/" + api.ten.AdminID + "/status?action=suspend"} {
		if p := b.get(path); p.Status != http.StatusForbidden {
			t.Errorf("GET %s by a plain member: %d, want 403", path, p.Status)
		}
	}
	before := len(api.list(""))
	posts := map[string]*page{
		"add":    b.post("/admin/members/new", url.Values{"login_id": {"sneaky"}, "display_name": {"Sneaky"}}),
		"edit":   b.post("/admin/members/"+api.ten.AdminID, url.Values{"display_name": {"Hacked"}}),
		"status": b.post("/admin/members/"+api.ten.AdminID+"/status", url.Values{"action": {"suspend"}}),
		"import": b.upload("/admin/members/import", "file", "m.csv", []byte("login_id,display_name\nsneaky,Sneaky\n"), nil),
	}
	for name, p := range posts {
		if p.Status != http.StatusForbidden {
			t.Errorf("POST %s by a plain member: %d, want 403", name, p.Status)
		}
	}
	if after := len(api.list("")); after != before || api.get(api.ten.AdminID).DisplayName != "Admin" {
		t.Errorf("refused posts changed members: %d → %d, admin %q", before, after, api.get(api.ten.AdminID).DisplayName)
	}
}

// TestMembersPagesBothLanguages renders every member page, with no query
// string, in Japanese and English.
func TestMembersPagesBothLanguages(t *testing.T) {
	b, api := setUpMembers(t)
	id := api.add(map[string]any{"login_id": "yuki", "display_name": "Yuki", "email": "yuki@example.com"})
	wants := map[string][2]string{
		"/admin/members":                   {"メンバー追加", "Add member"},
		"/admin/members/new":               {"個人メールアドレス", "Personal e-mail"},
		"/admin/members/import":            {"CSV一括登録", "Import members from CSV"},
		"/admin/members/" + id:             {"招待メール再送", "Resend invitation"},
		"/admin/members/" + id + "/status": {"行う操作を選んでください。", "Choose what to do."},
	}
	for i, lang := range []string{"ja", "en"} {
		b.setLang(lang)
		for path, want := range wants {
			p := b.get(path)
			wantStatus(t, path+" ("+lang+")", p, http.StatusOK)
			wantIn(t, path+" ("+lang+")", p.Body, `<html lang="`+lang+`">`, want[i])
		}
	}
}

// TestMembersEditByLimitedAdmin: an admin who may manage roles but lacks a
// role's permissions sees that role locked, and saving keeps it; the admin
// may not change the roles or the e-mail of a member holding that role
// (issue 12: changing them needs every permission the member holds).
func TestMembersEditByLimitedAdmin(t *testing.T) {
	_, api := setUpMembers(t)
	auditor := api.roleID("auditor")
	res := api.do("POST", "/roles", map[string]any{"name": "人事", "permissions": []string{"members.manage", "roles.manage"}})
	var hr struct{ ID string }
	res.Decode(t, &hr)
	api.add(map[string]any{"login_id": "hr", "display_name": "HR", "password": "hr-password-1", "role_ids": []string{hr.ID}})
	id := api.add(map[string]any{"login_id": "aya", "display_name": "Aya", "role_ids": []string{auditor}})
	b := newBrowser(t, api.s)
	b.signIn("hr@acme.works.example", "hr-password-1")
	p := b.get("/admin/members/" + id)
	wantStatus(t, "edit by HR", p, http.StatusOK)
	wantIn(t, "edit by HR", p.Body, `id="role-`+auditor+`" checked disabled>`, `<input type="hidden" name="role_ids" value="`+auditor+`">`)
	wantIn(t, "edit by HR", p.Body, `name="email" type="email" value="" autocomplete="off" readonly`)
	p = b.post("/admin/members/"+id, url.Values{"display_name": {"Aya Ito"}, "role_ids": {auditor}})
	wantStatus(t, "save by HR", p, http.StatusSeeOther)
	if got := api.get(id); got.DisplayName != "Aya Ito" || len(got.RoleIDs) != 1 {
		t.Errorf("saved by HR: %+v, want the new name and the auditor role kept", got)
	}
	p = b.post("/admin/members/"+id, url.Values{"display_name": {"Aya Ito"}, "role_ids": {auditor, hr.ID}})
	wantStatus(t, "HR grants its role to an auditor", p, http.StatusForbidden)
	wantIn(t, "HR grants its role to an auditor", p.Body, "あなたが持っていない")
	p = b.post("/admin/members/"+id, url.Values{"display_name": {"Aya Ito"}, "email": {"aya@example.com"}, "role_ids": {auditor}})
	wantStatus(t, "HR changes an auditor's e-mail", p, http.StatusForbidden)
	p = b.post("/admin/members/"+id, url.Values{"display_name": {"Aya Ito"}, "role_ids": {hr.ID}})
	wantStatus(t, "HR takes away auditor", p, http.StatusForbidden)
	wantIn(t, "HR takes away auditor", p.Body, "あなたが持っていない")
}
