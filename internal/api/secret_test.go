package api_test

import (
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
)

// TestReplayWithholdsSecrets retries every call whose answer carries a
// one-time secret with its Idempotency-Key: the replay is the first answer
// with null in the secret's place.
func TestReplayWithholdsSecrets(t *testing.T) {
	t.Parallel()
	onEachEngine(t, func(c *app.Config) { c.AllowPrivateWebhooks = true }, func(t *testing.T, s *apptest.Server) {
		ten, op := s.Signup("acme"), operatorToken(t, s)
		invited := addMember(t, s, ten.ID, ten.AdminToken, "jiro", "Jiro", "")
		var endpoint struct{ ID string }
		expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: "/api/v1/ops/webhooks", Token: op,
			Body: map[string]any{"url": "http://127.0.0.1:9/hooks", "event_types": []string{"*"}}}).Decode(t, &endpoint)
		cases := []struct {
			name, field string
			status      int
			req         apptest.Request
		}{
			{"invited member", "invitation_token", http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(ten.ID, "/members"), Token: ten.AdminToken,
				Body: map[string]any{"login_id": "hanako", "display_name": "Hanako"}}},
			{"new invitation", "invitation_token", http.StatusOK, apptest.Request{Method: "POST", Path: tpath(ten.ID, "/members/", invited.ID, "/invitation"), Token: ten.AdminToken}},
			{"webhook endpoint", "secret", http.StatusCreated, apptest.Request{Method: "POST", Path: "/api/v1/ops/webhooks", Token: op,
				Body: map[string]any{"url": "http://127.0.0.1:9/other", "event_types": []string{"*"}}}},
			{"rotated webhook secret", "secret", http.StatusOK, apptest.Request{Method: "POST", Path: "/api/v1/ops/webhooks/" + endpoint.ID + "/rotate-secret", Token: op}},
		}
		for _, c := range cases {
			c.req.Header = withKey("secret-" + c.name)
			first := decode[map[string]any](t, expect(t, s, c.status, c.req))
			if secret, _ := first[c.field].(string); secret == "" {
				t.Errorf("%s: the first answer has no %s: %v", c.name, c.field, first)
			}
			res := expect(t, s, c.status, c.req)
			replay := decode[map[string]any](t, res)
			if v, ok := replay[c.field]; !ok || v != nil || res.Header.Get("Idempotent-Replayed") != "true" {
				t.Errorf("%s: replay has %s %v (present %v), replayed %q; want null, replayed", c.name, c.field, v, ok, res.Header.Get("Idempotent-Replayed"))
			}
			delete(first, c.field)
			delete(replay, c.field)
			if diff := cmp.Diff(first, replay); diff != "" {
				t.Errorf("%s: replay differs from the first answer beyond the secret (-first +replay):\n%s", c.name, diff)
			}
		}
	})
}

// secretName matches answer fields that sound like a secret.
var secretName = regexp.MustCompile(`(?i)token|secret|password|recovery|private|api_key`)

// TestAnswerSecretsAreSecrets: every field of an answer named like a secret
// has the Secret type (its schema carries x-one-time-secret), so that an
// Idempotency-Key replay never hands it out again. A new route with a
// secret in its answer fails here until its field is a Secret.
func TestAnswerSecretsAreSecrets(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, t.TempDir()+"/kanri.db", nil)
	var doc struct {
		Paths      map[string]map[string]any `json:"paths"`
		Components struct {
			Schemas map[string]any `json:"schemas"`
		} `json:"components"`
	}
	expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: "/api/v1/openapi.json"}).Decode(t, &doc)
	w := &schemaWalk{schemas: doc.Components.Schemas, seen: map[string]bool{}}
	for _, item := range doc.Paths {
		for _, op := range item {
			if o, ok := op.(map[string]any); ok {
				w.walk("", o["responses"])
			}
		}
	}
	if len(w.fields) == 0 {
		t.Fatal("no answer field named like a secret was found: the walk is broken")
	}
	for _, f := range slices.Sorted(maps.Keys(w.fields)) {
		if !w.fields[f] {
			t.Errorf("answer field %s looks like a secret but is not an api.Secret", f)
		}
	}
}

// marked reports whether a property's schema, or that of its items (a list
// of recovery codes), carries the Secret mark.
func marked(p any) bool {
	m, _ := p.(map[string]any)
	if ok, _ := m["x-one-time-secret"].(bool); ok {
		return true
	}
	items, _ := m["items"].(map[string]any)
	ok, _ := items["x-one-time-secret"].(bool)
	return ok
}

// carriesText reports whether a property holds text or a list of texts
// (a count of recovery codes left is no secret).
func carriesText(p any) bool {
	m, _ := p.(map[string]any)
	items, _ := m["items"].(map[string]any)
	return m["type"] == "string" || items["type"] == "string"
}

// schemaWalk follows an OpenAPI document's answers through $refs and notes
// every property named like a secret, and whether it is marked.
type schemaWalk struct {
	schemas map[string]any
	seen    map[string]bool
	fields  map[string]bool
}

func (w *schemaWalk) walk(at string, v any) {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			w.walk(at, e)
		}
	case map[string]any:
		if ref, ok := v["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, "#/components/schemas/")
			if !w.seen[name] {
				w.seen[name] = true
				w.walk(name, w.schemas[name])
			}
		}
		props, _ := v["properties"].(map[string]any)
		for name, p := range props {
			if secretName.MatchString(name) && carriesText(p) {
				if w.fields == nil {
					w.fields = map[string]bool{}
				}
				w.fields[at+"."+name] = marked(p)
			}
		}
		for _, e := range v {
			w.walk(at, e)
		}
	}
}
