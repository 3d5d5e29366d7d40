package console_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
)

// dirIDs are the directory a test set up.
type dirIDs struct{ dep, sub, pos, group, field, rule string }

// directoryFixtures gives api's tenant the department 営業部 with the
// sub-department 東京営業所, the position 課長, the group 営業チーム, the
// choice field 雇用形態 (正社員, 契約社員) and the rule 営業部ルール, which
// gives mail to 営業部 and the departments below it; memberID belongs to
// all of them and is 正社員.
func directoryFixtures(t *testing.T, api membersAPI, memberID string) dirIDs {
	t.Helper()
	d := dirIDs{dep: api.create("/departments", map[string]any{"name": "営業部"})}
	d.sub = api.create("/departments", map[string]any{"name": "東京営業所", "parent_id": d.dep})
	d.pos = api.create("/positions", map[string]any{"name": "課長"})
	d.group = api.create("/groups", map[string]any{"name": "営業チーム"})
	d.field = api.create("/fields", map[string]any{"name": "雇用形態", "kind": "choice", "choices": []string{"正社員", "契約社員"}})
	res := api.do("PATCH", "/members/"+memberID, map[string]any{"department_id": d.dep, "position_id": d.pos,
		"group_ids": []string{d.group}, "fields": map[string]string{d.field: "正社員"}})
	if res.Status != http.StatusOK {
		t.Fatalf("put the member in the directory: %d %s", res.Status, res.Body)
	}
	d.rule = api.createRule(map[string]any{"name": "営業部ルール", "match_kind": "department", "match_id": d.dep, "include_sub": true,
		"features": []string{"mail"}})
	return d
}

// createRule adds a rule through the API and returns its id.
func (a membersAPI) createRule(body map[string]any) string {
	a.t.Helper()
	res := a.do("POST", "/rules", body)
	var out struct{ Rule struct{ ID string } }
	res.Decode(a.t, &out)
	if res.Status != http.StatusCreated || out.Rule.ID == "" {
		a.t.Fatalf("create rule %v: %d %s", body, res.Status, res.Body)
	}
	return out.Rule.ID
}

// names lists the names of the directory's objects at path ("/departments" …).
func (a membersAPI) names(path string) []string {
	a.t.Helper()
	var objs []struct{ Name string }
	a.do("GET", path, nil).Decode(a.t, &objs)
	var out []string
	for _, o := range objs {
		out = append(out, o.Name)
	}
	slices.Sort(out)
	return out
}

// setUpDirectory is setUpMembers with hanako, an active member in the
// directory of directoryFixtures.
func setUpDirectory(t *testing.T) (*browser, membersAPI, string, dirIDs) {
	t.Helper()
	b, api := setUpMembers(t)
	hanako := api.add(map[string]any{"login_id": "hanako", "display_name": "佐藤 花子", "password": "hanako-password-1"})
	return b, api, hanako, directoryFixtures(t, api, hanako)
}

var (
	// mainText is the page's <main>, and markup any tag.
	mainText = regexp.MustCompile(`(?s)<main id="main">(.*)</main>`)
	markup   = regexp.MustCompile(`(?s)<[^>]*>`)
)

// visibleText is the text of the page's <main> without markup.
func visibleText(body string) string {
	m := mainText.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(markup.ReplaceAllString(m[1], " "))
}

// TestDirectoryPagesBothLanguages renders every directory page in Japanese
// and English: each says what it is in the reader's language, and a
// Japanese page shows no English sentence (nor an English one Japanese
// beyond the tenant's own names).
func TestDirectoryPagesBothLanguages(t *testing.T) {
	b, _, _, d := setUpDirectory(t)
	pages := []struct {
		path   string
		ja, en string
	}{
		{"/admin/departments", "部署の追加", "Add a department"},
		{"/admin/departments/" + d.dep, "部署の編集", "Edit department"},
		{"/admin/departments/" + d.dep + "/delete", "条件「営業部ルール」がこれを使って", "matches members by this"},
		{"/admin/departments/" + d.sub + "/delete", "メンバーも下位部署もありません", "no members and no sub-departments"},
		{"/admin/positions", "役職の追加", "Add a position"},
		{"/admin/positions/" + d.pos, "役職の編集", "Edit position"},
		{"/admin/positions/" + d.pos + "/delete", "役職をもう一度割り当てる", "Reassign the position"},
		{"/admin/groups", "グループの追加", "Add a group"},
		{"/admin/groups/" + d.group, "グループの編集", "Edit group"},
		{"/admin/groups/" + d.group + "/delete", "グループをもう一度割り当てる", "Reassign the group"},
		{"/admin/fields", "項目の追加", "Add a field"},
		{"/admin/fields/new", "選択肢", "Choices"},
		{"/admin/fields/" + d.field, "項目の種類は追加した後には変更できません", "cannot change once it is added"},
		{"/admin/fields/" + d.field + "/delete", "元に戻すことはできません", "cannot be restored"},
		{"/admin/rules", "付与されていた条件に一致しなくなったメンバーを利用停止にする", "Deactivate members a re-evaluation leaves"},
		{"/admin/rules/new", "変更内容を確認", "Review the change"},
		{"/admin/rules/" + d.rule, "条件の編集", "Edit rule"},
		{"/admin/rules?flash=directory_rule_created", "部署「営業部」(下位部署を含む)", "Department “営業部” and its sub-departments"},
		{"/admin/rules/" + d.rule + "/delete", "条件「営業部ルール」を削除すると", "Deleting the rule"},
	}
	japanese := regexp.MustCompile(`[\p{Hiragana}\p{Katakana}\p{Han}]`)
	ownNames := regexp.MustCompile(`営業部ルール|営業部|東京営業所|課長|営業チーム|雇用形態|正社員|契約社員|佐藤 花子|Admin`)
	for i, lang := range []string{"ja", "en"} {
		b.setLang(lang)
		for _, pg := range pages {
			p := b.get(pg.path)
			wantStatus(t, pg.path+" ("+lang+")", p, http.StatusOK)
			wantIn(t, pg.path+" ("+lang+")", p.Body, `<html lang="`+lang+`">`, []string{pg.ja, pg.en}[i])
			text := visibleText(p.Body)
			if lang == "ja" && englishWords.MatchString(text) {
				t.Errorf("%s (ja) shows English: %q", pg.path, englishWords.FindString(text))
			}
			if lang == "en" && japanese.MatchString(ownNames.ReplaceAllString(text, "")) {
				t.Errorf("%s (en) shows Japanese: %q", pg.path, japanese.FindString(ownNames.ReplaceAllString(text, "")))
			}
		}
	}
	b.setLang("ja")
	home := b.get("/admin")
	for _, href := range []string{"/admin/departments", "/admin/groups", "/admin/positions", "/admin/fields", "/admin/rules"} {
		wantIn(t, "menu", home.Body, `href="`+href+`"`)
	}
}

// TestDirectoryDepartments adds departments through the console (one under
// another), refuses a name taken and a move under itself, renames and
// moves one, and deletes: one without members after a plain confirmation,
// one with members by reassigning them (and its sub-departments), and one
// leaving its members without a department, ticked explicitly.
func TestDirectoryDepartments(t *testing.T) {
	b, api := setUpMembers(t)
	p := b.post("/admin/departments", url.Values{"name": {"営業部"}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/departments?flash=directory_department_created" {
		t.Fatalf("create: %d %q\n%.2000s", p.Status, p.Location, p.Body)
	}
	var deps []struct {
		ID, Name string
		ParentID string `json:"parent_id"`
	}
	api.do("GET", "/departments", nil).Decode(t, &deps)
	sales := deps[0].ID
	wantStatus(t, "create under", b.post("/admin/departments", url.Values{"name": {"東京営業所"}, "parent_id": {sales}}), http.StatusSeeOther)
	wantStatus(t, "create general", b.post("/admin/departments", url.Values{"name": {"総務部"}}), http.StatusSeeOther)
	list := b.follow(b.post("/admin/departments", url.Values{"name": {"人事部"}}))
	api.do("GET", "/departments", nil).Decode(t, &deps)
	ids := map[string]string{}
	for _, d := range deps {
		ids[d.Name] = d.ID
	}
	tokyo, general, hr := ids["東京営業所"], ids["総務部"], ids["人事部"]
	wantIn(t, "list", list.Body, "部署を追加しました。", `<span aria-hidden="true">　</span><a href="/admin/departments/`+tokyo+`">東京営業所</a>`,
		`<td>営業部</td>`, `<option value="`+tokyo+`">　東京営業所</option>`)
	refusals := []struct {
		name   string
		form   url.Values
		status int
		field  string
		says   string
	}{
		{"no name", url.Values{"name": {" "}}, http.StatusUnprocessableEntity, "name", "名前は1〜100文字で入力してください"},
		{"taken", url.Values{"name": {"営業部"}}, http.StatusConflict, "name", "部署「営業部」は既にあります"},
		{"unknown parent", url.Values{"name": {"新部署"}, "parent_id": {"dep_nosuch"}}, http.StatusNotFound, "parent_id", "dep_nosuch"},
	}
	for _, tt := range refusals {
		p := b.post("/admin/departments", tt.form)
		wantStatus(t, tt.name, p, tt.status)
		wantIn(t, tt.name, p.Body, `id="f-`+tt.field+`-error"`, tt.says)
	}

	edit := b.get("/admin/departments/" + sales)
	wantIn(t, "edit", edit.Body, `value="営業部"`, `<option value="`+general+`">総務部</option>`, `href="/admin/departments/`+sales+`/delete"`)
	if strings.Contains(edit.Body, `<option value="`+tokyo+`"`) {
		t.Error("the edit page offers to move 営業部 under its own sub-department")
	}
	p = b.post("/admin/departments/"+sales, url.Values{"name": {"営業部"}, "parent_id": {tokyo}})
	wantStatus(t, "move under itself", p, http.StatusUnprocessableEntity)
	wantIn(t, "move under itself", p.Body, `id="f-parent_id-error"`, "その下にある部署")
	p = b.post("/admin/departments/"+sales, url.Values{"name": {"第一営業部"}, "parent_id": {general}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/departments?flash=directory_department_updated" {
		t.Fatalf("rename and move: %d %q", p.Status, p.Location)
	}

	// Without members: a plain confirmation.
	confirm := b.get("/admin/departments/" + hr + "/delete")
	wantIn(t, "plain confirmation", confirm.Body, "メンバーも下位部署もありません", `id="delete-submit"`)
	if strings.Contains(confirm.Body, "部署をもう一度割り当てる") {
		t.Error("an empty department's deletion asks where its members go")
	}
	p = b.post("/admin/departments/"+hr+"/delete", nil)
	if p.Status != http.StatusSeeOther || p.Location != "/admin/departments?flash=directory_department_deleted" {
		t.Fatalf("delete empty: %d %q", p.Status, p.Location)
	}

	// With members and a sub-department: the seed's popup as a page.
	ann := api.add(map[string]any{"login_id": "ann", "display_name": "Ann", "department_id": sales})
	bob := api.add(map[string]any{"login_id": "bob", "display_name": "Bob", "department_id": sales})
	page := b.get("/admin/departments/" + sales + "/delete")
	wantIn(t, "in use", page.Body, "部署をもう一度割り当てる", "割り当てて削除する", "2人のメンバーと1個の下位部署があります",
		`<option value="`+general+`">総務部</option>`, `name="confirm"`, "部署なしにして削除する")
	for _, inside := range []string{sales, tokyo} {
		if strings.Contains(page.Body, `<option value="`+inside+`"`) {
			t.Errorf("the deletion offers %s, which it deletes or which is inside it", inside)
		}
	}
	p = b.post("/admin/departments/"+sales+"/delete", nil)
	wantStatus(t, "in use, no choice", p, http.StatusConflict)
	wantIn(t, "in use, no choice", p.Body, `id="form-error"`, "2人のメンバーと1個の下位部署があります", "部署をもう一度割り当てる")
	p = b.post("/admin/departments/"+sales+"/delete", url.Values{"reassign_to": {tokyo}})
	wantStatus(t, "reassign inside", p, http.StatusUnprocessableEntity)
	wantIn(t, "reassign inside", p.Body, `id="f-reassign_to-error"`)
	p = b.post("/admin/departments/"+sales+"/delete", url.Values{"reassign_to": {general}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/departments?flash=directory_department_reassigned" {
		t.Fatalf("reassign and delete: %d %q\n%.2000s", p.Status, p.Location, p.Body)
	}
	wantIn(t, "after reassign", b.follow(p).Body, "メンバーと下位部署を移動しました")
	if got := api.get(ann); got.DepartmentID != general || got.Department != "総務部" {
		t.Errorf("ann after the reassignment: %+v", got)
	}
	api.do("GET", "/departments", nil).Decode(t, &deps)
	for _, d := range deps {
		if d.ID == tokyo && d.ParentID != general {
			t.Errorf("東京営業所 is under %q, want 総務部", d.ParentID)
		}
	}

	// Leaving them without one, ticked.
	p = b.post("/admin/departments/"+general+"/delete", url.Values{"confirm": {"on"}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/departments?flash=directory_department_deleted" {
		t.Fatalf("delete without reassigning: %d %q", p.Status, p.Location)
	}
	if got := api.get(bob); got.DepartmentID != "" {
		t.Errorf("bob after his department was deleted: %+v", got)
	}
	if got := api.names("/departments"); !slices.Equal(got, []string{"東京営業所"}) {
		t.Errorf("departments left: %q", got)
	}
	if p := b.get("/admin/departments/dep_nosuch/delete"); p.Status != http.StatusNotFound {
		t.Errorf("an unknown department: %d, want 404", p.Status)
	}
}

// TestDirectoryPositionsAndGroups: positions and groups are added,
// renamed and deleted like departments; a group's alias must be on one of
// the tenant's domains; deleting a group with members adds them to the
// group chosen.
func TestDirectoryPositionsAndGroups(t *testing.T) {
	b, api := setUpMembers(t)
	wantStatus(t, "add position", b.post("/admin/positions", url.Values{"name": {"課長"}}), http.StatusSeeOther)
	wantStatus(t, "add position", b.post("/admin/positions", url.Values{"name": {"部長"}}), http.StatusSeeOther)
	p := b.post("/admin/positions", url.Values{"name": {"課長"}})
	wantStatus(t, "position taken", p, http.StatusConflict)
	wantIn(t, "position taken", p.Body, `id="f-name-error"`, "役職「課長」は既にあります")
	var ps []struct{ ID, Name string }
	api.do("GET", "/positions", nil).Decode(t, &ps)
	pos := map[string]string{}
	for _, x := range ps {
		pos[x.Name] = x.ID
	}
	wantStatus(t, "rename", b.post("/admin/positions/"+pos["部長"], url.Values{"name": {"本部長"}}), http.StatusSeeOther)
	ann := api.add(map[string]any{"login_id": "ann", "display_name": "Ann", "position_id": pos["課長"]})
	page := b.get("/admin/positions/" + pos["課長"] + "/delete")
	wantIn(t, "position in use", page.Body, "役職をもう一度割り当てる", "1人のメンバーに設定されています", `<option value="`+pos["部長"]+`">本部長</option>`)
	wantStatus(t, "position in use, no choice", b.post("/admin/positions/"+pos["課長"]+"/delete", nil), http.StatusConflict)
	p = b.post("/admin/positions/"+pos["課長"]+"/delete", url.Values{"reassign_to": {pos["部長"]}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/positions?flash=directory_position_reassigned" {
		t.Fatalf("reassign position: %d %q", p.Status, p.Location)
	}
	if got := api.get(ann); got.PositionID != pos["部長"] || got.Position != "本部長" {
		t.Errorf("ann's position: %+v", got)
	}
	wantIn(t, "empty position", b.get("/admin/positions/"+pos["部長"]+"/delete").Body, "役職をもう一度割り当てる")
	wantStatus(t, "delete position", b.post("/admin/positions/"+pos["部長"]+"/delete", url.Values{"confirm": {"on"}}), http.StatusSeeOther)
	if got := api.get(ann); got.PositionID != "" {
		t.Errorf("ann kept a deleted position: %+v", got)
	}

	p = b.post("/admin/groups", url.Values{"name": {"営業チーム"}, "alias": {"sales@elsewhere.example"}})
	wantStatus(t, "alias elsewhere", p, http.StatusUnprocessableEntity)
	wantIn(t, "alias elsewhere", p.Body, `id="f-alias-error"`, "認証済みドメインではありません", `value="営業チーム"`)
	wantStatus(t, "add group", b.post("/admin/groups", url.Values{"name": {"営業チーム"}, "alias": {"sales@acme.works.example"}}), http.StatusSeeOther)
	wantStatus(t, "add group", b.post("/admin/groups", url.Values{"name": {"全社"}}), http.StatusSeeOther)
	list := b.get("/admin/groups")
	wantIn(t, "groups", list.Body, "sales@acme.works.example", "営業チーム", "全社")
	var gs []struct{ ID, Name string }
	api.do("GET", "/groups", nil).Decode(t, &gs)
	grp := map[string]string{}
	for _, g := range gs {
		grp[g.Name] = g.ID
	}
	bob := api.add(map[string]any{"login_id": "bob", "display_name": "Bob", "group_ids": []string{grp["営業チーム"]}})
	page = b.get("/admin/groups/" + grp["営業チーム"] + "/delete")
	wantIn(t, "group in use", page.Body, "グループをもう一度割り当てる", "1人のメンバーがいます", `<option value="`+grp["全社"]+`">全社</option>`)
	p = b.post("/admin/groups/"+grp["営業チーム"]+"/delete", url.Values{"reassign_to": {grp["全社"]}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/groups?flash=directory_group_reassigned" {
		t.Fatalf("reassign group: %d %q", p.Status, p.Location)
	}
	if got := api.get(bob); !slices.Equal(got.GroupIDs, []string{grp["全社"]}) {
		t.Errorf("bob's groups: %+v", got)
	}
	confirm := b.get("/admin/groups/" + grp["全社"] + "/delete")
	wantIn(t, "group in use again", confirm.Body, "メンバーを追加できるグループがありません", `name="confirm"`)
	wantStatus(t, "delete group", b.post("/admin/groups/"+grp["全社"]+"/delete", url.Values{"confirm": {"on"}}), http.StatusSeeOther)
	if got := api.names("/groups"); len(got) != 0 {
		t.Errorf("groups left: %q", got)
	}
}

// TestDirectoryFields: a choice field with its choices one per line, a
// required one, the kind fixed once added, and the deletion's page that
// says how many members have a value and that it cannot be undone.
func TestDirectoryFields(t *testing.T) {
	b, api := setUpMembers(t)
	p := b.post("/admin/fields/new", url.Values{"name": {"雇用形態"}, "kind": {"choice"}, "choices": {""}})
	wantStatus(t, "choice without choices", p, http.StatusUnprocessableEntity)
	wantIn(t, "choice without choices", p.Body, `id="f-choices-error"`, "選択肢を1つ以上入力してください")
	p = b.post("/admin/fields/new", url.Values{"name": {"status"}, "kind": {"text"}})
	wantStatus(t, "reserved name", p, http.StatusUnprocessableEntity)
	wantIn(t, "reserved name", p.Body, "CSVの列名")
	p = b.post("/admin/fields/new", url.Values{"name": {"雇用形態"}, "kind": {"choice"}, "required": {"on"}, "choices": {"正社員\r\n契約社員\r\n\r\n"}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/fields?flash=directory_field_created" {
		t.Fatalf("create: %d %q\n%.2000s", p.Status, p.Location, p.Body)
	}
	wantStatus(t, "date field", b.post("/admin/fields/new", url.Values{"name": {"入社日"}, "kind": {"date"}}), http.StatusSeeOther)
	list := b.get("/admin/fields")
	wantIn(t, "fields", list.Body, "雇用形態", "選択式", "正社員 / 契約社員", `<span class="badge">必須</span>`, "入社日", "日付")
	var fs []struct {
		ID, Name, Kind string
		Choices        []string
		Required       bool
	}
	api.do("GET", "/fields", nil).Decode(t, &fs)
	id := fs[slices.IndexFunc(fs, func(f struct {
		ID, Name, Kind string
		Choices        []string
		Required       bool
	}) bool {
		return f.Name == "雇用形態"
	})].ID

	edit := b.get("/admin/fields/" + id)
	wantIn(t, "edit", edit.Body, `value="雇用形態"`, "正社員\n契約社員</textarea>", `id="f-required" checked`, `id="field-kind">選択式`)
	p = b.post("/admin/fields/"+id, url.Values{"name": {"雇用区分"}, "kind": {"text"}, "choices": {"正社員\n契約社員\nパート"}})
	wantStatus(t, "edit", p, http.StatusSeeOther)
	api.do("GET", "/fields", nil).Decode(t, &fs)
	for _, f := range fs {
		if f.ID == id && (f.Name != "雇用区分" || f.Kind != "choice" || f.Required || len(f.Choices) != 3) {
			t.Errorf("edited field: %+v (the kind never changes)", f)
		}
	}

	api.add(map[string]any{"login_id": "ann", "display_name": "Ann", "fields": map[string]string{id: "パート"}})
	confirm := b.get("/admin/fields/" + id + "/delete")
	wantIn(t, "delete page", confirm.Body, "項目の削除後、元に戻すことはできません。項目に保存されているデータもすべて削除されます。",
		`<dd id="delete-values">1人</dd>`, "この項目の値を持つメンバー: 1人", `<input type="hidden" name="confirm" value="on">`)
	p = b.post("/admin/fields/"+id+"/delete", nil)
	wantStatus(t, "unconfirmed", p, http.StatusConflict)
	wantIn(t, "unconfirmed", p.Body, "元に戻せません")
	p = b.post("/admin/fields/"+id+"/delete", url.Values{"confirm": {"on"}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/fields?flash=directory_field_deleted" {
		t.Fatalf("delete: %d %q", p.Status, p.Location)
	}
	if got := api.names("/fields"); !slices.Equal(got, []string{"入社日"}) {
		t.Errorf("fields left: %q", got)
	}
}

// TestDirectoryCrossTenant: every directory route, page or form, with
// another tenant's id in its path answers 404 and changes nothing; ids of
// the other tenant in a form (a parent, a target, what a rule matches, a
// member's department) are refused.
func TestDirectoryCrossTenant(t *testing.T) {
	s, a := start(t)
	other := s.Signup("beta")
	betaAPI := membersAPI{t: t, s: s, ten: other}
	bob := betaAPI.add(map[string]any{"login_id": "bob", "display_name": "Bob", "password": "bob-password-1"})
	d := directoryFixtures(t, betaAPI, bob)
	snapshot := func() string {
		var out strings.Builder
		for _, path := range []string{"/departments", "/positions", "/groups", "/fields", "/rules", "/directory-settings", "/members/" + bob} {
			out.Write(betaAPI.do("GET", path, nil).Body)
		}
		return out.String()
	}
	before := snapshot()
	admin := newBrowser(t, s)
	admin.signIn("admin@"+a.Domain, apptest.Password)
	foreign := strings.NewReplacer("{dep}", d.dep, "{pos}", d.pos, "{g}", d.group, "{f}", d.field, "{rule}", d.rule)
	form := url.Values{"name": {"hacked"}, "confirm": {"on"}, "reassign_to": {d.sub}, "priority": {"1"}, "kind": {"text"},
		"match": {"department:" + d.dep}, "features": {"mail"}, "expect": {"x"}}
	checked := 0
	directory := regexp.MustCompile(`^/admin/(departments|positions|groups|fields|rules)/\{`)
	for _, pattern := range s.App.ConsolePages() {
		if directory.MatchString(pattern) {
			checked++
			if p := admin.get(foreign.Replace(pattern)); p.Status != http.StatusNotFound {
				t.Errorf("GET %s with tenant B's id: %d, want 404", pattern, p.Status)
			}
		}
	}
	for _, pattern := range s.App.ConsoleActions() {
		if directory.MatchString(pattern) {
			checked++
			if p := admin.post(foreign.Replace(pattern), form); p.Status != http.StatusNotFound {
				t.Errorf("POST %s with tenant B's id: %d, want 404", pattern, p.Status)
			}
		}
	}
	if checked < 20 {
		t.Fatalf("only %d directory routes checked", checked)
	}

	own := membersAPI{t: t, s: s, ten: a}
	mine := own.create("/departments", map[string]any{"name": "自社"})
	refusals := map[string]*page{
		"a parent of B":            admin.post("/admin/departments", url.Values{"name": {"新部署"}, "parent_id": {d.dep}}),
		"a move under B's":         admin.post("/admin/departments/"+mine, url.Values{"name": {"自社"}, "parent_id": {d.dep}}),
		"members to B's":           admin.post("/admin/departments/"+mine+"/delete", url.Values{"reassign_to": {d.dep}}),
		"a rule on B's department": admin.post("/admin/rules/new", url.Values{"name": {"r"}, "match": {"department:" + d.dep}, "features": {"mail"}}),
		"a member in B's":          admin.post("/admin/members/new", url.Values{"login_id": {"eve"}, "display_name": {"Eve"}, "department_id": {d.dep}}),
		"a member in B's group":    admin.post("/admin/members/new", url.Values{"login_id": {"eve"}, "display_name": {"Eve"}, "group_ids": {d.group}}),
		"a value of B's field":     admin.post("/admin/members/new", url.Values{"login_id": {"eve"}, "display_name": {"Eve"}, "fields." + d.field: {"正社員"}}),
	}
	for name, p := range refusals {
		if p.Status != http.StatusUnprocessableEntity && p.Status != http.StatusNotFound {
			t.Errorf("%s: %d, want a refusal", name, p.Status)
		}
	}
	if p := admin.get("/admin/members?department_id=" + d.dep); strings.Contains(p.Body, "bob@") {
		t.Error("filtering A's list by B's department lists B's member")
	}
	if after := snapshot(); after != before {
		t.Errorf("tenant B changed:\nbefore %s\nafter  %s", before, after)
	}
	if got := own.names("/departments"); !slices.Equal(got, []string{"自社"}) {
		t.Errorf("A's departments: %q", got)
	}
}
