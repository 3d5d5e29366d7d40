package console_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"testing"
)

// expectRE finds the preview's token in its confirmation form.
var expectRE = regexp.MustCompile(`name="expect" value="([^"]+)"`)

// previewToken returns the token of the preview page p, failing the test
// without one.
func previewToken(t *testing.T, what string, p *page) string {
	t.Helper()
	m := expectRE.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("%s: no preview token\n%.3000s", what, p.Body)
	}
	return html.UnescapeString(m[1])
}

// ruleIDs returns the tenant's rules by name, and their names in priority order.
func (a membersAPI) ruleIDs() (map[string]string, []string) {
	a.t.Helper()
	var rules []struct{ ID, Name string }
	a.do("GET", "/rules", nil).Decode(a.t, &rules)
	ids := map[string]string{}
	var order []string
	for _, r := range rules {
		ids[r.Name] = r.ID
		order = append(order, r.Name)
	}
	return ids, order
}

// with returns v with name set to value, v unchanged.
func with(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out.Set(kv[i], kv[i+1])
	}
	return out
}

// TestDirectoryRules walks every change to rules through its preview: a
// new rule (its refusals on the form, 修正する back to it, the
// confirmation), moving it up (a stale token shows the new preview with
// the reason, the new one goes through), editing it, and deleting one
// with deactivating unmatched members turned on.
func TestDirectoryRules(t *testing.T) {
	b, api, hanako, d := setUpDirectory(t)
	auditor := api.roleID("auditor")
	taro := api.add(map[string]any{"login_id": "taro", "display_name": "山田 太郎", "password": "taro-password-1", "position_id": d.pos})

	form := b.get("/admin/rules/new")
	wantStatus(t, "new rule form", form, http.StatusOK)
	wantIn(t, "new rule form", form.Body, `<optgroup label="部署">`, `<option value="department:`+d.sub+`">　東京営業所</option>`,
		`<option value="position:`+d.pos+`">課長</option>`, `<option value="field:`+d.field+`">雇用形態</option>`,
		`name="role_ids" value="`+auditor+`"`, `name="features" value="mail" id="feature-mail"`, "メール")

	p := b.post("/admin/rules/new", url.Values{"name": {"課長ルール"}, "match": {"position:" + d.pos}})
	wantStatus(t, "no grants", p, http.StatusUnprocessableEntity)
	wantIn(t, "no grants", p.Body, `id="f-role_ids-error"`, "1つ以上選んでください", `value="課長ルール"`)
	p = b.post("/admin/rules/new", url.Values{"name": {"x"}, "match": {"field:" + d.field}, "features": {"mail"}})
	wantStatus(t, "field without value", p, http.StatusUnprocessableEntity)
	wantIn(t, "field without value", p.Body, `id="f-match_value-error"`)

	create := url.Values{"name": {"課長ルール"}, "match": {"position:" + d.pos}, "role_ids": {auditor}}
	p = b.post("/admin/rules/new", create)
	wantStatus(t, "preview", p, http.StatusOK)
	wantIn(t, "preview", p.Body, "変更内容の確認", "条件「課長ルール」を追加すると", `id="preview-gained">付与されるメンバー: 1人`,
		`id="preview-lost">外れるメンバー: 0人`, `id="preview-deactivated">利用停止になるメンバー: 0人`, "<td>山田 太郎</td><td>taro@acme.works.example</td>",
		`<input type="hidden" name="name" value="課長ルール">`, `<input type="hidden" name="role_ids" value="`+auditor+`">`, `id="rule-confirm"`, `id="rule-back"`)
	token := previewToken(t, "preview", p)
	if _, order := api.ruleIDs(); len(order) != 1 {
		t.Fatalf("the preview stored the rule: %q", order)
	}
	back := b.post("/admin/rules/new", with(create, "back", "1", "expect", token))
	wantStatus(t, "back to the form", back, http.StatusOK)
	wantIn(t, "back to the form", back.Body, `id="rule-form"`, `value="課長ルール"`, `<option value="position:`+d.pos+`" selected>`)
	p = b.post("/admin/rules/new", with(create, "expect", token))
	if p.Status != http.StatusSeeOther || p.Location != "/admin/rules?flash=directory_rule_created" {
		t.Fatalf("confirm: %d %q\n%.2000s", p.Status, p.Location, p.Body)
	}
	ids, order := api.ruleIDs()
	chief := ids["課長ルール"]
	if len(order) != 2 || order[1] != "課長ルール" || api.get(taro).RuleID != chief || api.get(hanako).RuleID != d.rule {
		t.Fatalf("after creating: rules %q, taro's rule %q, hanako's %q", order, api.get(taro).RuleID, api.get(hanako).RuleID)
	}
	list := b.follow(p)
	wantIn(t, "rules", list.Body, "条件を追加し、メンバーに反映しました。", "役職「課長」", "部署「営業部」(下位部署を含む)", "<li>監査担当者</li>", "<li>メール</li>",
		`id="rule-up-`+chief+`"`, `id="rule-down-`+d.rule+`"`)

	// 上へ: hanako (課長 in 営業部) would move to 課長ルール. Meanwhile jiro
	// joins with the same place, so the first preview is stale.
	move := url.Values{"priority": {"1"}}
	p = b.post("/admin/rules/"+chief+"/move", move)
	wantStatus(t, "move preview", p, http.StatusOK)
	wantIn(t, "move preview", p.Body, "条件「課長ルール」の優先順位を1にすると", `id="preview-gained">付与されるメンバー: 1人`,
		`id="preview-lost">外れるメンバー: 1人`, "hanako@acme.works.example")
	stale := previewToken(t, "move preview", p)
	api.add(map[string]any{"login_id": "jiro", "display_name": "鈴木 次郎", "department_id": d.dep, "position_id": d.pos})
	p = b.post("/admin/rules/"+chief+"/move", with(move, "expect", stale))
	wantStatus(t, "stale token", p, http.StatusConflict)
	wantIn(t, "stale token", p.Body, `id="form-error"`, "もう一度プレビューを確認してください", `id="preview-gained">付与されるメンバー: 2人`, "jiro@acme.works.example")
	fresh := previewToken(t, "stale token", p)
	if fresh == stale {
		t.Fatal("the new preview has the stale token")
	}
	if _, order := api.ruleIDs(); order[0] != "営業部ルール" {
		t.Fatalf("a stale confirmation moved the rule: %q", order)
	}
	p = b.post("/admin/rules/"+chief+"/move", with(move, "expect", fresh))
	if p.Status != http.StatusSeeOther || p.Location != "/admin/rules?flash=directory_rule_moved" {
		t.Fatalf("move: %d %q\n%.2000s", p.Status, p.Location, p.Body)
	}
	if _, order := api.ruleIDs(); order[0] != "課長ルール" || api.get(hanako).RuleID != chief {
		t.Fatalf("after moving: %q, hanako's rule %q", order, api.get(hanako).RuleID)
	}
	if p := b.post("/admin/rules/"+chief+"/move", url.Values{"priority": {"0"}}); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("priority 0: %d, want 422", p.Status)
	}

	// Edit: rename, and match by the field instead.
	edit := b.get("/admin/rules/" + chief)
	wantIn(t, "edit form", edit.Body, `value="課長ルール"`, `<option value="position:`+d.pos+`" selected>`, `value="`+auditor+`" id="role-`+auditor+`" checked`)
	change := url.Values{"name": {"正社員ルール"}, "match": {"field:" + d.field}, "match_value": {"正社員"}, "role_ids": {auditor}}
	p = b.post("/admin/rules/"+chief, change)
	wantStatus(t, "edit preview", p, http.StatusOK)
	wantIn(t, "edit preview", p.Body, "条件「正社員ルール」を変更すると", "項目「雇用形態」が「正社員」")
	p = b.post("/admin/rules/"+chief, with(change, "expect", previewToken(t, "edit preview", p)))
	if p.Status != http.StatusSeeOther || p.Location != "/admin/rules?flash=directory_rule_updated" {
		t.Fatalf("edit: %d %q\n%.2000s", p.Status, p.Location, p.Body)
	}

	// Deleting 営業部ルール with the option on deactivates who it granted.
	p = b.post("/admin/rules/settings", url.Values{"deactivate_unmatched": {"on"}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/rules?flash=directory_rules_settings_saved" {
		t.Fatalf("settings: %d %q", p.Status, p.Location)
	}
	wantIn(t, "settings", b.follow(p).Body, `id="f-deactivate_unmatched" checked`)
	ken := api.add(map[string]any{"login_id": "ken", "display_name": "Ken", "password": "ken-password-1", "department_id": d.sub})
	if got := api.get(ken).RuleID; got != d.rule {
		t.Fatalf("ken's rule: %q", got)
	}
	preview := b.get("/admin/rules/" + d.rule + "/delete")
	wantStatus(t, "delete preview", preview, http.StatusOK)
	wantIn(t, "delete preview", preview.Body, "条件「営業部ルール」を削除すると", `id="preview-deactivated">利用停止になるメンバー: 1人`,
		"<td>Ken</td><td>ken@acme.works.example</td>", "ログインできなくなり", `action="/admin/rules/`+d.rule+`/delete"`)
	if api.get(ken).Status != "active" {
		t.Fatal("the preview deactivated ken")
	}
	p = b.post("/admin/rules/"+d.rule+"/delete", url.Values{"expect": {previewToken(t, "delete preview", preview)}})
	if p.Status != http.StatusSeeOther || p.Location != "/admin/rules?flash=directory_rule_deleted" {
		t.Fatalf("delete: %d %q\n%.2000s", p.Status, p.Location, p.Body)
	}
	if got := api.get(ken); got.Status != "deactivated" || got.RuleID != "" {
		t.Errorf("ken after the deletion: %+v", got)
	}
	if _, order := api.ruleIDs(); len(order) != 1 || order[0] != "正社員ルール" {
		t.Errorf("rules left: %q", order)
	}
	p = b.post("/admin/rules/"+d.rule+"/delete", nil)
	wantStatus(t, "deleted rule", p, http.StatusNotFound)
}
