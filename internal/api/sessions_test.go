package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/app/apptest"
)

// loginFull signs in and returns the whole answer.
func loginFull(t testing.TB, s *apptest.Server, loginID, password string) (*apptest.Response, string, string) {
	t.Helper()
	res := expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: "/api/v1/auth/login",
		Body: map[string]string{"login_id": loginID, "password": password}, Header: http.Header{"User-Agent": {"kanri-test/1"}}})
	out := decode[struct {
		Token     string `json:"token"`
		SessionID string `json:"session_id"`
	}](t, res)
	return res, out.Token, out.SessionID
}

// coded is the part of a problem that programs read: its code and the
// parameters of its message, beside the detail people read.
type coded struct {
	Detail string         `json:"detail"`
	Code   string         `json:"code"`
	Params map[string]any `json:"params"`
}

// TestLoginRefusalLanguage: a wrong password answers with the stable code,
// and its detail in the language Accept-Language asks for: Japanese for
// ja, English when the header is absent or names neither language.
func TestLoginRefusalLanguage(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		s.Signup("acme")
		const (
			ja = "ログインIDまたはパスワードが正しくありません。入力内容を確かめてください。"
			en = "the login id or the password is wrong"
		)
		for _, tc := range []struct {
			name, accept, want string
		}{
			{"Japanese", "ja", ja},
			{"Japanese of Japan, English second", "ja-JP,ja;q=0.9,en;q=0.8", ja},
			{"no Accept-Language", "", en},
			{"English", "en-US", en},
			{"neither language", "fr", en},
		} {
			h := http.Header{}
			if tc.accept != "" {
				h.Set("Accept-Language", tc.accept)
			}
			res := s.Do(apptest.Request{Method: "POST", Path: "/api/v1/auth/login", Header: h,
				Body: map[string]string{"login_id": "admin@acme.works.example", "password": "not-the-password"}})
			checkProblem(t, res, http.StatusUnauthorized)
			got := decode[coded](t, res)
			if got.Code != "session.bad_login" || got.Params != nil || got.Detail != tc.want {
				t.Errorf("%s: got code %q params %v detail %q, want session.bad_login, no params, %q", tc.name, got.Code, got.Params, got.Detail, tc.want)
			}
		}
	})
}

// TestSessions: members list and end their own sessions, an admin signs
// everyone out, logout ends the session, and the console cookie works like
// the bearer token but not from another site.
func TestSessions(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		hanako := addMember(t, s, a.ID, a.AdminToken, "hanako", "Hanako Yamada", memberPassword)
		_, tok1, ses1 := loginFull(t, s, hanako.LoginID, memberPassword)
		_, tok2, ses2 := loginFull(t, s, hanako.LoginID, memberPassword)
		sessions := func(tok string) []api.Session {
			t.Helper()
			return decode[[]api.Session](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID, "/sessions"), Token: tok}))
		}

		// Mine, with the one making the request marked current.
		list := sessions(tok1)
		if len(list) != 2 {
			t.Fatalf("got %d sessions, want 2: %+v", len(list), list)
		}
		for _, x := range list {
			if want := x.ID == ses1; x.Current != want {
				t.Errorf("session %s: got current=%v, want %v", x.ID, x.Current, want)
			}
			if x.ID != ses1 && x.ID != ses2 {
				t.Errorf("got session %s, which is not hanako's", x.ID)
			}
			if x.IP != "127.0.0.1" || x.UserAgent != "kanri-test/1" || !x.ExpiresAt.After(time.Now()) {
				t.Errorf("session %s: got ip %q user agent %q expires %s", x.ID, x.IP, x.UserAgent, x.ExpiresAt)
			}
		}
		// The admin's own list does not show hanako's sessions.
		for _, x := range sessions(a.AdminToken) {
			if x.ID == ses1 || x.ID == ses2 {
				t.Errorf("the admin's sessions include hanako's %s", x.ID)
			}
		}
		// Nor may the admin end one of them as if it were its own.
		expectProblem(t, s, http.StatusNotFound, apptest.Request{Method: "DELETE", Path: tpath(a.ID, "/sessions/", ses2), Token: a.AdminToken})

		// End the other session: its token stops working, this one not.
		expect(t, s, http.StatusNoContent, apptest.Request{Method: "DELETE", Path: tpath(a.ID, "/sessions/", ses2), Token: tok1})
		expectProblem(t, s, http.StatusUnauthorized, apptest.Request{Method: "GET", Path: tpath(a.ID), Token: tok2})
		if list := sessions(tok1); len(list) != 1 || list[0].ID != ses1 {
			t.Errorf("after ending the other session: got %+v, want only %s", list, ses1)
		}
		expectProblem(t, s, http.StatusNotFound, apptest.Request{Method: "DELETE", Path: tpath(a.ID, "/sessions/", ses2), Token: tok1})

		// Logout ends the session.
		res := expect(t, s, http.StatusNoContent, apptest.Request{Method: "POST", Path: "/api/v1/auth/logout", Token: tok1})
		if c := findCookie(res, "__Host-kanri_session"); c == nil || c.Value != "" || c.Expires.After(time.Now()) {
			t.Errorf("logout: got cookie %+v, want the session cookie cleared", c)
		}
		expectProblem(t, s, http.StatusUnauthorized, apptest.Request{Method: "GET", Path: tpath(a.ID), Token: tok1})
		expectProblem(t, s, http.StatusUnauthorized, apptest.Request{Method: "POST", Path: "/api/v1/auth/logout", Token: tok1})

		// Sign out everyone: every token of the tenant stops working, the caller's too.
		_, tok3, _ := loginFull(t, s, hanako.LoginID, memberPassword)
		_, adminTok2, _ := loginFull(t, s, "admin@acme.works.example", apptest.Password)
		res = expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: tpath(a.ID, "/sessions/revoke"), Token: a.AdminToken})
		if n := decode[struct{ Revoked int }](t, res).Revoked; n != 3 {
			t.Errorf("sign out everyone: got %d sessions ended, want 3", n)
		}
		for _, tok := range []string{tok3, adminTok2, a.AdminToken} {
			expectProblem(t, s, http.StatusUnauthorized, apptest.Request{Method: "GET", Path: tpath(a.ID), Token: tok})
		}

		// Signing a member out everywhere: the member itself may.
		_, tok4, _ := loginFull(t, s, hanako.LoginID, memberPassword)
		res = expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: tpath(a.ID, "/members/", hanako.ID, "/sessions/revoke"), Token: tok4})
		if n := decode[struct{ Revoked int }](t, res).Revoked; n != 1 {
			t.Errorf("sign hanako out: got %d sessions ended, want 1", n)
		}
		expectProblem(t, s, http.StatusUnauthorized, apptest.Request{Method: "GET", Path: tpath(a.ID), Token: tok4})
	})
}

// TestSessionCookie: sign-in sets a __Host- cookie (HttpOnly, Secure,
// SameSite=Lax, Path=/) that authenticates alone; a cross-origin state
// change with it is refused.
func TestSessionCookie(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		res, tok, _ := loginFull(t, s, "admin@acme.works.example", apptest.Password)
		c := findCookie(res, "__Host-kanri_session")
		if c == nil {
			t.Fatalf("sign-in set no __Host-kanri_session cookie; Set-Cookie: %q", res.Header.Values("Set-Cookie"))
		}
		if c.Value != tok || !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
			t.Errorf("got cookie %q, want the token, HttpOnly, Secure, SameSite=Lax, Path=/ and no Domain", res.Header.Get("Set-Cookie"))
		}
		if !c.Expires.After(time.Now()) {
			t.Errorf("cookie expires %s, want the session's end", c.Expires)
		}
		cookie := func(h http.Header) http.Header {
			if h == nil {
				h = http.Header{}
			}
			h.Set("Cookie", c.Name+"="+c.Value)
			return h
		}

		// The cookie alone authenticates, reads and (same-origin) writes.
		got := decode[api.Tenant](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID), Header: cookie(nil)}))
		if got.ID != a.ID {
			t.Errorf("GET with the cookie: got tenant %s, want %s", got.ID, a.ID)
		}
		expect(t, s, http.StatusOK, apptest.Request{Method: "PATCH", Path: tpath(a.ID), Body: map[string]any{"company_name": "Same Origin"},
			Header: cookie(http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {s.URL}})})

		// Cross-origin writes with the cookie are refused (CSRF).
		for _, h := range []http.Header{
			{"Sec-Fetch-Site": {"cross-site"}},
			{"Sec-Fetch-Site": {"same-site"}},
			{"Origin": {"https://evil.example"}},
		} {
			res := s.Do(apptest.Request{Method: "PATCH", Path: tpath(a.ID), Body: map[string]any{"company_name": "Evil"}, Header: cookie(h)})
			if res.Status != http.StatusForbidden {
				t.Errorf("cross-origin PATCH with %v: got status %d, want 403; body: %s", h, res.Status, res.Body)
			}
			res = s.Do(apptest.Request{Method: "POST", Path: "/api/v1/auth/logout", Header: cookie(h)})
			if res.Status != http.StatusForbidden {
				t.Errorf("cross-origin logout with %v: got status %d, want 403; body: %s", h, res.Status, res.Body)
			}
		}
		if got := decode[api.Tenant](t, expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID), Header: cookie(nil)})); got.CompanyName != "Same Origin" {
			t.Errorf("company name: got %q, want %q (unchanged by the cross-origin requests)", got.CompanyName, "Same Origin")
		}
		// Cross-origin reads are allowed (the browser's same-origin policy keeps the answer).
		expect(t, s, http.StatusOK, apptest.Request{Method: "GET", Path: tpath(a.ID), Header: cookie(http.Header{"Sec-Fetch-Site": {"cross-site"}})})

		// A stale cookie does not block signing in; a stale bearer token is refused.
		stale := http.Header{"Cookie": {c.Name + "=kanri_stale"}}
		expect(t, s, http.StatusOK, apptest.Request{Method: "POST", Path: "/api/v1/auth/login", Header: stale,
			Body: map[string]string{"login_id": "admin@acme.works.example", "password": apptest.Password}})
		expectProblem(t, s, http.StatusUnauthorized, apptest.Request{Method: "GET", Path: tpath(a.ID), Header: stale})

		// Logout with the cookie, same-origin: the cookie no longer works.
		res = expect(t, s, http.StatusNoContent, apptest.Request{Method: "POST", Path: "/api/v1/auth/logout", Header: cookie(http.Header{"Sec-Fetch-Site": {"same-origin"}})})
		if cl := findCookie(res, c.Name); cl == nil || cl.Value != "" {
			t.Errorf("logout: got Set-Cookie %q, want the cookie cleared", res.Header.Values("Set-Cookie"))
		}
		expectProblem(t, s, http.StatusUnauthorized, apptest.Request{Method: "GET", Path: tpath(a.ID), Header: cookie(nil)})
	})
}

// findCookie returns the cookie named name that res sets, or nil.
func findCookie(res *apptest.Response, name string) *http.Cookie {
	for _, line := range res.Header.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err == nil && c.Name == name {
			return c
		}
	}
	return nil
}
