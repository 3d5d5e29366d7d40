package api_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/app/apptest"
)

func withKey(key string) http.Header { return http.Header{"Idempotency-Key": {key}} }

// TestIdempotency retries mutating calls with an Idempotency-Key: the same
// request replays the first answer, another request with the key is
// refused, and keys of different callers never meet.
func TestIdempotency(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a, b := s.Signup("acme"), s.Signup("bravo")
		members := func(ten *apptest.Tenant) []api.Member {
			return listAll[api.Member](t, s, ten.AdminToken, tpath(ten.ID, "/members"))
		}
		hanako := map[string]any{"login_id": "hanako", "display_name": "Hanako Yamada", "email": "hanako@acme.example"}
		add := apptest.Request{Method: "POST", Path: tpath(a.ID, "/members"), Token: a.AdminToken, Body: hanako, Header: withKey("add-hanako")}

		first := expect(t, s, http.StatusCreated, add)
		if got := first.Header.Get("Idempotent-Replayed"); got != "" {
			t.Errorf("first answer: got Idempotent-Replayed %q, want none", got)
		}
		token := decode[struct {
			InvitationToken string `json:"invitation_token"`
		}](t, first).InvitationToken
		if token == "" {
			t.Errorf("first answer has no invitation token: %s", first.Body)
		}
		second := expect(t, s, http.StatusCreated, add)
		if got := second.Header.Get("Idempotent-Replayed"); got != "true" {
			t.Errorf("retry: got Idempotent-Replayed %q, want true", got)
		}
		// The invitation token is handed out once: the replay has null in its place.
		if want := strings.Replace(string(first.Body), `"`+token+`"`, "null", 1); string(second.Body) != want {
			t.Errorf("retry: got body\n%s\nwant the first answer without its token\n%s", second.Body, want)
		}
		if got, want := second.Header.Get("Content-Type"), first.Header.Get("Content-Type"); got != want {
			t.Errorf("retry: got Content-Type %q, want %q", got, want)
		}
		if got := len(members(a)); got != 2 {
			t.Errorf("after a retried add: got %d members, want 2 (admin and hanako)", got)
		}

		// The same key with another body, or on another path, is refused.
		other := add
		other.Body = map[string]any{"login_id": "taro", "display_name": "Taro Yamada"}
		p := expectProblem(t, s, http.StatusUnprocessableEntity, other)
		if !strings.Contains(p.Detail, "Idempotency-Key") {
			t.Errorf("got detail %q, want it to name the Idempotency-Key", p.Detail)
		}
		other = add
		other.Path = tpath(a.ID, "/roles")
		other.Body = map[string]any{"name": "helpers", "permissions": []string{"audit.read"}}
		expectProblem(t, s, http.StatusUnprocessableEntity, other)
		if got := len(members(a)); got != 2 {
			t.Errorf("after refused reuses of the key: got %d members, want 2", got)
		}

		// Another caller's key is its own: tenant B adds its own hanako with
		// the same key, and another admin of A sending A's exact request is
		// not answered with the first caller's 201 but runs it (409: taken).
		forB := apptest.Request{Method: "POST", Path: tpath(b.ID, "/members"), Token: b.AdminToken, Body: hanako, Header: withKey("add-hanako")}
		res := expect(t, s, http.StatusCreated, forB)
		if got := res.Header.Get("Idempotent-Replayed"); got != "" {
			t.Errorf("tenant B's first use of the key: got Idempotent-Replayed %q, want none", got)
		}
		if m := decode[api.Member](t, res); m.LoginID != "hanako@bravo.works.example" {
			t.Errorf("tenant B's member: got login id %s, want hanako@bravo.works.example", m.LoginID)
		}
		if got := len(members(b)); got != 2 {
			t.Errorf("tenant B: got %d members, want 2", got)
		}
		adminRole := builtinRole(t, s, a, "admin")
		addMember(t, s, a.ID, a.AdminToken, "jiro", "Jiro Sato", memberPassword, adminRole)
		jiro := s.Login("jiro@acme.works.example", memberPassword)
		again := add
		again.Token = jiro
		res = s.Do(again)
		if res.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("another admin's use of the key was answered from the first admin's: %d %s", res.Status, res.Body)
		}
		if p := checkProblem(t, res, http.StatusConflict); !slices.Contains(p.locations(), "body.login_id") {
			t.Errorf("got error locations %v, want body.login_id", p.locations())
		}

		// Errors are replayed too (4xx are final answers), 5xx never happen here.
		taken := apptest.Request{Method: "POST", Path: tpath(a.ID, "/members"), Token: a.AdminToken, Body: hanako, Header: withKey("add-hanako-again")}
		first = s.Do(taken)
		checkProblem(t, first, http.StatusConflict)
		second = s.Do(taken)
		checkProblem(t, second, http.StatusConflict)
		if second.Header.Get("Idempotent-Replayed") != "true" || string(second.Body) != string(first.Body) {
			t.Errorf("retried 409: got replayed=%q body %s, want true and %s", second.Header.Get("Idempotent-Replayed"), second.Body, first.Body)
		}

		// GET ignores the header: it answers the current state every time.
		list := apptest.Request{Method: "GET", Path: tpath(a.ID, "/members"), Token: a.AdminToken, Header: withKey("add-hanako")}
		before := decode[page[api.Member]](t, expect(t, s, http.StatusOK, list))
		addMember(t, s, a.ID, a.AdminToken, "saburo", "Saburo Ito", "")
		res = expect(t, s, http.StatusOK, list)
		if got := res.Header.Get("Idempotent-Replayed"); got != "" {
			t.Errorf("GET with the header: got Idempotent-Replayed %q, want none", got)
		}
		if after := decode[page[api.Member]](t, res); len(after.Items) != len(before.Items)+1 {
			t.Errorf("GET with the header: got %d members, then %d after an add; want one more", len(before.Items), len(after.Items))
		}

		// A key longer than 255 characters is refused.
		long := add
		long.Header = withKey(strings.Repeat("k", 256))
		expectProblem(t, s, http.StatusUnprocessableEntity, long)
	})
}

// TestIdempotencyConcurrent sends one request 64 times at once with one
// key: exactly one runs; the others are told it is still running or get
// its stored answer.
func TestIdempotencyConcurrent(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		ten := s.Signup("acme")
		add := apptest.Request{Method: "POST", Path: tpath(ten.ID, "/members"), Token: ten.AdminToken, Header: withKey("one-add"),
			Body: map[string]any{"login_id": "hanako", "display_name": "Hanako", "password": memberPassword}}
		var (
			wg     sync.WaitGroup
			mu     sync.Mutex
			counts = map[string]int{}
		)
		for range 64 {
			wg.Go(func() {
				res := s.Do(add)
				outcome := fmt.Sprintf("%d replayed=%s", res.Status, res.Header.Get("Idempotent-Replayed"))
				mu.Lock()
				defer mu.Unlock()
				counts[outcome]++
			})
		}
		wg.Wait()
		if counts["201 replayed="] != 1 || counts["201 replayed="]+counts["201 replayed=true"]+counts["409 replayed="] != 64 {
			t.Errorf("outcomes %v: want one 201 that ran, the rest 409 or replayed 201s", counts)
		}
		if got := len(listAll[api.Member](t, s, ten.AdminToken, tpath(ten.ID, "/members"))); got != 2 {
			t.Errorf("%d members, want 2 (admin and hanako)", got)
		}
	})
}
