package console_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestDirectoryMemberForm: the member form offers the department tree
// (indented, and なし), the positions, the groups and one input per custom
// field of its kind, required ones marked; it saves them all, and an edit
// that unticks every group leaves the member in none.
func TestDirectoryMemberForm(t *testing.T) {
	b, api, hanako, d := setUpDirectory(t)
	joined := api.create("/fields", map[string]any{"name": "入社日", "kind": "date", "required": true})
	grade := api.create("/fields", map[string]any{"name": "等級", "kind": "number"})
	all := api.create("/groups", map[string]any{"name": "全社"})

	p := b.get("/admin/members/new")
	wantStatus(t, "add form", p, http.StatusOK)
	wantIn(t, "add form", p.Body, `<select id="f-department_id" name="department_id">`, `<option value="">なし</option>`,
		`<option value="`+d.sub+`">　東京営業所</option>`, `<option value="`+d.pos+`">課長</option>`,
		`name="group_ids" value="`+d.group+`" id="group-`+d.group+`"`, `<select id="f-fields.`+d.field+`" name="fields.`+d.field+`">`,
		`<option value="正社員">正社員</option>`, `name="fields.`+joined+`" type="date"`, `name="fields.`+grade+`" type="number"`,
		`入社日 <span class="req" aria-hidden="true">*</span>`)

	add := url.Values{"login_id": {"taro"}, "display_name": {"山田 太郎"}, "department_id": {d.sub}, "position_id": {d.pos},
		"group_ids": {d.group, all}, "fields." + d.field: {"契約社員"}, "fields." + grade: {"3"}, "fields." + joined: {""}}
	p = b.post("/admin/members/new", add)
	wantStatus(t, "required field empty", p, http.StatusUnprocessableEntity)
	wantIn(t, "required field empty", p.Body, `id="f-fields.`+joined+`-error"`, "項目「入社日」は必須です", `value="`+all+`" id="group-`+all+`" checked`,
		`<option value="契約社員" selected>`)
	add.Set("fields."+joined, "2026-04-01")
	p = b.post("/admin/members/new", add)
	wantStatus(t, "add", p, http.StatusSeeOther)
	taro := api.list("")["taro@acme.works.example"]
	want := map[string]string{d.field: "契約社員", grade: "3", joined: "2026-04-01"}
	if taro.DepartmentID != d.sub || taro.PositionID != d.pos || len(taro.GroupIDs) != 2 || len(taro.Fields) != 3 {
		t.Fatalf("added member: %+v", taro)
	}
	for id, v := range want {
		if taro.Fields[id] != v {
			t.Errorf("field %s: %q, want %q", id, taro.Fields[id], v)
		}
	}

	edit := b.get("/admin/members/" + taro.ID)
	wantIn(t, "edit form", edit.Body, `<option value="`+d.sub+`" selected>　東京営業所</option>`, `value="`+all+`" id="group-`+all+`" checked`,
		`value="2026-04-01"`, `<option value="契約社員" selected>`)
	p = b.post("/admin/members/"+taro.ID, url.Values{"display_name": {"山田 太郎"}, "department_id": {""}, "position_id": {""},
		"fields." + d.field: {""}, "fields." + grade: {""}, "fields." + joined: {"2026-04-02"}})
	wantStatus(t, "clear", p, http.StatusSeeOther)
	got := api.get(taro.ID)
	if got.DepartmentID != "" || got.PositionID != "" || len(got.GroupIDs) != 0 || !slices.Equal(mapKeys(got.Fields), []string{joined}) {
		t.Errorf("after clearing: %+v", got)
	}
	p = b.post("/admin/members/"+hanako, url.Values{"display_name": {"佐藤 花子"}, "fields." + grade: {"three"}, "fields." + joined: {"2026-04-01"}})
	wantStatus(t, "not a number", p, http.StatusUnprocessableEntity)
	wantIn(t, "not a number", p.Body, `id="f-fields.`+grade+`-error"`, "数値を入力してください")
}

func mapKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestDirectoryMemberList filters the list by department (with or without
// the departments below), group, position and a custom field's value,
// keeps the filters across pages and in the download, and shows the
// custom fields chosen as columns.
func TestDirectoryMemberList(t *testing.T) {
	b, api, _, d := setUpDirectory(t)
	api.add(map[string]any{"login_id": "taro", "display_name": "Taro", "department_id": d.sub, "fields": map[string]string{d.field: "契約社員"}})
	api.add(map[string]any{"login_id": "jiro", "display_name": "Jiro"})
	p := b.get("/admin/members")
	wantIn(t, "list", p.Body, `<select id="f-department_id" name="department_id">`, `name="sub_departments"`, `<select id="f-group_id" name="group_id">`,
		`<select id="f-position_id" name="position_id">`, `<select id="f-field_id" name="field_id">`, `name="field_value"`, "表示する項目",
		`name="cols" value="`+d.field+`"`)
	tests := []struct {
		name, query string
		want        []string
	}{
		{"department", "department_id=" + d.dep, []string{"佐藤 花子"}},
		{"department and below", "department_id=" + d.dep + "&sub_departments=on", []string{"Taro", "佐藤 花子"}},
		{"group", "group_id=" + d.group, []string{"佐藤 花子"}},
		{"position", "position_id=" + d.pos, []string{"佐藤 花子"}},
		{"field", "field_id=" + d.field + "&field_value=" + url.QueryEscape("契約社員"), []string{"Taro"}},
		{"field without a value", "field_id=" + d.field, []string{"Admin", "Jiro", "Taro", "佐藤 花子"}},
	}
	for _, tt := range tests {
		p := b.get("/admin/members?" + tt.query)
		wantStatus(t, tt.name, p, http.StatusOK)
		if got := rows(p.Body); !slices.Equal(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	p = b.get("/admin/members?sub_departments=on&department_id=" + d.dep + "&cols=" + d.field)
	wantIn(t, "columns", p.Body, `<th scope="col">雇用形態</th>`, "<td>正社員</td>", "<td>契約社員</td>", `id="col-`+d.field+`" checked`,
		`<option value="`+d.dep+`" selected>営業部</option>`, `id="f-sub_departments" name="sub_departments" value="on" checked`,
		`href="/admin/members/export.csv?department_id=`+d.dep+`&amp;sub_departments=on"`)
	csv := b.get("/admin/members/export.csv?department_id=" + d.dep + "&sub_departments=on")
	wantStatus(t, "export", csv, http.StatusOK)
	if !strings.Contains(csv.Body, "taro@") || strings.Contains(csv.Body, "jiro@") || !strings.Contains(csv.Body, "雇用形態") {
		t.Errorf("the download ignores the filters:\n%s", csv.Body)
	}
}

// TestDirectoryImportAndProfile: the import page asks whether to create
// what the file names before the file, and says how groups and custom
// fields are written; a file with groups and a field imports with it; a
// member's own profile shows their department, position, groups and
// fields, read-only.
func TestDirectoryImportAndProfile(t *testing.T) {
	b, api, hanako, d := setUpDirectory(t)
	p := b.get("/admin/members/import")
	wantIn(t, "import page", p.Body, "存在しない部署・役職・グループを作成する", "login_id,display_name,email,phone,department,position,groups",
		"「;」で区切って", "項目名を見出しにした列で入力します: 雇用形態")
	if strings.Index(p.Body, `id="f-create_missing"`) > strings.Index(p.Body, `id="f-file"`) {
		t.Error("the create_missing checkbox comes after the file")
	}
	file := "login_id,display_name,department,position,groups,雇用形態\nann,Ann,営業部,係長,営業チーム;新チーム,契約社員\n"
	p = b.upload("/admin/members/import", "file", "members.csv", []byte(file), nil)
	wantStatus(t, "missing names", p, http.StatusUnprocessableEntity)
	wantIn(t, "missing names", p.Body, "役職「係長」がありません", "グループ「新チーム」がありません")
	p = b.upload("/admin/members/import", "file", "members.csv", []byte(file), url.Values{"create_missing": {"on"}})
	wantStatus(t, "create missing", p, http.StatusSeeOther)
	ann := api.list("")["ann@acme.works.example"]
	if ann.DepartmentID != d.dep || ann.Position != "係長" || len(ann.GroupIDs) != 2 || ann.Fields[d.field] != "契約社員" {
		t.Errorf("imported ann: %+v", ann)
	}

	me := newBrowser(t, api.s)
	me.signIn("hanako@acme.works.example", "hanako-password-1")
	p = me.get("/admin/profile")
	wantStatus(t, "profile", p, http.StatusOK)
	wantIn(t, "profile", p.Body, `<dd id="profile-department">営業部</dd>`, `<dd id="profile-position">課長</dd>`,
		`<dd id="profile-groups">営業チーム</dd>`, "<dt>雇用形態</dt><dd>正社員</dd>") // a member without members.manage reads their groups too
	wantIn(t, "admin's profile", b.get("/admin/members/"+hanako).Body, "佐藤 花子")
	api.do("PATCH", "/members/"+api.ten.AdminID, map[string]any{"group_ids": []string{d.group}})
	wantIn(t, "admin's own profile", b.get("/admin/profile").Body, `<dd id="profile-groups">営業チーム</dd>`)
}
