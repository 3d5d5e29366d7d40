package api_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
)

// cursorRoutes lists the GET paths of the API document that take a cursor.
func cursorRoutes(t *testing.T, s *apptest.Server) []string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct{ Name, In string }
		}
	}
	expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/openapi.json"}).Decode(t, &doc)
	var paths []string
	for path, methods := range doc.Paths {
		for _, p := range methods["get"].Parameters {
			if p.In == "query" && p.Name == "cursor" {
				paths = append(paths, path)
			}
		}
	}
	return paths
}

// withIDs puts ids' values into a path's {parameters}; others get "x".
func withIDs(path string, ids map[string]string) string {
	return pathParamRE.ReplaceAllStringFunc(path, func(p string) string {
		if v, ok := ids[strings.Trim(p, "{}")]; ok {
			return v
		}
		return "x"
	})
}

// TestNosniffOnEveryAPIAnswer: every answer of the front door says
// X-Content-Type-Options: nosniff: each route of the API document, with
// and without a token, and the answers the chain gives itself (404, 413,
// 401, a cross-origin refusal, /healthz, /metrics).
func TestNosniffOnEveryAPIAnswer(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		ops := operatorToken(t, s)
		check := func(name string, res *apptest.Response) {
			t.Helper()
			if got := res.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("%s: %d with X-Content-Type-Options %q, want nosniff", name, res.Status, got)
			}
		}
		for _, op := range openAPIOperations(t, s) {
			if op.Method != http.MethodGet { // a GET changes nothing; the others are refused before they could
				res := s.Do(apptest.Request{Method: op.Method, Path: withIDs(op.Path, map[string]string{"t": a.ID}), Header: http.Header{"Sec-Fetch-Site": {"cross-site"}},
					Body: map[string]any{}})
				check("cross-site "+op.Method+" "+op.Path, res)
				continue
			}
			for _, tok := range []string{"", a.AdminToken, ops} {
				check(op.Method+" "+op.Path, s.Do(apptest.Request{Method: op.Method, Path: withIDs(op.Path, map[string]string{"t": a.ID}), Token: tok}))
			}
		}
		check("unknown API route", s.Do(apptest.Request{Method: "GET", Path: "/api/v1/nothing-here"}))
		check("health", s.Do(apptest.Request{Method: "GET", Path: "/healthz"}))
		check("metrics without a token", s.Do(apptest.Request{Method: "GET", Path: "/metrics"}))
		check("metrics", s.Do(apptest.Request{Method: "GET", Path: "/metrics", Token: ops}))
		check("bad token", s.Do(apptest.Request{Method: "GET", Path: tpath(a.ID), Token: "kanri_nope"}))
		check("413", sendRaw(t, s, "PATCH", tpath(a.ID), a.AdminToken, "application/json", oversized(), false, nil))
		check("413 chunked", sendRaw(t, s, "PATCH", tpath(a.ID), a.AdminToken, "application/json", oversized(), true, nil))
	})
}

// TestMetricsOnlyToOperators: without --metrics-listen, /metrics answers
// an operator's token (or session) only: 401 without one, 404 to members
// as every ops route. It counts the console's routes too, by route pattern
// and never by raw path, refusals of the chain included.
func TestMetricsOnlyToOperators(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		ops := operatorToken(t, s)
		expectProblem(t, s, http.StatusUnauthorized, apptest.Request{Method: "GET", Path: "/metrics"})
		expectProblem(t, s, http.StatusNotFound, apptest.Request{Method: "GET", Path: "/metrics", Token: a.AdminToken})
		expectProblem(t, s, http.StatusUnauthorized, apptest.Request{Method: "GET", Path: "/metrics", Token: "kanri_nope"})

		expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID, "/members"), Token: a.AdminToken})
		if res := s.Do(apptest.Request{Method: "GET", Path: "/admin/login"}); res.Status != http.StatusOK {
			t.Fatalf("GET /admin/login: %d", res.Status)
		}
		sendRaw(t, s, "PATCH", tpath(a.ID), a.AdminToken, "application/json", oversized(), false, nil)
		s.Do(apptest.Request{Method: "MADEUP", Path: "/admin/login"})
		body := string(expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/metrics", Token: ops}).Body)
		for _, want := range []string{
			`route="GET /admin/login"`,
			`code="200",method="GET",route="GET /api/v1/tenants/{t}/members"`,
			`code="413",method="PATCH",route="PATCH /api/v1/tenants/{t}"`,
			`code="401",method="GET",route="/metrics"`,
			`method="other",route="/"`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		if strings.Contains(body, a.ID) || strings.Contains(body, "MADEUP") {
			t.Errorf("/metrics names a raw path (tenant id %s) or method (MADEUP): labels must be bounded", a.ID)
		}
	})
}

// TestMetricsListen: with --metrics-listen, /metrics is not on the public
// address at all, for anyone.
func TestMetricsListen(t *testing.T) {
	t.Parallel()
	onEachEngine(t, func(c *app.Config) { c.MetricsListen = "127.0.0.1:0" }, func(t *testing.T, s *apptest.Server) {
		expectProblem(t, s, http.StatusNotFound, apptest.Request{Method: "GET", Path: "/metrics", Token: operatorToken(t, s)})
	})
}

// TestBadCursor: every list route that takes a cursor (found in the API
// document) answers 400 at query.cursor for a cursor it never handed out,
// instead of a page; a cursor it handed out still pages.
func TestBadCursor(t *testing.T) {
	t.Parallel()
	onEachEngine(t, func(c *app.Config) { c.AllowPrivateWebhooks = true }, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		ops := operatorToken(t, s)
		var hook struct{ ID string }
		expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: "/api/v1/ops/webhooks", Token: ops,
			Body: map[string]any{"url": "http://127.0.0.1:9/kanri", "event_types": []string{"*"}}}).Decode(t, &hook)
		params := map[string]string{"t": a.ID, "w": hook.ID}
		bad := []string{"not-a-cursor", "mem_short", "ten_00000000000000000000000000x", "mem_0000000000000000000000000u", "'; --"}
		routes := cursorRoutes(t, s)
		for _, route := range routes {
			tok := a.AdminToken
			if strings.HasPrefix(route, "/api/v1/ops/") {
				tok = ops
			}
			path := withIDs(route, params)
			first := expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: path + "?limit=1", Token: tok})
			if next := decode[page[json.RawMessage]](t, first).NextCursor; next != "" {
				expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: path + "?limit=1&cursor=" + url.QueryEscape(next), Token: tok})
			}
			for _, c := range bad {
				p := expectProblem(t, s, http.StatusBadRequest, apptest.Request{Method: "GET", Path: path + "?cursor=" + url.QueryEscape(c), Token: tok})
				if !slices.Contains(p.locations(), "query.cursor") {
					t.Errorf("GET %s?cursor=%s: got locations %v, want query.cursor", route, c, p.locations())
				}
			}
		}
		if len(routes) < 5 { // members, audit events, tenants, mail, webhook deliveries
			t.Errorf("found list routes with a cursor %v, want at least 5", routes)
		}
	})
}
