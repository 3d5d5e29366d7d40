package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/dnscheck/dnstest"
	"github.com/kanri/kanri/internal/store/storetest"
)

var ja = http.Header{"Accept-Language": {"ja"}}

// TestDirectoryOverHTTP walks the directory's deletions the way the seed's
// related articles describe them, over the API in Japanese: a department
// in use asks where its members go, then moves them and its
// sub-department in one step; a position likewise; a field's deletion needs
// a confirmation that names how many values go; a rule's deletion is
// previewed and then applied with the preview's token.
func TestDirectoryOverHTTP(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		ten := s.Signup("acme")
		tok := ten.AdminToken
		post := func(path string, body map[string]any) *apptest.Response {
			return expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(ten.ID, path), Token: tok, Body: body})
		}
		sales := decode[api.Department](t, post("/departments", map[string]any{"name": "営業部"}))
		sales1 := decode[api.Department](t, post("/departments", map[string]any{"name": "営業1課", "parent_id": sales.ID}))
		dev := decode[api.Department](t, post("/departments", map[string]any{"name": "開発部"}))
		head := decode[api.Position](t, post("/positions", map[string]any{"name": "部長"}))
		chief := decode[api.Position](t, post("/positions", map[string]any{"name": "課長"}))
		managers := decode[api.Group](t, post("/groups", map[string]any{"name": "マネージャー"}))
		field := decode[api.Field](t, post("/fields", map[string]any{"name": "雇用形態", "kind": "choice", "choices": []string{"正社員", "契約社員"}}))
		sato := decode[api.Member](t, post("/members", map[string]any{"login_id": "sato", "display_name": "佐藤 花子", "department_id": sales.ID,
			"position_id": head.ID, "group_ids": []string{managers.ID}, "fields": map[string]string{field.ID: "正社員"}}))
		if sato.Department != "営業部" || sato.Position != "部長" || len(sato.GroupIDs) != 1 || sato.Fields[field.ID] != "正社員" {
			t.Fatalf("added: %+v", sato)
		}
		post("/members", map[string]any{"login_id": "suzuki", "display_name": "鈴木 一郎", "department_id": sales1.ID})
		p := expectProblem(t, s, http.StatusUnprocessableEntity, apptest.Request{Method: "POST", Path: tpath(ten.ID, "/members"), Token: tok, Header: ja,
			Body: map[string]any{"login_id": "x", "display_name": "X", "fields": map[string]string{field.ID: "アルバイト"}}})
		if !strings.Contains(p.Detail, "正社員, 契約社員") {
			t.Errorf("a value not among the choices: %q, want the choices listed", p.Detail)
		}

		// Members of 営業部 and below.
		list := decode[page[api.Member]](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET",
			Path: tpath(ten.ID, "/members?department_id="+sales.ID+"&sub_departments=true"), Token: tok}))
		if len(list.Items) != 2 {
			t.Errorf("members of 営業部 with sub-departments: %d, want 2", len(list.Items))
		}
		list = decode[page[api.Member]](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET",
			Path: tpath(ten.ID, "/members?field_id="+field.ID+"&field_value=正社員"), Token: tok}))
		if len(list.Items) != 1 || list.Items[0].ID != sato.ID {
			t.Errorf("members with 雇用形態=正社員: %+v, want sato", list.Items)
		}

		del := func(path string) apptest.Request {
			return apptest.Request{Method: "DELETE", Path: tpath(ten.ID, path), Token: tok, Header: ja}
		}
		p = expectProblem(t, s, http.StatusConflict, del("/departments/"+sales.ID))
		if !strings.Contains(p.Detail, "1人のメンバーと1個の下位部署") {
			t.Errorf("department in use: %q", p.Detail)
		}
		done := decode[map[string]any](t, expect(t, s, http.StatusOK, del("/departments/"+sales.ID+"?reassign_to="+dev.ID)))
		if done["members"] != 1.0 || done["children"] != 1.0 {
			t.Errorf("deleted: %v, want 1 member and 1 sub-department moved", done)
		}
		ds := decode[[]api.Department](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(ten.ID, "/departments"), Token: tok}))
		if len(ds) != 2 || ds[0].Name != "営業1課" || ds[0].ParentID != dev.ID {
			t.Errorf("departments after: %+v, want 営業1課 under 開発部", ds)
		}
		expectProblem(t, s, http.StatusConflict, del("/positions/"+head.ID))
		expect(t, s, http.StatusOK, del("/positions/"+head.ID+"?reassign_to="+chief.ID))
		got := decode[api.Member](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(ten.ID, "/members/", sato.ID), Token: tok}))
		if got.Department != "開発部" || got.Position != "課長" {
			t.Errorf("sato after the deletions: %s / %s, want 開発部 / 課長", got.Department, got.Position)
		}

		p = expectProblem(t, s, http.StatusConflict, del("/fields/"+field.ID))
		if !strings.Contains(p.Detail, "1人") || !strings.Contains(p.Detail, "元に戻せません") {
			t.Errorf("field deletion unconfirmed: %q", p.Detail)
		}
		expect(t, s, http.StatusOK, del("/fields/"+field.ID+"?confirm=true"))

		admin := builtinRole(t, s, ten, "admin")
		rule := decode[api.RuleOutcome](t, post("/rules", map[string]any{"name": "マネージャー", "match_kind": "group", "match_id": managers.ID,
			"role_ids": []string{admin}, "features": []string{"mail"}}))
		if rule.Gained != 1 || rule.Rule == nil || rule.Rule.Priority != 1 {
			t.Errorf("rule created: %+v", rule)
		}
		p = expectProblem(t, s, http.StatusUnprocessableEntity, apptest.Request{Method: "POST", Path: tpath(ten.ID, "/rules"), Token: tok, Header: ja,
			Body: map[string]any{"name": "x", "match_kind": "group", "match_id": managers.ID, "features": []string{"video"}}})
		if !strings.Contains(p.Detail, "mail") {
			t.Errorf("an unknown feature: %q, want the known ones", p.Detail)
		}
		preview := decode[api.RuleOutcome](t, expect(t, s, http.StatusOK, apptest.Request{Method: "DELETE",
			Path: tpath(ten.ID, "/rules/", rule.Rule.ID, "?dry_run=true"), Token: tok}))
		if preview.Lost != 1 || len(preview.LostList) != 1 || preview.LostList[0].LoginID != sato.LoginID || !preview.DryRun {
			t.Errorf("preview: %+v, want sato to lose", preview)
		}
		applied := decode[api.RuleOutcome](t, expect(t, s, http.StatusOK, apptest.Request{Method: "DELETE",
			Path: tpath(ten.ID, "/rules/", rule.Rule.ID, "?expect=", preview.Token), Token: tok}))
		if applied.Lost != preview.Lost || applied.Token != preview.Token {
			t.Errorf("applied %+v, previewed %+v", applied, preview)
		}
	})
}

// TestImportCreatesMissing imports names the directory lacks: refused line
// by line, then created when asked.
func TestImportCreatesMissing(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		ten := s.Signup("acme")
		csv := "login_id,display_name,department,position,groups\nann,Ann,営業部,部長,マネージャー;メンバー\nbob,Bob,営業部,,メンバー\n"
		req := apptest.Request{Method: "POST", Path: tpath(ten.ID, "/members/import"), Token: ten.AdminToken, Body: csv, Header: ja}
		p := expectProblem(t, s, http.StatusUnprocessableEntity, req)
		if len(p.Errors) != 6 || !strings.Contains(p.Errors[0].Message, "部署「営業部」がありません") {
			t.Errorf("unknown names: %+v, want each listed on its line", p.Errors)
		}
		req.Path += "?create_missing=true"
		expect(t, s, http.StatusOK, req)
		for kind, want := range map[string]int{"/departments": 1, "/positions": 1, "/groups": 2} {
			var got []map[string]any
			expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(ten.ID, kind), Token: ten.AdminToken}).Decode(t, &got)
			if len(got) != want {
				t.Errorf("%s after the import: %d, want %d", kind, len(got), want)
			}
		}
	})
}

// TestDomainDeletionTakesAliases deletes a verified domain that a group's
// alias and a member's address are on: the deletion lists both first, and
// takes the alias off its group in the same step.
func TestDomainDeletionTakesAliases(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		dns := dnstest.Start(t)
		s := apptest.Start(t, env.URL, func(c *app.Config) { c.DNSResolver = dns.Addr })
		ten := s.Signup("acme")
		tok := ten.AdminToken
		d := decode[api.Domain](t, expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(ten.ID, "/domains"), Token: tok,
			Body: map[string]any{"name": "acme-mail.example"}}))
		dns.SetTXT(d.Verification.TXTName, []string{d.Verification.TXTValue})
		expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: tpath(ten.ID, "/domains/", d.ID, "/verify"), Token: tok})
		expectProblem(t, s, http.StatusUnprocessableEntity, apptest.Request{Method: "POST", Path: tpath(ten.ID, "/groups"), Token: tok,
			Body: map[string]any{"name": "営業", "alias": "sales@elsewhere.example"}})
		g := decode[api.Group](t, expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(ten.ID, "/groups"), Token: tok,
			Body: map[string]any{"name": "営業", "alias": "Sales@acme-mail.example"}}))
		if g.Alias != "sales@acme-mail.example" {
			t.Errorf("alias %q", g.Alias)
		}
		expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(ten.ID, "/members"), Token: tok,
			Body: map[string]any{"login_id": "ann", "display_name": "Ann", "email": "ann@acme-mail.example"}})
		var lost struct {
			Aliases     []string `json:"aliases"`
			MemberCount int      `json:"member_count"`
		}
		expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(ten.ID, "/domains/", d.ID, "/addresses"), Token: tok}).Decode(t, &lost)
		if len(lost.Aliases) != 1 || lost.Aliases[0] != g.Alias || lost.MemberCount != 1 {
			t.Errorf("addresses on the domain: %+v, want the alias and ann's address", lost)
		}
		expect(t, s, http.StatusNoContent, apptest.Request{Method: "DELETE", Path: tpath(ten.ID, "/domains/", d.ID), Token: tok})
		var gs []api.Group
		expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(ten.ID, "/groups"), Token: tok}).Decode(t, &gs)
		if len(gs) != 1 || gs[0].Alias != "" {
			t.Errorf("groups after the domain's deletion: %+v, want 営業 without its alias", gs)
		}
	})
}
