package api_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/app/apptest"
)

// oversized is a PATCH tenant body just over 1 MiB.
func oversized() []byte {
	return []byte(`{"company_name": "` + strings.Repeat("x", 1<<20) + `"}`)
}

// TestBodyLimit: JSON bodies over 1 MiB are refused with 413, whether the
// size is announced or not; member imports may be up to 64 MiB.
func TestBodyLimit(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		tenantBefore := expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID), Token: a.AdminToken}).Body

		for _, tc := range []struct {
			name    string
			chunked bool
			header  http.Header
		}{
			{name: "content-length"},
			{name: "chunked", chunked: true},
			{name: "chunked with idempotency key", chunked: true, header: withKey("big")},
		} {
			res := sendRaw(t, s, "PATCH", tpath(a.ID), a.AdminToken, "application/json", oversized(), tc.chunked, tc.header)
			p := checkProblem(t, res, http.StatusRequestEntityTooLarge)
			if !strings.Contains(p.Detail, "1 MiB") {
				t.Errorf("%s: got detail %q, want it to say the limit (1 MiB)", tc.name, p.Detail)
			}
		}
		// A body of exactly 1 MiB is within the limit: it gets as far as
		// validation (company_name is too long), with or without its length.
		exact := []byte(`{"company_name": "` + strings.Repeat("x", 1<<20-20) + `"}`)
		if len(exact) != 1<<20 {
			t.Fatalf("got a body of %d bytes, want exactly 1 MiB", len(exact))
		}
		for _, chunked := range []bool{false, true} {
			res := sendRaw(t, s, "PATCH", tpath(a.ID), a.AdminToken, "application/json", exact, chunked, nil)
			checkProblem(t, res, http.StatusUnprocessableEntity)
		}
		tenantAfter := expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID), Token: a.AdminToken}).Body
		if string(tenantAfter) != string(tenantBefore) {
			t.Errorf("a refused PATCH changed the tenant:\n%s\nto\n%s", tenantBefore, tenantAfter)
		}

		// A CSV import over 1 MiB (and far under 64 MiB) goes through, on a
		// plan without the free plan's 30-member cap, creating the
		// departments and the position it names.
		s.PayMonthly(a)
		const rows = 15_000
		var csv bytes.Buffer
		csv.WriteString("login_id,display_name,email,department,position\n")
		for i := range rows {
			fmt.Fprintf(&csv, "user%05d,Imported Member %05d,user%05d@acme.example,Department of Imports %d,Staff\n", i, i, i, i%20)
		}
		if csv.Len() <= 1<<20 {
			t.Fatalf("the import file has %d bytes, want over 1 MiB", csv.Len())
		}
		res := expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: tpath(a.ID, "/members/import?create_missing=true"), Token: a.AdminToken, Body: csv.Bytes()})
		if got := decode[struct{ Imported int }](t, res).Imported; got != rows {
			t.Errorf("imported %d members, want %d", got, rows)
		}
		invited := listAll[api.Member](t, s, a.AdminToken, tpath(a.ID, "/members?status=invited&limit=500"))
		if len(invited) != rows {
			t.Errorf("got %d invited members after the import, want %d", len(invited), rows)
		}
		last := slices.IndexFunc(invited, func(m api.Member) bool { return m.LoginID == fmt.Sprintf("user%05d@acme.works.example", rows-1) })
		if last < 0 || invited[last].Department != fmt.Sprintf("Department of Imports %d", (rows-1)%20) || invited[last].Position != "Staff" {
			t.Errorf("the last line's member (index %d): want it in Department of Imports %d as Staff", last, (rows-1)%20)
		}
	})
}

// sendRaw sends body as is; chunked hides its length from the server.
func sendRaw(t *testing.T, s *apptest.Server, method, path, token, contentType string, body []byte, chunked bool, header http.Header) *apptest.Response {
	t.Helper()
	var r io.Reader = bytes.NewReader(body)
	if chunked {
		r = io.MultiReader(r) // not a *bytes.Reader: no Content-Length
	}
	req, err := http.NewRequest(method, s.URL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", contentType)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &apptest.Response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// TestLoginRateLimit: ten failed sign-ins to one account lock it for the
// window, correct password included; a hundred failures from one IP lock
// every account for that IP.
func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		addMember(t, s, a.ID, a.AdminToken, "hanako", "Hanako Yamada", memberPassword)
		login := func(loginID, password string) *apptest.Response {
			return s.Do(apptest.Request{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"login_id": loginID, "password": password}})
		}
		admin := "admin@acme.works.example"
		failures := 0
		for i := range 10 {
			res := login(admin, fmt.Sprintf("wrong-password-%d", i))
			if res.Status != http.StatusUnauthorized {
				t.Fatalf("failed sign-in %d: got status %d, want 401; body: %s", i+1, res.Status, res.Body)
			}
			failures++
		}
		checkProblem(t, login(admin, "wrong-password-again"), http.StatusTooManyRequests)
		res := login(admin, apptest.Password)
		p := checkProblem(t, res, http.StatusTooManyRequests)
		if !strings.Contains(p.Detail, "wait") {
			t.Errorf("got detail %q, want it to say to wait", p.Detail)
		}
		if res.Header.Get("Retry-After") == "" {
			t.Errorf("429 without a Retry-After header")
		}
		// In Japanese, with the wait in minutes as a parameter for programs.
		res = s.Do(apptest.Request{Method: "POST", Path: "/api/v1/auth/login", Header: http.Header{"Accept-Language": {"ja"}},
			Body: map[string]string{"login_id": admin, "password": apptest.Password}})
		checkProblem(t, res, http.StatusTooManyRequests)
		got := decode[coded](t, res)
		minutes, _ := got.Params["minutes"].(float64)
		if got.Code != "session.too_many_sign_ins" || minutes < 1 || minutes > 15 ||
			!strings.HasPrefix(got.Detail, "ログインの失敗が続いたため、一時的にログインできません。") ||
			!strings.Contains(got.Detail, fmt.Sprintf("%d分ほど待って", int(minutes))) {
			t.Errorf("locked account in Japanese: got code %q params %v detail %q, want session.too_many_sign_ins with the minutes to wait", got.Code, got.Params, got.Detail)
		}
		// Other accounts from this IP still sign in, and the locked one's
		// tokens issued before keep working.
		expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: "/api/v1/auth/login", Body: map[string]string{"login_id": "hanako@acme.works.example", "password": memberPassword}})
		expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID), Token: a.AdminToken})

		// Per IP: 100 failures in all, over accounts that each stay under 10.
		// Each failure costs a password hash's time: -short skips this.
		if testing.Short() {
			return
		}
		for i := 0; failures < 100; i++ {
			res := login(fmt.Sprintf("ghost%03d@acme.works.example", i), "wrong-password")
			if res.Status != http.StatusUnauthorized {
				t.Fatalf("failed sign-in %d: got status %d, want 401; body: %s", failures+1, res.Status, res.Body)
			}
			failures++
		}
		checkProblem(t, login("ghost-new@acme.works.example", "wrong-password"), http.StatusTooManyRequests)
		checkProblem(t, login("hanako@acme.works.example", memberPassword), http.StatusTooManyRequests)
	})
}
