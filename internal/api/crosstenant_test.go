package api_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/app/apptest"
)

// crossTenantBodies has an entry for every operation whose path has {t}: a
// body that tenant A's super admin could send with success, so that a 404
// for tenant B's token shows the tenant check and not input validation.
// nil sends no body. "{m}", "{r}" and "{s}" inside a body become A's ids.
// A new route without an entry here fails TestCrossTenant: add one.
var crossTenantBodies = map[string]any{
	"get-tenant":                 nil,
	"update-tenant":              map[string]any{"company_name": "Taken over", "works_group": "taken-over", "notices_enabled": false},
	"list-members":               nil,
	"add-member":                 map[string]any{"login_id": "intruder", "display_name": "Intruder", "email": "intruder@evil.example"},
	"import-members":             "login_id,display_name\nintruder,Intruder\n",
	"get-member":                 nil,
	"update-member":              map[string]any{"display_name": "Taken over", "role_ids": []string{"{r}"}},
	"suspend-member":             nil,
	"deactivate-member":          nil,
	"reactivate-member":          nil,
	"delete-member":              nil,
	"issue-invitation":           nil,
	"transfer-super-admin":       map[string]any{"member_id": "{m}"},
	"list-roles":                 nil,
	"create-role":                map[string]any{"name": "intruders", "permissions": []string{"audit.read"}},
	"update-role":                map[string]any{"name": "renamed", "permissions": []string{"members.manage"}},
	"delete-role":                nil,
	"list-audit-events":          nil,
	"export-audit-events":        nil,
	"list-my-sessions":           nil,
	"revoke-my-session":          nil,
	"revoke-tenant-sessions":     nil,
	"revoke-member-sessions":     nil,
	"send-password-reset":        nil,
	"ops-get-tenant":             nil,
	"list-domains":               nil,
	"add-domain":                 map[string]any{"name": "intruder.example"},
	"get-domain":                 nil,
	"delete-domain":              nil,
	"verify-domain":              nil,
	"make-primary-domain":        nil,
	"get-domain-change":          nil,
	"get-subscription":           nil,
	"quote-subscription":         map[string]any{"plan": "standard", "contract": "annual", "licenses": 20},
	"apply-quote":                map[string]any{"quote_id": "{q}"},
	"cancel-subscription":        nil,
	"withdraw-cancellation":      nil,
	"withdraw-scheduled-change":  nil,
	"get-licenses":               nil,
	"list-payment-methods":       nil,
	"add-payment-method":         map[string]any{"type": "card", "card": map[string]any{"number": cardOK, "exp_month": 12, "exp_year": 2099, "cvc": "123"}},
	"delete-payment-method":      nil,
	"set-default-payment-method": nil,
	"list-invoices":              nil,
	"get-invoice":                nil,
	"get-invoice-pdf":            nil,
	"ops-approve-payment-method": nil,
	"get-two-factor-policy":      nil,
	"set-two-factor-policy":      map[string]any{"two_factor_required": "everyone"},
	"reset-member-two-factor":    nil,
	"get-partner-contract":       nil,
	"issue-partner-code":         nil,
	"approve-partner-code":       map[string]any{"phone": "03-1234-5678"},
	"partner-quote-customer":     map[string]any{"plan": "standard", "contract": "annual", "licenses": 20},
	"partner-apply-customer":     map[string]any{"quote_id": "{q}"},
	"get-domain-addresses":       nil,
	"list-departments":           nil,
	"create-department":          map[string]any{"name": "侵入部"},
	"update-department":          map[string]any{"name": "乗っ取り"},
	"delete-department":          nil,
	"list-positions":             nil,
	"create-position":            map[string]any{"name": "侵入"},
	"update-position":            map[string]any{"name": "乗っ取り"},
	"delete-position":            nil,
	"list-groups":                nil,
	"create-group":               map[string]any{"name": "侵入"},
	"update-group":               map[string]any{"name": "乗っ取り"},
	"delete-group":               nil,
	"list-fields":                nil,
	"create-field":               map[string]any{"name": "侵入", "kind": "text"},
	"update-field":               map[string]any{"name": "乗っ取り"},
	"delete-field":               nil,
	"list-rules":                 nil,
	"create-rule":                map[string]any{"name": "侵入", "match_kind": "group", "match_id": "{grp}", "role_ids": []string{"{r}"}},
	"update-rule":                map[string]any{"name": "乗っ取り", "match_kind": "group", "match_id": "{grp}", "role_ids": []string{"{r}"}},
	"delete-rule":                nil,
	"get-directory-settings":     nil,
	"update-directory-settings":  map[string]any{"deactivate_unmatched": true},
}

// opsBodies is the same for the operator routes (/api/v1/ops/…), which a
// tenant's token must not reach.
var opsBodies = map[string]any{
	"ops-list-tenants":            nil,
	"ops-create-tenant":           map[string]any{"works_group": "ops-made", "company_name": "Ops Made", "admin_login_id": "admin", "admin_name": "Admin", "admin_email": "admin@ops-made.example", "admin_password": "ops-made-password-1"},
	"ops-get-tenant":              nil,
	"ops-set-clock":               map[string]any{"now": "2030-01-01T00:00:00Z"},
	"ops-list-mail":               nil,
	"ops-get-mail":                nil,
	"ops-list-webhooks":           nil,
	"ops-create-webhook":          map[string]any{"url": "https://hooks.example.com/kanri", "event_types": []string{"*"}},
	"ops-rotate-webhook-secret":   nil,
	"ops-disable-webhook":         nil,
	"ops-list-webhook-deliveries": nil,
	"ops-approve-payment-method":  nil,
	"ops-mark-invoice-paid":       nil,
	"ops-list-invoices":           nil,
	"ops-export-invoices":         nil,
	"ops-invoice-aging":           nil,
	"ops-list-billing-runs":       nil,
	"ops-run-billing":             nil,
	"ops-list-partners":           nil,
	"ops-create-partner":          map[string]any{"name": "Intruder Reseller"},
	"ops-get-partner":             nil,
	"ops-update-partner":          map[string]any{"name": "Taken over"},
	"ops-suspend-partner":         nil,
	"ops-reactivate-partner":      nil,
	"ops-add-partner-user":        map[string]any{"email": "intruder@evil.example", "name": "Intruder", "password": "intruder-password-1"},
	"ops-get-partner-statement":   nil,
	"ops-resend-mail":             nil,
	"ops-enable-webhook":          nil,
	"ops-retry-webhook-delivery":  nil,
	"ops-list-operators":          nil,
	"ops-create-operator":         map[string]any{"email": "intruder@evil.example", "name": "Intruder"},
	"ops-disable-operator":        nil,
	"ops-get-stats":               nil,
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// operation is one path+method of the OpenAPI document.
type operation struct {
	Method, Path, ID string
}

// openAPIOperations fetches the served OpenAPI document and lists its operations.
func openAPIOperations(t *testing.T, s *apptest.Server) []operation {
	t.Helper()
	res := expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/openapi.json"})
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	res.Decode(t, &doc)
	var ops []operation
	for path, item := range doc.Paths {
		for method, raw := range item {
			if !slices.Contains(httpMethods, method) {
				continue
			}
			var op struct {
				OperationID string `json:"operationId"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatal(err)
			}
			ops = append(ops, operation{strings.ToUpper(method), path, op.OperationID})
		}
	}
	slices.SortFunc(ops, func(a, b operation) int { return strings.Compare(a.Path+" "+a.Method, b.Path+" "+b.Method) })
	if len(ops) == 0 {
		t.Fatal("the OpenAPI document lists no operations")
	}
	return ops
}

var pathParamRE = regexp.MustCompile(`\{([a-zA-Z_]+)\}`)

// fill substitutes ids for the {name} parameters of path, and in body
// (marshalled to JSON unless it is a string). It reports unknown names.
func fill(t *testing.T, op operation, ids map[string]string, path string, body any) (string, any, bool) {
	t.Helper()
	ok := true
	path = pathParamRE.ReplaceAllStringFunc(path, func(p string) string {
		v, known := ids[strings.Trim(p, "{}")]
		if !known {
			t.Errorf("%s %s (%s): no id for path parameter %s: add it to the ids table of TestCrossTenant", op.Method, op.Path, op.ID, p)
			ok = false
		}
		return v
	})
	if body == nil {
		return path, nil, ok
	}
	var text string
	switch b := body.(type) {
	case string:
		text = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		text = string(j)
	}
	for name, v := range ids {
		text = strings.ReplaceAll(text, "{"+name+"}", v)
	}
	if _, isString := body.(string); isString {
		return path, text, ok
	}
	return path, json.RawMessage(text), ok
}

// refersToOtherIDs reports whether an operation names an id other than {t},
// in its path or in its body.
func refersToOtherIDs(path string, body any) bool {
	for _, p := range pathParamRE.FindAllString(path, -1) {
		if p != "{t}" {
			return true
		}
	}
	j, _ := json.Marshal(body)
	return pathParamRE.Match(j)
}

// tenantState is everything of a tenant that its super admin can read.
type tenantState struct {
	Tenant      json.RawMessage
	Members     map[string]json.RawMessage // by status
	Roles       json.RawMessage
	Sessions    json.RawMessage
	Domains     json.RawMessage
	Billing     billingState
	Directory   map[string]json.RawMessage
	AuditEvents int
}

func readTenantState(t *testing.T, s *apptest.Server, ten *apptest.Tenant) tenantState {
	t.Helper()
	get := func(path string) json.RawMessage {
		return expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: path, Token: ten.AdminToken}).Body
	}
	st := tenantState{Tenant: get(tpath(ten.ID)), Members: map[string]json.RawMessage{},
		Roles: get(tpath(ten.ID, "/roles")), Sessions: get(tpath(ten.ID, "/sessions")),
		Domains: get(tpath(ten.ID, "/domains")), Billing: readBilling(t, s, ten)}
	for _, status := range []string{"invited", "active", "suspended", "deactivated", "deleted"} {
		st.Members[status] = get(tpath(ten.ID, "/members?limit=500&status="+status))
	}
	st.Directory = map[string]json.RawMessage{}
	for _, kind := range []string{"departments", "positions", "groups", "fields", "rules", "directory-settings"} {
		st.Directory[kind] = get(tpath(ten.ID, "/"+kind))
	}
	st.AuditEvents = len(listAll[api.AuditEvent](t, s, ten.AdminToken, tpath(ten.ID, "/audit-events?limit=1000")))
	return st
}

// TestCrossTenant sends every tenant route of the OpenAPI document with
// tenant A's ids and tenant B's super-admin token (and an operator's, a
// partner user's whose partner A chose, and none): B, the operator and the
// partner get 404, the anonymous caller 401, and nothing of A changes.
// Operator routes refuse tenant tokens with 404.
func TestCrossTenant(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a, b := s.Signup("acme"), s.Signup("bravo")
		member := addMember(t, s, a.ID, a.AdminToken, "hanako", "Hanako Yamada", "")
		role := decode[api.Role](t, expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(a.ID, "/roles"), Token: a.AdminToken,
			Body: map[string]any{"name": "auditors-plus", "permissions": []string{"audit.read", "members.manage"}}}))
		sessions := decode[[]api.Session](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID, "/sessions"), Token: a.AdminToken}))
		if len(sessions) != 1 {
			t.Fatalf("got %d sessions of A's admin, want 1", len(sessions))
		}
		ops := operatorToken(t, s)
		dom := decode[api.Domain](t, expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(a.ID, "/domains"), Token: a.AdminToken,
			Body: map[string]any{"name": "acme-owned.example"}}))
		change := aDomainChange(t, s, a, dom.ID)
		paid := subscribe(t, s, a, "standard", "annual", 10)
		methods := decode[[]api.PaymentMethod](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID, "/payment-methods"), Token: a.AdminToken}))
		quote := decode[api.Quote](t, expect(t, s, http.StatusCreated, quoteReq(a, a.AdminToken, "standard", "annual", 20)))
		_, partnerToken := newPartner(t, s, ops, "ABC 株式会社", "sales@abc.example.jp")
		code := issueCode(t, s, a)
		expect(t, s, http.StatusOK, authenticateReq(partnerToken, code.Code))
		ids := map[string]string{"t": a.ID, "m": member.ID, "r": role.ID, "s": sessions[0].ID, "d": dom.ID, "c": change,
			"p": methods[0].ID, "i": paid.Invoice.ID, "q": quote.ID, "code": code.Code}
		for _, obj := range []struct{ param, path string }{{"dep", "/departments"}, {"pos", "/positions"}, {"grp", "/groups"}} {
			ids[obj.param] = decode[api.Department](t, expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(a.ID, obj.path),
				Token: a.AdminToken, Body: map[string]any{"name": "A の" + obj.param}})).ID
		}
		ids["fld"] = decode[api.Field](t, expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(a.ID, "/fields"),
			Token: a.AdminToken, Body: map[string]any{"name": "社員番号", "kind": "text"}})).ID
		ids["rul"] = decode[api.RuleOutcome](t, expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(a.ID, "/rules"),
			Token: a.AdminToken, Body: map[string]any{"name": "A の条件", "match_kind": "group", "match_id": ids["grp"], "role_ids": []string{role.ID}}})).Rule.ID

		before, beforeB := readTenantState(t, s, a), readTenantState(t, s, b)
		seen := map[string]bool{}
		for _, op := range openAPIOperations(t, s) {
			if !strings.Contains(op.Path, "{t}") {
				continue
			}
			seen[op.ID] = true
			body, known := crossTenantBodies[op.ID]
			if !known {
				t.Errorf("%s %s: operation %q has no entry in crossTenantBodies: add one so that this route's tenant isolation is tested", op.Method, op.Path, op.ID)
				continue
			}
			path, body, ok := fill(t, op, ids, op.Path, body)
			if !ok {
				continue
			}
			type caller struct {
				name, token string
				want        int
			}
			callers := []caller{{"tenant B's super admin", b.AdminToken, http.StatusNotFound}, {"anonymous", "", http.StatusUnauthorized},
				{"a partner user", partnerToken, http.StatusNotFound}}
			isOps := strings.HasPrefix(op.Path, "/api/v1/ops/")
			if !isOps {
				callers = append(callers, caller{"an operator", ops, http.StatusNotFound})
			}
			for _, c := range callers {
				res := s.Do(apptest.Request{Method: op.Method, Path: path, Token: c.token, Body: body})
				if res.Status != c.want {
					t.Errorf("%s %s (%s) as %s: got status %d, want %d; body: %s", op.Method, path, op.ID, c.name, res.Status, c.want, clip(res.Body))
					continue
				}
				checkProblem(t, res, c.want)
			}
			// B's own tenant with A's member, role or session ids: 404 too.
			if isOps || !refersToOtherIDs(op.Path, crossTenantBodies[op.ID]) {
				continue
			}
			inB := maps.Clone(ids)
			inB["t"] = b.ID
			path, body, _ = fill(t, op, inB, op.Path, crossTenantBodies[op.ID])
			res := s.Do(apptest.Request{Method: op.Method, Path: path, Token: b.AdminToken, Body: body})
			if res.Status != http.StatusNotFound {
				t.Errorf("%s %s (%s) as tenant B's super admin with A's ids in B's tenant: got status %d, want 404; body: %s", op.Method, path, op.ID, res.Status, clip(res.Body))
				continue
			}
			checkProblem(t, res, http.StatusNotFound)
		}
		for id := range crossTenantBodies {
			if !seen[id] {
				t.Errorf("crossTenantBodies has %q, which is no route with {t} in the OpenAPI document: remove it", id)
			}
		}
		after := readTenantState(t, s, a)
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("tenant A changed through foreign tokens (-before +after):\n%s", diff)
		}
		if diff := cmp.Diff(beforeB, readTenantState(t, s, b)); diff != "" {
			t.Errorf("tenant B changed through requests naming A's ids (-before +after):\n%s", diff)
		}

		// The operator does reach A through the operator route.
		got := decode[api.Tenant](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/ops/tenants/" + a.ID, Token: ops}))
		if got.ID != a.ID {
			t.Errorf("ops get tenant: got id %s, want %s", got.ID, a.ID)
		}
	})
}

// TestOperatorRoutesRefuseTenantTokens sends every operator route of the
// OpenAPI document (with the test clock on, so PUT /ops/clock is there)
// with a tenant super admin's token: 404, as if the route did not exist.
func TestOperatorRoutesRefuseTenantTokens(t *testing.T) {
	t.Parallel()
	onEachEngine(t, withTestClock, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		// Ids of the kinds the operator routes take; a tenant token must get 404 whatever they name.
		ids := map[string]string{"t": a.ID, "mail": "mail_00000000000000000000000000", "w": "whe_00000000000000000000000000",
			"p": "pm_00000000000000000000000000", "i": "inv_00000000000000000000000000", "partner": "ptn_00000000000000000000000000", "month": "2027-04",
			"delivery": "dlv_00000000000000000000000000", "o": "opr_00000000000000000000000000"}
		seen := map[string]bool{}
		for _, op := range openAPIOperations(t, s) {
			if !strings.HasPrefix(op.Path, "/api/v1/ops/") || op.ID == "ops-login" {
				continue
			}
			seen[op.ID] = true
			body, known := opsBodies[op.ID]
			if !known {
				t.Errorf("%s %s: operator operation %q has no entry in opsBodies: add one", op.Method, op.Path, op.ID)
				continue
			}
			path, body, ok := fill(t, op, ids, op.Path, body)
			if !ok {
				continue
			}
			res := s.Do(apptest.Request{Method: op.Method, Path: path, Token: a.AdminToken, Body: body})
			if res.Status != http.StatusNotFound {
				t.Errorf("%s %s (%s) with a tenant admin's token: got status %d, want 404; body: %s", op.Method, path, op.ID, res.Status, clip(res.Body))
				continue
			}
			checkProblem(t, res, http.StatusNotFound)
		}
		for id := range opsBodies {
			if !seen[id] {
				t.Errorf("opsBodies has %q, which is no operator route in the OpenAPI document: remove it", id)
			}
		}
		// Nothing was created by the tenant's token.
		ops := operatorToken(t, s)
		list := decode[page[api.Tenant]](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/ops/tenants", Token: ops}))
		if len(list.Items) != 1 || list.Items[0].ID != a.ID {
			t.Errorf("got tenants %+v, want only %s", list.Items, a.ID)
		}
	})
}
