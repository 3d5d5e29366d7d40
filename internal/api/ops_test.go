package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/app/apptest"
)

// TestHealthMetricsOpenAPI: the endpoints beside the API.
func TestHealthMetricsOpenAPI(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		res := expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/healthz"})
		if got := decode[map[string]string](t, res); len(got) != 1 || got["status"] != "ok" {
			t.Errorf("healthz: got %s, want {\"status\":\"ok\"}", res.Body)
		}
		if ct := res.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("healthz: got Content-Type %q, want application/json", ct)
		}

		res = expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/openapi.json"})
		var doc struct {
			OpenAPI string `json:"openapi"`
			Info    struct {
				Title, Version string
			} `json:"info"`
			Paths map[string]json.RawMessage `json:"paths"`
		}
		if err := json.Unmarshal(res.Body, &doc); err != nil {
			t.Fatalf("openapi.json is not JSON: %v", err)
		}
		if doc.OpenAPI != "3.1.0" || doc.Info.Title != "Kanri API" || doc.Info.Version == "" {
			t.Errorf("openapi.json: got openapi %q, info %+v; want 3.1.0 and Kanri API", doc.OpenAPI, doc.Info)
		}
		for _, p := range []string{"/api/v1/signup", "/api/v1/auth/login", "/api/v1/tenants/{t}/members", "/api/v1/tenants/{t}/audit-events/export"} {
			if _, ok := doc.Paths[p]; !ok {
				t.Errorf("openapi.json has no path %s", p)
			}
		}
		if _, ok := doc.Paths["/api/v1/ops/clock"]; ok {
			t.Errorf("openapi.json lists /api/v1/ops/clock without the test clock")
		}

		// /metrics answers operators only when it has no listener of its own.
		expectProblem(t, s, http.StatusUnauthorized, apptest.Request{Method: "GET", Path: "/metrics"})
		res = expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/metrics", Token: operatorToken(t, s)})
		for _, want := range []string{"kanri_http_requests_total", `route="GET /healthz"`, `code="200"`, "kanri_http_request_duration_seconds", "go_goroutines"} {
			if !strings.Contains(string(res.Body), want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	})
}

// TestTestClock: PUT /api/v1/ops/clock exists only with the test clock; an
// operator moves the server's time with it, and new records carry that time.
func TestTestClock(t *testing.T) {
	t.Parallel()
	set := time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
	clock := func(token string) apptest.Request {
		return apptest.Request{Method: "PUT", Path: "/api/v1/ops/clock", Token: token, Body: map[string]any{"now": set}}
	}
	t.Run("off", func(t *testing.T) {
		t.Parallel()
		onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
			expectProblem(t, s, http.StatusNotFound, clock(operatorToken(t, s)))
		})
	})
	t.Run("on", func(t *testing.T) {
		t.Parallel()
		onEachEngine(t, withTestClock, func(t *testing.T, s *apptest.Server) {
			a := s.Signup("acme")
			ops := operatorToken(t, s)
			expectProblem(t, s, http.StatusUnauthorized, clock(""))
			expectProblem(t, s, http.StatusNotFound, clock(a.AdminToken))

			res := expect(t, s, http.StatusOK, clock(ops))
			// clock.Adjustable truncates the wall clock to the microsecond
			// before adding the offset, so right after Set it may read up
			// to 1µs before the time set.
			early := set.Add(-time.Microsecond)
			now := decode[struct{ Now time.Time }](t, res).Now
			if now.Before(early) || now.After(set.Add(time.Minute)) {
				t.Errorf("clock answered %s, want about %s", now, set)
			}
			// Five years on, the admin's session (1 hour) has expired.
			expectProblem(t, s, http.StatusUnauthorized, apptest.Request{Method: "GET", Path: tpath(a.ID), Token: a.AdminToken})
			admin := s.Login("admin@acme.works.example", apptest.Password)
			m := addMember(t, s, a.ID, admin, "future", "Future Member", "")
			if m.CreatedAt.Before(early) || m.CreatedAt.After(set.Add(time.Minute)) {
				t.Errorf("member created at %s, want about %s", m.CreatedAt, set)
			}
			events := listAll[api.AuditEvent](t, s, admin, tpath(a.ID, "/audit-events?from="+rfc3339(early)))
			if got := actions(events); len(got) != 2 || got[0] != "member.added" || events[0].TargetID != m.ID || got[1] != "session.signed_in" {
				t.Errorf("events since the set time: got %v, want member.added and session.signed_in", got)
			}
			// The operator's own session has expired too.
			expectProblem(t, s, http.StatusUnauthorized, apptest.Request{Method: "GET", Path: "/api/v1/ops/tenants", Token: ops})
		})
	})
}
