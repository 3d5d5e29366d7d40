package api_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/store/storetest"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/")

// onEachEngine starts a whole Kanri per database engine (SQLite always,
// PostgreSQL when KANRI_TEST_POSTGRES_URL is set) and runs fn against it;
// the engines run in parallel. change, when not nil, adjusts the config.
func onEachEngine(t *testing.T, change func(*app.Config), fn func(t *testing.T, s *apptest.Server)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		fn(t, apptest.Start(t, env.URL, change))
	})
}

// expect sends req and fails t at once unless the answer has status want.
func expect(t testing.TB, s *apptest.Server, want int, req apptest.Request) *apptest.Response {
	t.Helper()
	res := s.Do(req)
	if res.Status != want {
		t.Fatalf("%s %s: got status %d, want %d; body: %s", req.Method, req.Path, res.Status, want, clip(res.Body))
	}
	return res
}

func clip(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// decode unmarshals a response body into a T.
func decode[T any](t testing.TB, res *apptest.Response) T {
	t.Helper()
	var v T
	res.Decode(t, &v)
	return v
}

// page is a list answer.
type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// problem is an RFC 9457 problem-details body.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
		Value    any    `json:"value"`
	} `json:"errors"`
}

func (p problem) locations() []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Location)
	}
	return out
}

// checkProblem fails t unless res is an RFC 9457 problem with status want:
// content type application/problem+json, title, status and detail set.
func checkProblem(t testing.TB, res *apptest.Response, want int) problem {
	t.Helper()
	if res.Status != want {
		t.Errorf("got status %d, want %d; body: %s", res.Status, want, clip(res.Body))
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Errorf("got Content-Type %q, want application/problem+json; body: %s", ct, clip(res.Body))
	}
	var p problem
	if err := json.Unmarshal(res.Body, &p); err != nil {
		t.Fatalf("problem body is not JSON: %v: %s", err, clip(res.Body))
	}
	if p.Status != want || p.Title != http.StatusText(want) || p.Detail == "" {
		t.Errorf("got problem status=%d title=%q detail=%q, want status=%d title=%q and a detail", p.Status, p.Title, p.Detail, want, http.StatusText(want))
	}
	return p
}

// expectProblem sends req and checks that the answer is a problem with status want.
func expectProblem(t testing.TB, s *apptest.Server, want int, req apptest.Request) problem {
	t.Helper()
	res := s.Do(req)
	if res.Status != want {
		t.Fatalf("%s %s: got status %d, want %d; body: %s", req.Method, req.Path, res.Status, want, clip(res.Body))
	}
	return checkProblem(t, res, want)
}

// tpath is a path under the tenant's API root.
func tpath(tenantID string, rest ...string) string {
	return "/api/v1/tenants/" + tenantID + strings.Join(rest, "")
}

// addMember adds a member as the caller with token; with a password the
// member is active at once (that costs a password hash), else invited.
func addMember(t testing.TB, s *apptest.Server, tenantID, token, login, name, password string, roleIDs ...string) api.Member {
	t.Helper()
	body := map[string]any{"login_id": login, "display_name": name}
	if password != "" {
		body["password"] = password
	}
	if len(roleIDs) > 0 {
		body["role_ids"] = roleIDs
	}
	res := expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(tenantID, "/members"), Token: token, Body: body})
	return decode[api.Member](t, res)
}

// builtinRole returns the id of the tenant's built-in role named name.
func builtinRole(t testing.TB, s *apptest.Server, ten *apptest.Tenant, name string) string {
	t.Helper()
	res := expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(ten.ID, "/roles"), Token: ten.AdminToken})
	for _, r := range decode[[]api.Role](t, res) {
		if r.Name == name && r.Builtin {
			return r.ID
		}
	}
	t.Fatalf("tenant %s has no built-in role %q", ten.ID, name)
	return ""
}

// addDepartment creates a department named name in tenantID as the caller
// with token, and returns its id.
func addDepartment(t testing.TB, s *apptest.Server, tenantID, token, name string) string {
	t.Helper()
	res := expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(tenantID, "/departments"), Token: token,
		Body: map[string]any{"name": name}})
	return decode[api.Department](t, res).ID
}

// addPosition creates a position named name in tenantID as the caller with
// token, and returns its id.
func addPosition(t testing.TB, s *apptest.Server, tenantID, token, name string) string {
	t.Helper()
	res := expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(tenantID, "/positions"), Token: token,
		Body: map[string]any{"name": name}})
	return decode[api.Position](t, res).ID
}

// memberPassword is the password tests give members they sign in as.
const memberPassword = "member-password-42"

// operatorToken creates an operator and signs it in at /api/v1/ops/login.
func operatorToken(t testing.TB, s *apptest.Server) string {
	t.Helper()
	const email, password = "ops@vendor.example", "operator-password-1"
	if _, err := s.App.Services.Sessions.CreateOperator(auth.System(context.Background(), "test"), email, "Ops", password); err != nil {
		t.Fatal(err)
	}
	res := expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: "/api/v1/ops/login",
		Body: map[string]string{"login_id": email, "password": password}})
	tok := decode[struct{ Token string }](t, res).Token
	if tok == "" {
		t.Fatalf("ops login gave no token: %s", res.Body)
	}
	return tok
}

// listAll follows next_cursor from path (which has a query already or not)
// and returns every item.
func listAll[T any](t testing.TB, s *apptest.Server, token, path string) []T {
	t.Helper()
	var out []T
	cursor := ""
	for range 10000 {
		p := path
		if cursor != "" {
			p += sep(p) + "cursor=" + url.QueryEscape(cursor)
		}
		pg := decode[page[T]](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: p, Token: token}))
		out = append(out, pg.Items...)
		if pg.NextCursor == "" {
			return out
		}
		cursor = pg.NextCursor
	}
	t.Fatalf("%s: paging does not end", path)
	return nil
}

func sep(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}

// goldenMu keeps the engines, which run in parallel, from writing a golden
// file at the same time under -update.
var goldenMu sync.Mutex

// checkGolden compares the status, content type and normalized JSON body of
// res with testdata/<name>.golden; -update rewrites the file.
func checkGolden(t *testing.T, name string, res *apptest.Response) {
	t.Helper()
	var v any
	if err := json.Unmarshal(res.Body, &v); err != nil {
		t.Fatalf("%s: body is not JSON: %v: %s", name, err, clip(res.Body))
	}
	var body strings.Builder
	enc := json.NewEncoder(&body)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(normalize(v)); err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintf("HTTP %d\nContent-Type: %s\n\n%s", res.Status, res.Header.Get("Content-Type"), body.String())
	file := filepath.Join("testdata", name+".golden")
	goldenMu.Lock()
	defer goldenMu.Unlock()
	if *updateGolden {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/api/ -run %s -update to create it)", err, t.Name())
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs from the golden file (-want +got):\n%s\nIf the change is intended, run go test ./internal/api/ -update", file, diff)
	}
}

var (
	idRE     = regexp.MustCompile(`^([a-z]{2,3})_[0-9a-z]{26}$`)
	secretRE = regexp.MustCompile(`^(kanri|inv)_[0-9a-z]{40,}$`)
)

// normalize replaces what changes from run to run: ids become <ten_1>,
// <mem_1>, … numbered in order of first appearance (so references between
// objects still show), timestamps <time>, secrets <secret>.
func normalize(v any) any {
	seen := map[string]string{}
	count := map[string]int{}
	var walk func(v any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case map[string]any:
			keys := make([]string, 0, len(x))
			for k := range x {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				x[k] = walk(x[k])
			}
			return x
		case []any:
			for i := range x {
				x[i] = walk(x[i])
			}
			return x
		case string:
			if m := idRE.FindStringSubmatch(x); m != nil {
				if _, ok := seen[x]; !ok {
					count[m[1]]++
					seen[x] = fmt.Sprintf("<%s_%d>", m[1], count[m[1]])
				}
				return seen[x]
			}
			if secretRE.MatchString(x) {
				return "<secret>"
			}
			if _, err := time.Parse(time.RFC3339Nano, x); err == nil {
				return "<time>"
			}
			return x
		default:
			return x
		}
	}
	return walk(v)
}

// withTestClock starts Kanri as kanri serve --test-clock does.
func withTestClock(c *app.Config) { c.TestClock = true }
