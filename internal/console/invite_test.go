package console_test

import (
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
)

// TestInvitePage walks the page an invitation mail links to: the form, a
// refused password shown next to the field, success, and signing in.
func TestInvitePage(t *testing.T) {
	s := apptest.Start(t, filepath.Join(t.TempDir(), "kanri.db"), nil)
	ten := s.Signup("acme")
	res := s.Do(apptest.Request{Method: "POST", Path: "/api/v1/tenants/" + ten.ID + "/members", Token: ten.AdminToken,
		Body: map[string]string{"login_id": "hanako", "display_name": "山田 花子"}})
	var added struct {
		Token string `json:"invitation_token"`
	}
	res.Decode(t, &added)
	if added.Token == "" {
		t.Fatalf("no invitation token: %s", res.Body)
	}
	noRedirect := s.Client()
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	get := func(path string) (int, string) {
		t.Helper()
		r, err := noRedirect.Get(s.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, err := io.ReadAll(r.Body)
		if err != nil {
			t.Fatal(err)
		}
		return r.StatusCode, string(b)
	}
	post := func(password string, header http.Header) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("POST", s.URL+"/invite", strings.NewReader(url.Values{"token": {added.Token}, "password": {password}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range header {
			req.Header[k] = v
		}
		r, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		return r
	}

	status, page := get("/invite?token=" + url.QueryEscape(added.Token))
	if status != http.StatusOK || !strings.Contains(page, `value="`+added.Token+`"`) || !strings.Contains(page, `<label for="password">`) {
		t.Fatalf("GET /invite: %d, form with the token and a labelled password field expected:\n%s", status, page)
	}
	if r := post("password1", http.Header{"Sec-Fetch-Site": {"cross-site"}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: got %d, want 403", r.StatusCode)
	}
	if r := post("short", nil); r.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("short password: got %d, want 422", r.StatusCode)
	}
	r := post("hanako-password-1", nil)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("good password: got %d, want 303", r.StatusCode)
	}
	status, page = get(r.Header.Get("Location"))
	if status != http.StatusOK || !strings.Contains(page, "hanako@acme.works.example") {
		t.Errorf("done page: %d, want the login id shown:\n%s", status, page)
	}
	s.Login("hanako@acme.works.example", "hanako-password-1")
	if r := post("hanako-password-2", nil); r.StatusCode != http.StatusNotFound {
		t.Errorf("second use of the token: got %d, want 404 (refused, as the API answers)", r.StatusCode)
	}
}
