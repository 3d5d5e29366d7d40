package api_test

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/api"
	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/jobs"
	"github.com/kanri/kanri/internal/notify"
)

var resetTokenRE = regexp.MustCompile(`token=(pwr_[0-9A-Za-z]+)`)

// resetTokens returns the tokens of the reset mails to address, newest
// first, once the requests' jobs have run.
func resetTokens(t *testing.T, s *apptest.Server, address string) []string {
	t.Helper()
	s.Work(jobs.PasswordResetArgs{}.Kind())
	mails, err := s.App.DB.ListMails(context.Background(), notify.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range mails {
		if m.Template == "password_reset" && m.To == address {
			out = append(out, resetTokenRE.FindStringSubmatch(m.Text)[1])
		}
	}
	return out
}

// wantProblem fails t unless res is a problem with status whose text says want.
func wantProblem(t *testing.T, what string, res *apptest.Response, status int, want string) {
	t.Helper()
	if res.Status != status || !strings.Contains(string(res.Body), want) {
		t.Errorf("%s: %d %s, want %d saying %q", what, res.Status, clip(res.Body), status, want)
	}
}

// TestPasswordChange: POST /auth/password checks the current password and
// the policy, ends the member's other sessions, and is never replayed by
// Idempotency-Key (its body holds passwords).
func TestPasswordChange(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		hanako := addMember(t, s, a.ID, a.AdminToken, "hanako", "Hanako Yamada", memberPassword)
		tok, other := s.Login(hanako.LoginID, memberPassword), s.Login(hanako.LoginID, memberPassword)
		change := func(current, next string, h http.Header) *apptest.Response {
			return s.Do(apptest.Request{Method: "POST", Path: "/api/v1/auth/password", Token: tok, Header: h,
				Body: map[string]string{"current_password": current, "new_password": next}})
		}
		wantProblem(t, "wrong current", change("nope", "a new and quiet river", nil), 422, "current password is wrong")
		res := change(memberPassword, "aaaaaaaa", nil)
		wantProblem(t, "aaaaaaaa", res, 422, "one character repeated")
		checkGolden(t, "password-change-refused", res)
		wantProblem(t, "login id", change(memberPassword, hanako.LoginID, nil), 422, "your login id")
		wantProblem(t, "anonymous", s.Do(apptest.Request{Method: "POST", Path: "/api/v1/auth/password",
			Body: map[string]string{"current_password": memberPassword, "new_password": "a new and quiet river"}}), 401, "sign in")

		key := http.Header{"Idempotency-Key": {"change-1"}}
		res = change(memberPassword, "a new and quiet river", key)
		if got := decode[struct {
			SessionsRevoked int `json:"sessions_revoked"`
		}](t, res); res.Status != 200 || got.SessionsRevoked != 1 {
			t.Fatalf("change: %d %s, want 200 with 1 session revoked", res.Status, res.Body)
		}
		wantProblem(t, "the same request and key again", change(memberPassword, "a new and quiet river", key), 422, "current password is wrong")
		expect(t, s, 401, apptest.Request{Method: "GET", Path: tpath(a.ID, "/sessions"), Token: other})
		expect(t, s, 200, apptest.Request{Method: "GET", Path: tpath(a.ID, "/sessions"), Token: tok})
		s.Login(hanako.LoginID, "a new and quiet river")
	})
}

// TestPasswordReset: "forgot password" answers the same for every login
// id, is rate-limited, and its mailed token sets a new password once.
func TestPasswordReset(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		request := func(login string, h http.Header) apptest.Request {
			return apptest.Request{Method: "POST", Path: "/api/v1/auth/password-reset", Header: h, Body: map[string]string{"login_id": login}}
		}
		known := expect(t, s, http.StatusAccepted, request("admin@"+a.Domain, nil))
		unknown := expect(t, s, http.StatusAccepted, request("nobody@"+a.Domain, nil))
		if !bytes.Equal(known.Body, unknown.Body) {
			t.Errorf("answers differ: %s vs %s", known.Body, unknown.Body)
		}
		checkGolden(t, "password-reset-requested", unknown)
		key := http.Header{"Idempotency-Key": {"forgot-1"}}
		expect(t, s, http.StatusAccepted, request("admin@"+a.Domain, key))
		expect(t, s, http.StatusAccepted, request("admin@"+a.Domain, key)) // replayed: no third mail
		tokens := resetTokens(t, s, "admin@acme.example.com")
		if len(tokens) != 2 {
			t.Fatalf("%d reset mails, want 2", len(tokens))
		}
		for range 3 {
			expect(t, s, http.StatusAccepted, request("admin@"+a.Domain, nil))
		}
		res := s.Do(request("admin@"+a.Domain, nil))
		wantProblem(t, "the sixth request", res, http.StatusTooManyRequests, "too many password-reset requests")
		if res.Header.Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}

		confirm := func(token, pw string) *apptest.Response {
			return s.Do(apptest.Request{Method: "POST", Path: "/api/v1/auth/password-reset/confirm", Body: map[string]string{"token": token, "password": pw}})
		}
		wantProblem(t, "eight spaces", confirm(tokens[0], "        "), 422, "only spaces")
		wantProblem(t, "a good password", confirm(tokens[0], "acme-works"), 200, `"login_id":"admin@`)
		wantProblem(t, "the older link after the reset", confirm(tokens[1], "another quiet river"), 404, "forgot password")
		wantProblem(t, "the link again", confirm(tokens[0], "another quiet river"), 404, "already used")
		s.Login("admin@"+a.Domain, "acme-works")
		expect(t, s, 401, apptest.Request{Method: "GET", Path: tpath(a.ID, "/sessions"), Token: a.AdminToken})
	})
}

// TestPasswordAdminReset: a member_manager mails a plain member a link,
// but not the super admin or another admin with more permissions.
func TestPasswordAdminReset(t *testing.T) {
	t.Parallel()
	onEachEngine(t, nil, func(t *testing.T, s *apptest.Server) {
		a := s.Signup("acme")
		add := func(login, role string) api.Member {
			body := map[string]any{"login_id": login, "display_name": login, "email": login + "@example.com", "password": memberPassword}
			if role != "" {
				body["role_ids"] = []string{builtinRole(t, s, a, role)}
			}
			return decode[api.Member](t, expect(t, s, http.StatusCreated, apptest.Request{Method: "POST", Path: tpath(a.ID, "/members"), Token: a.AdminToken, Body: body}))
		}
		manager, admin, plain := add("manager", "member_manager"), add("second", "admin"), add("plain", "")
		managerTok := s.Login(manager.LoginID, memberPassword)
		send := func(tok, memberID string) apptest.Request {
			return apptest.Request{Method: "POST", Path: tpath(a.ID, "/members/", memberID, "/password-reset"), Token: tok}
		}
		wantProblem(t, "manager → super admin", s.Do(send(managerTok, a.AdminID)), 403, "only the super admin")
		wantProblem(t, "manager → admin", s.Do(send(managerTok, admin.ID)), 403, "permissions you do not hold")
		wantProblem(t, "plain → manager", s.Do(send(s.Login(plain.LoginID, memberPassword), manager.ID)), 403, "members.manage")
		res := expect(t, s, http.StatusAccepted, send(managerTok, plain.ID))
		if got := decode[struct {
			MemberID string `json:"member_id"`
		}](t, res); got.MemberID != plain.ID || strings.Contains(string(res.Body), "pwr_") {
			t.Errorf("answer %s: want the member's id and no token", res.Body)
		}
		expect(t, s, http.StatusAccepted, send(a.AdminToken, admin.ID))
		if n := len(resetTokens(t, s, "plain@example.com")); n != 1 {
			t.Errorf("%d mails to plain, want 1", n)
		}
	})
}
