package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
)

// TestGolden compares stable answers, with ids, times and secrets replaced
// by placeholders, to testdata/*.golden on every engine. Run
// go test ./internal/api/ -run TestGolden -update to rewrite them.
func TestGolden(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		res := expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: "/api/v1/signup", Body: map[string]string{
			"works_group": "acme", "company_name": "株式会社アクメ", "phone": "03-1234-5678", "region": "Tokyo",
			"admin_login_id": "admin", "admin_name": "管理 太郎", "admin_email": "taro@acme.example", "admin_password": apptest.Password}})
		checkGolden(t, "signup", res)
		tok := s.Login("admin@acme.works.example", apptest.Password)
		tenantID := decode[struct {
			Tenant struct{ ID string } `json:"tenant"`
		}](t, res).Tenant.ID
		sales, chief := addDepartment(t, s, tenantID, tok, "営業部"), addPosition(t, s, tenantID, tok, "課長")

		for _, tc := range []struct {
			name string
			req  apptest.Request
		}{
			{"signup-bad-works-group", apptest.Request{Method: "POST", Path: "/api/v1/signup", Body: signupBody("Not OK!", nil)}},
			{"signup-missing-fields", apptest.Request{Method: "POST", Path: "/api/v1/signup", Body: map[string]any{"works_group": "bravo", "admin_password": "a-long-enough-password"}}},
			{"signup-taken-works-group", apptest.Request{Method: "POST", Path: "/api/v1/signup", Body: signupBody("acme", nil)}},
			{"login-wrong-password", apptest.Request{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"login_id": "admin@acme.works.example", "password": "not-the-password"}}},
			{"roles", apptest.Request{Method: "GET", Path: tpath(tenantID, "/roles"), Token: tok}},
			{"add-member-invited", apptest.Request{Method: "POST", Path: tpath(tenantID, "/members"), Token: tok,
				Body: map[string]any{"login_id": "Hanako", "display_name": " 山田 花子 ", "email": "hanako@ACME.example", "department_id": sales, "position_id": chief}}},
			{"add-member-taken", apptest.Request{Method: "POST", Path: tpath(tenantID, "/members"), Token: tok, Body: map[string]any{"login_id": "hanako", "display_name": "Again"}}},
			{"import-bad-lines", apptest.Request{Method: "POST", Path: tpath(tenantID, "/members/import"), Token: tok,
				Body: "login_id,display_name,email\nok1,OK One,\nBad Id,Bad,\nok2,,\nhanako,Taken,\nok3,OK Three,not-an-email\nok1,Dup,\n"}},
			{"unknown-route", apptest.Request{Method: "GET", Path: "/api/v1/nothing-here", Token: tok}},
			{"too-large", apptest.Request{Method: "PATCH", Path: tpath(tenantID), Token: tok, Body: map[string]string{"company_name": strings.Repeat("x", 1<<20)}}},
			{"foreign-tenant", apptest.Request{Method: "GET", Path: tpath("ten_00000000000000000000000000"), Token: tok}},
			{"plans", apptest.Request{Method: "GET", Path: "/api/v1/plans"}},
			{"quote-no-payment-method", quoteReq(&apptest.Tenant{ID: tenantID}, tok, "standard", "annual", 10)},
			{"add-card", apptest.Request{Method: "POST", Path: tpath(tenantID, "/payment-methods"), Token: tok,
				Body: map[string]any{"type": "card", "card": map[string]any{"number": cardOK, "exp_month": 12, "exp_year": 2099, "cvc": "123"}}}},
			{"add-card-bad-number", apptest.Request{Method: "POST", Path: tpath(tenantID, "/payment-methods"), Token: tok,
				Body: map[string]any{"type": "card", "card": map[string]any{"number": "4242424242424241", "exp_month": 12, "exp_year": 2099, "cvc": "123"}}}},
			{"quote-too-few-licenses", quoteReq(&apptest.Tenant{ID: tenantID}, tok, "standard", "annual", 1)},
		} {
			checkGolden(t, tc.name, s.Do(tc.req))
		}
	})
}
