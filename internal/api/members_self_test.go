package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/app/apptest"
)

// TestMemberEditRules: issue 12. An admin with only members.manage cannot
// change the super admin's e-mail (nor an admin's status); a member edits
// their own name and phone, and their own e-mail with their current
// password, and nothing else of their own.
func TestMemberEditRules(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		adminRole, managerRole := builtinRole(t, s, a, "admin"), builtinRole(t, s, a, "member_manager")
		plain := addMember(t, s, a.ID, a.AdminToken, "plain", "Plain Member", memberPassword)
		manager := addMember(t, s, a.ID, a.AdminToken, "manager", "Member Manager", memberPassword, managerRole)
		admin := addMember(t, s, a.ID, a.AdminToken, "second", "Second Admin", memberPassword, adminRole)
		plainTok, managerTok := s.Login(plain.LoginID, memberPassword), s.Login(manager.LoginID, memberPassword)
		adminTok := s.Login(admin.LoginID, memberPassword)
		board, lead := addDepartment(t, s, a.ID, a.AdminToken, "Board"), addPosition(t, s, a.ID, a.AdminToken, "Lead")
		patch := func(tok, id string, body map[string]any) apptest.Request {
			return apptest.Request{Method: "PATCH", Path: tpath(a.ID, "/members/", id), Token: tok, Body: body}
		}
		steps := []struct {
			name   string
			req    apptest.Request
			status int
			field  string // the problem's location, body.<field>
		}{
			{"manager: the super admin's e-mail", patch(managerTok, a.AdminID, map[string]any{"email": "evil@example.com"}), 403, ""},
			{"admin: the super admin's e-mail", patch(adminTok, a.AdminID, map[string]any{"email": "evil@example.com"}), 403, ""},
			{"manager: an admin's e-mail", patch(managerTok, admin.ID, map[string]any{"email": "evil@example.com"}), 403, ""},
			{"manager: suspend an admin", apptest.Request{Method: "POST", Path: tpath(a.ID, "/members/", admin.ID, "/suspend"), Token: managerTok}, 403, ""},
			{"manager: a plain member's e-mail", patch(managerTok, plain.ID, map[string]any{"email": "plain@example.com"}), 200, ""},
			{"self: name and phone", patch(plainTok, plain.ID, map[string]any{"display_name": "Plain Lee", "phone": "090-1234-5678"}), 200, ""},
			{"self: department", patch(plainTok, plain.ID, map[string]any{"department_id": board}), 403, ""},
			{"self: position", patch(plainTok, plain.ID, map[string]any{"position_id": lead}), 403, ""},
			{"manager: a plain member's department and position", patch(managerTok, plain.ID, map[string]any{"department_id": board, "position_id": lead}), 200, ""},
			{"self: e-mail without the password", patch(plainTok, plain.ID, map[string]any{"email": "mine@example.com"}), 422, "current_password"},
			{"self: e-mail with a wrong password", patch(plainTok, plain.ID, map[string]any{"email": "mine@example.com", "current_password": "wrong-password"}), 422, "current_password"},
			{"self: e-mail with the password", patch(plainTok, plain.ID, map[string]any{"email": "mine@example.com", "current_password": memberPassword}), 200, ""},
			{"super admin: own e-mail with the password", patch(a.AdminToken, a.AdminID, map[string]any{"email": "boss@example.com", "current_password": apptest.Password}), 200, ""},
		}
		for _, st := range steps {
			res := s.Do(st.req)
			if res.Status != st.status {
				t.Errorf("%s: got status %d, want %d; body: %s", st.name, res.Status, st.status, clip(res.Body))
				continue
			}
			if st.status >= 400 {
				p := checkProblem(t, res, st.status)
				if st.field != "" && !slices.Contains(p.locations(), "body."+st.field) {
					t.Errorf("%s: problem locations %v, want body.%s", st.name, p.locations(), st.field)
				}
			}
		}
		res := s.Do(patch(plainTok, plain.ID, map[string]any{"department_id": ""}))
		if code := decode[struct{ Code string }](t, res).Code; res.Status != http.StatusForbidden || code != "member.department_by_admins" {
			t.Errorf("self: leave the department: got %d %s, want 403 member.department_by_admins", res.Status, code)
		}
		got := decode[api.Member](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID, "/members/", plain.ID), Token: plainTok}))
		if got.DepartmentID != board || got.Department != "Board" || got.PositionID != lead || got.Position != "Lead" {
			t.Errorf("plain member: department %s %q, position %s %q; want %s Board, %s Lead", got.DepartmentID, got.Department, got.PositionID, got.Position, board, lead)
		}
		for id, want := range map[string]string{a.AdminID: "boss@example.com", plain.ID: "mine@example.com", admin.ID: ""} {
			res := expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID, "/members/", id), Token: a.AdminToken})
			if got := decode[api.Member](t, res); got.Email != want {
				t.Errorf("member %s: e-mail %q, want %q", got.LoginID, got.Email, want)
			}
		}
		res = expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID, "/audit-events?action=member.password_confirmation_failed"), Token: a.AdminToken})
		if n := strings.Count(string(res.Body), `"member.password_confirmation_failed"`); n != 1 {
			t.Errorf("password confirmation failures audited: got %d, want 1; body: %s", n, clip(res.Body))
		}
	})
}

// TestMemberTextChecks: issue 12. A CRLF, NUL or bidi override in a name is
// refused naming the field in add, update, the CSV import and the
// directory's departments and positions; a name typed in decomposed form
// is stored composed (NFC), and the import finds a department by it.
func TestMemberTextChecks(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		add := func(body map[string]any) apptest.Request {
			return apptest.Request{Method: "POST", Path: tpath(a.ID, "/members"), Token: a.AdminToken, Body: body}
		}
		steps := []struct {
			name     string
			req      apptest.Request
			location string
		}{
			{"add: CRLF in the name", add(map[string]any{"login_id": "ann", "display_name": "Ann\r\nBcc: x@evil.example", "email": "ann@example.com"}), "body.display_name"},
			{"add: NUL in the department id", add(map[string]any{"login_id": "ann", "display_name": "Ann", "department_id": "dep\x00"}), "body.department_id"},
			{"department: NUL in the name", apptest.Request{Method: "POST", Path: tpath(a.ID, "/departments"), Token: a.AdminToken,
				Body: map[string]any{"name": "Sales\x00"}}, "body.name"},
			{"position: tab in the name", apptest.Request{Method: "POST", Path: tpath(a.ID, "/positions"), Token: a.AdminToken,
				Body: map[string]any{"name": "Head\tof sales"}}, "body.name"},
			{"update: bidi override in the name", apptest.Request{Method: "PATCH", Path: tpath(a.ID, "/members/", a.AdminID), Token: a.AdminToken,
				Body: map[string]any{"display_name": "\u202Eevil"}}, "body.display_name"},
			{"update: lone surrogate in the name", apptest.Request{Method: "PATCH", Path: tpath(a.ID, "/members/", a.AdminID), Token: a.AdminToken,
				Body: `{"display_name": "Ann\ud800"}`, Header: http.Header{"Content-Type": {"application/json"}}}, "body.display_name"},
			{"role: isolate in the name", apptest.Request{Method: "POST", Path: tpath(a.ID, "/roles"), Token: a.AdminToken,
				Body: map[string]any{"name": "admins\u2066", "permissions": []string{"audit.read"}}}, "body.name"},
			{"company: CRLF in the company name", apptest.Request{Method: "PATCH", Path: tpath(a.ID), Token: a.AdminToken,
				Body: map[string]any{"company_name": "Acme\r\nKK"}}, "body.company_name"},
			{"import: CRLF in a name", apptest.Request{Method: "POST", Path: tpath(a.ID, "/members/import"), Token: a.AdminToken,
				Body: "login_id,display_name\nann,\"Ann\r\nLee\"\n"}, "line 2"},
			{"import: bidi override in a department", apptest.Request{Method: "POST", Path: tpath(a.ID, "/members/import?create_missing=true"), Token: a.AdminToken,
				Body: "login_id,display_name,department\nann,Ann,\u202ESales\n"}, "line 2"},
		}
		for _, st := range steps {
			p := expectProblem(t, s, http.StatusUnprocessableEntity, st.req)
			if !slices.Contains(p.locations(), st.location) {
				t.Errorf("%s: problem locations %v, want %s", st.name, p.locations(), st.location)
			}
		}
		const nfd, nfc = "Jose\u0301 \u30cf\u309a\u30f3", "Jos\u00e9 \u30d1\u30f3"
		res := expect(t, s, http.StatusCreated, add(map[string]any{"login_id": "jose", "display_name": nfd}))
		if got := decode[api.Member](t, res).DisplayName; got != nfc {
			t.Errorf("added with an NFD name: got %q, want the NFC form", got)
		}
		res = expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(a.ID, "/departments"), Token: a.AdminToken,
			Body: map[string]any{"name": nfd}})
		dept := decode[api.Department](t, res)
		if dept.Name != nfc {
			t.Errorf("department created with an NFD name: got %q, want the NFC form", dept.Name)
		}
		expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: tpath(a.ID, "/members/import"), Token: a.AdminToken,
			Body: "login_id,display_name,department\nimported," + nfd + "," + nfd + "\n"})
		imported := listAll[api.Member](t, s, a.AdminToken, tpath(a.ID, "/members?login_id=imported@"))
		if len(imported) != 1 || imported[0].DisplayName != nfc || imported[0].DepartmentID != dept.ID || imported[0].Department != nfc {
			t.Errorf("imported with NFD names: %+v, want one member named %q in department %s", imported, nfc, dept.ID)
		}
	})
}

// TestMemberProblemInJapanese: a refused member reads in the language of
// Accept-Language: the code and params stay the same for programs, the
// detail (and each line of an import) is Japanese for "ja".
func TestMemberProblemInJapanese(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		ja := http.Header{"Accept-Language": {"ja,en;q=0.5"}}
		type answer struct {
			Code   string         `json:"code"`
			Params map[string]any `json:"params"`
			Detail string         `json:"detail"`
			Errors []struct {
				Location string         `json:"location"`
				Message  string         `json:"message"`
				Code     string         `json:"code"`
				Params   map[string]any `json:"params"`
			} `json:"errors"`
		}
		res := s.Do(apptest.Request{Method: "POST", Path: tpath(a.ID, "/members"), Token: a.AdminToken, Header: ja,
			Body: map[string]any{"login_id": "Bad Id!", "display_name": "Bad"}})
		checkProblem(t, res, http.StatusUnprocessableEntity)
		got := decode[answer](t, res)
		if got.Code != "member.login_id_invalid" || got.Params["login_id"] != "Bad Id!" {
			t.Errorf("code and params: got %q %v, want member.login_id_invalid with login_id", got.Code, got.Params)
		}
		const want = "ログインID「Bad Id!」は使えません。"
		if !strings.HasPrefix(got.Detail, want) || len(got.Errors) != 1 || got.Errors[0].Location != "body.login_id" || got.Errors[0].Message != got.Detail {
			t.Errorf("got detail %q and errors %+v, want %q… at body.login_id", got.Detail, got.Errors, want)
		}

		res = s.Do(apptest.Request{Method: "POST", Path: tpath(a.ID, "/members/import"), Token: a.AdminToken, Header: ja,
			Body: "login_id,display_name\nann,Ann\nann,Ann again\n"})
		checkProblem(t, res, http.StatusUnprocessableEntity)
		got = decode[answer](t, res)
		if got.Code != "member.import_problems" || !strings.HasPrefix(got.Detail, "ファイルに1件の誤りがあるため") || len(got.Errors) != 1 {
			t.Fatalf("import: got %+v, want member.import_problems with one line in Japanese", got)
		}
		if e := got.Errors[0]; e.Location != "line 3" || e.Code != "member.import_login_id_repeated" || e.Params["first"] != float64(2) ||
			e.Message != "ログインID ann@acme.works.example は2行目にもあります。どちらかを別のIDにしてください。" {
			t.Errorf("import line: got %+v, want line 3 repeating line 2's login id, in Japanese", e)
		}
	})
}
