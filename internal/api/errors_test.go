package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
)

// signupBody is a valid sign-up with changes.
func signupBody(wg string, change map[string]any) map[string]any {
	b := map[string]any{"works_group": wg, "company_name": wg + " Inc.", "admin_login_id": "admin", "admin_name": "Admin",
		"admin_email": "admin@" + wg + ".example.com", "admin_password": "a-long-enough-password"}
	for k, v := range change {
		if v == nil {
			delete(b, k)
			continue
		}
		b[k] = v
	}
	return b
}

// TestProblemDetails: every error is an RFC 9457 problem (application/
// problem+json with title, status and detail), and bad input names the
// field to fix in errors[].location.
func TestProblemDetails(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		viewer := addAndLogin(t, s, a.ID, a.AdminToken, "viewer")
		tok := a.AdminToken
		for _, tc := range []struct {
			name     string
			req      apptest.Request
			status   int
			location string // "" when no field is at fault
			secret   string // must not be echoed in the answer
		}{
			{"bad works group", apptest.Request{Method: "POST", Path: "/api/v1/signup", Body: signupBody("Not OK!", nil)}, 422, "body.works_group", ""},
			{"works group with -- in 3rd and 4th place", apptest.Request{Method: "POST", Path: "/api/v1/signup", Body: signupBody("ab--c", nil)}, 422, "body.works_group", ""},
			{"taken works group", apptest.Request{Method: "POST", Path: "/api/v1/signup", Body: signupBody("acme", map[string]any{"admin_email": "x@example.com"})}, 409, "body.works_group", ""},
			{"common password", apptest.Request{Method: "POST", Path: "/api/v1/signup", Body: signupBody("bravo", map[string]any{"admin_password": "password"})}, 422, "body.admin_password", ""},
			{"bad admin e-mail", apptest.Request{Method: "POST", Path: "/api/v1/signup", Body: signupBody("bravo", map[string]any{"admin_email": "Ann <ann@example.com>"})}, 422, "body.admin_email", ""},
			{"bad admin login id", apptest.Request{Method: "POST", Path: "/api/v1/signup", Body: signupBody("bravo", map[string]any{"admin_login_id": "no spaces"})}, 422, "body.admin_login_id", ""},
			{"missing field", apptest.Request{Method: "POST", Path: "/api/v1/signup", Body: signupBody("bravo", map[string]any{"admin_password": nil})}, 422, "body.admin_password", ""},
			{"missing field beside a password", apptest.Request{Method: "POST", Path: "/api/v1/signup", Body: signupBody("bravo", map[string]any{"admin_email": nil})}, 422, "body.admin_email", "a-long-enough-password"},
			{"password too long", apptest.Request{Method: "POST", Path: "/api/v1/signup", Body: signupBody("bravo", map[string]any{"admin_password": strings.Repeat("secret", 200)})}, 422, "body.admin_password", strings.Repeat("secret", 200)},
			{"login password too long", apptest.Request{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"login_id": "admin@acme.works.example", "password": strings.Repeat("secret", 200)}}, 422, "body.password", strings.Repeat("secret", 200)},
			{"wrong language", apptest.Request{Method: "POST", Path: "/api/v1/signup", Body: signupBody("bravo", map[string]any{"language": "fr"})}, 422, "body.language", ""},
			{"taken login id", apptest.Request{Method: "POST", Path: tpath(a.ID, "/members"), Token: tok, Body: map[string]any{"login_id": "admin", "display_name": "Another"}}, 409, "body.login_id", ""},
			{"bad login id", apptest.Request{Method: "POST", Path: tpath(a.ID, "/members"), Token: tok, Body: map[string]any{"login_id": "Bad Id!", "display_name": "Bad"}}, 422, "body.login_id", ""},
			{"login id on another domain", apptest.Request{Method: "POST", Path: tpath(a.ID, "/members"), Token: tok, Body: map[string]any{"login_id": "x@other.example", "display_name": "X"}}, 422, "body.login_id", ""},
			{"no display name", apptest.Request{Method: "POST", Path: tpath(a.ID, "/members"), Token: tok, Body: map[string]any{"login_id": "nameless", "display_name": " "}}, 422, "body.display_name", ""},
			{"short member password", apptest.Request{Method: "POST", Path: tpath(a.ID, "/members"), Token: tok, Body: map[string]any{"login_id": "short", "display_name": "Short", "password": "short"}}, 422, "body.password", ""},
			{"unknown role", apptest.Request{Method: "POST", Path: tpath(a.ID, "/members"), Token: tok, Body: map[string]any{"login_id": "roleless", "display_name": "R", "role_ids": []string{"rol_nope"}}}, 422, "body.role_ids", ""},
			{"unknown permission", apptest.Request{Method: "POST", Path: tpath(a.ID, "/roles"), Token: tok, Body: map[string]any{"name": "x", "permissions": []string{"everything"}}}, 422, "body.permissions", ""},
			{"role without permissions", apptest.Request{Method: "POST", Path: tpath(a.ID, "/roles"), Token: tok, Body: map[string]any{"name": "x", "permissions": []string{}}}, 422, "body.permissions", ""},
			{"taken role name", apptest.Request{Method: "POST", Path: tpath(a.ID, "/roles"), Token: tok, Body: map[string]any{"name": "admin", "permissions": []string{"audit.read"}}}, 409, "body.name", ""},
			{"bad works group on PATCH", apptest.Request{Method: "PATCH", Path: tpath(a.ID), Token: tok, Body: map[string]any{"works_group": "x"}}, 422, "body.works_group", ""},
			{"unknown status filter", apptest.Request{Method: "GET", Path: tpath(a.ID, "/members?status=sleeping"), Token: tok}, 422, "query.status", ""},
			{"limit out of range", apptest.Request{Method: "GET", Path: tpath(a.ID, "/members?limit=0"), Token: tok}, 422, "query.limit", ""},
			{"bad cursor", apptest.Request{Method: "GET", Path: tpath(a.ID, "/audit-events?cursor=not-a-cursor"), Token: tok}, 400, "query.cursor", ""},
			{"bad time", apptest.Request{Method: "GET", Path: tpath(a.ID, "/audit-events?from=yesterday"), Token: tok}, 422, "query.from", ""},
			{"not JSON", apptest.Request{Method: "PATCH", Path: tpath(a.ID), Token: tok, Body: "{not json", Header: http.Header{"Content-Type": {"application/json"}}}, 400, "", ""},
			{"transfer to self", apptest.Request{Method: "POST", Path: tpath(a.ID, "/super-admin"), Token: tok, Body: map[string]any{"member_id": a.AdminID}}, 422, "body.member_id", ""},
			{"no token", apptest.Request{Method: "GET", Path: tpath(a.ID)}, 401, "", ""},
			{"unknown token", apptest.Request{Method: "GET", Path: tpath(a.ID), Token: "kanri_nope"}, 401, "", ""},
			{"wrong password", apptest.Request{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"login_id": "admin@acme.works.example", "password": "not-the-password"}}, 401, "", ""},
			{"no permission", apptest.Request{Method: "GET", Path: tpath(a.ID, "/members"), Token: viewer}, 403, "", ""},
			{"unknown tenant", apptest.Request{Method: "GET", Path: tpath("ten_nope"), Token: tok}, 404, "", ""},
			{"unknown member", apptest.Request{Method: "GET", Path: tpath(a.ID, "/members/mem_nope"), Token: tok}, 404, "", ""},
			{"unknown route", apptest.Request{Method: "GET", Path: "/api/v1/nothing-here", Token: tok}, 404, "", ""},
			{"unknown method on a route", apptest.Request{Method: "PUT", Path: tpath(a.ID), Token: tok, Body: map[string]any{}}, 404, "", ""},
			{"invalid status change", apptest.Request{Method: "POST", Path: tpath(a.ID, "/members/", a.AdminID, "/suspend"), Token: tok}, 409, "", ""},
		} {
			res := s.Do(tc.req)
			if res.Status != tc.status {
				t.Errorf("%s: %s %s: got status %d, want %d; body: %s", tc.name, tc.req.Method, tc.req.Path, res.Status, tc.status, clip(res.Body))
				continue
			}
			p := checkProblem(t, res, tc.status)
			if tc.location != "" && !slices.Contains(p.locations(), tc.location) {
				t.Errorf("%s: got error locations %v, want %s; body: %s", tc.name, p.locations(), tc.location, res.Body)
			}
			if tc.secret != "" && strings.Contains(string(res.Body), tc.secret) {
				t.Errorf("%s: the answer echoes the password: %s", tc.name, clip(res.Body))
			}
		}
	})
}
