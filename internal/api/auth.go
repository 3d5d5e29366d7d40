package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/session"
)

type loginInput struct {
	Body struct {
		LoginID  string `json:"login_id" doc:"member login id (local@domain); for /ops/login the operator's e-mail" maxLength:"320"`
		Password string `json:"password" maxLength:"1024"`
	}
}

type loginResult struct {
	Token     Secret    `json:"token,omitempty" doc:"bearer token; also set as the session cookie. Absent when two_factor_required"`
	ExpiresAt time.Time `json:"expires_at" doc:"when the session ends; with two_factor_required, when the pending token does"`
	SessionID string    `json:"session_id,omitempty"`
	TenantID  string    `json:"tenant_id,omitempty"`
	MemberID  string    `json:"member_id,omitempty"`
	TwoFactor
}

type loginOutput struct {
	SetCookie string `header:"Set-Cookie"`
	Body      loginResult
}

type logoutOutput struct {
	SetCookie http.Cookie `header:"Set-Cookie"`
}

type acceptInput struct {
	Body struct {
		Token    string `json:"token" doc:"the invitation token" maxLength:"200"`
		Password string `json:"password" doc:"the password to sign in with from now on" maxLength:"1024"`
	}
}

func (s *Server) registerAuth() {
	register(s, huma.Operation{OperationID: "login", Method: http.MethodPost, Path: "/api/v1/auth/login", Tags: []string{"auth"},
		Summary: "Sign in as a member"}, true, func(ctx context.Context, in *loginInput) (*loginOutput, error) {
		r, err := s.svc.Sessions.SignIn(ctx, in.Body.LoginID, in.Body.Password, session.ClientOf(ctx))
		if err != nil {
			return nil, err
		}
		return s.signedIn(r), nil
	})
	register(s, huma.Operation{OperationID: "logout", Method: http.MethodPost, Path: "/api/v1/auth/logout", Tags: []string{"auth"},
		Summary: "Sign out: end this session", DefaultStatus: http.StatusNoContent}, false, func(ctx context.Context, _ *struct{}) (*logoutOutput, error) {
		if err := s.svc.Sessions.Logout(ctx); err != nil {
			return nil, err
		}
		return &logoutOutput{SetCookie: s.cookie("", time.Unix(0, 0))}, nil
	})
	register(s, huma.Operation{OperationID: "accept-invitation", Method: http.MethodPost, Path: "/api/v1/auth/accept-invitation", Tags: []string{"auth"},
		Summary: "Accept an invitation and choose a password"}, true, func(ctx context.Context, in *acceptInput) (*body[Member], error) {
		m, err := s.svc.Members.AcceptInvitation(ctx, in.Body.Token, in.Body.Password)
		if err != nil {
			return nil, err
		}
		return reply(toMember(m)), nil
	})
	register(s, huma.Operation{OperationID: "ops-login", Method: http.MethodPost, Path: "/api/v1/ops/login", Tags: []string{"ops"},
		Summary: "Sign in as an operator"}, true, func(ctx context.Context, in *loginInput) (*loginOutput, error) {
		token, sess, err := s.svc.Sessions.LoginOperator(ctx, in.Body.LoginID, in.Body.Password, session.ClientOf(ctx))
		if err != nil {
			return nil, err
		}
		return s.loginOutput(token, sess), nil
	})
	s.registerSessions()
	s.registerTwoFactor()
}

func (s *Server) loginOutput(token string, sess *session.Session) *loginOutput {
	ck := s.cookie(token, sess.ExpiresAt)
	return &loginOutput{SetCookie: ck.String(),
		Body: loginResult{Token: Secret(token), ExpiresAt: sess.ExpiresAt, SessionID: sess.ID, TenantID: sess.TenantID, MemberID: sess.MemberID}}
}

func (s *Server) cookie(token string, expires time.Time) http.Cookie {
	return SessionCookie(s.cfg.Cookie, token, expires)
}

// SessionCookie is the console session cookie named name: HttpOnly,
// SameSite=Lax, and Secure with the __Host- prefix unless the server runs in
// plain-HTTP development mode. An empty token with a zero expiry clears it.
func SessionCookie(name, token string, expires time.Time) http.Cookie {
	c := http.Cookie{Name: name, Value: token, Path: "/", Expires: expires, HttpOnly: true,
		Secure: strings.HasPrefix(name, "__Host-"), SameSite: http.SameSiteLaxMode}
	if token == "" {
		c.MaxAge = -1
	}
	return c
}

// SessionPath names one session of the caller's in a path.
type SessionPath struct {
	TenantPath
	SessionID string `path:"s" doc:"session id (ses_…)"`
}

type revokedOutput struct {
	Body struct {
		Revoked int `json:"revoked" doc:"how many sessions ended"`
	}
}

func revoked(n int) *revokedOutput {
	out := &revokedOutput{}
	out.Body.Revoked = n
	return out
}

func (s *Server) registerSessions() {
	register(s, huma.Operation{OperationID: "list-my-sessions", Method: http.MethodGet, Path: "/api/v1/tenants/{t}/sessions", Tags: []string{"sessions"},
		Summary: "List my signed-in sessions"}, false, func(ctx context.Context, in *TenantPath) (*body[[]Session], error) {
		list, err := s.svc.Sessions.Mine(ctx, in.TenantID)
		if err != nil {
			return nil, err
		}
		current := auth.FromContext(ctx).SessionID
		return reply(mapSlice(list, func(x *session.Session) Session { return toSession(x, current) })), nil
	})
	register(s, huma.Operation{OperationID: "revoke-my-session", Method: http.MethodDelete, Path: "/api/v1/tenants/{t}/sessions/{s}", Tags: []string{"sessions"},
		Summary: "End one of my sessions", DefaultStatus: http.StatusNoContent}, false, func(ctx context.Context, in *SessionPath) (*struct{}, error) {
		return nil, s.svc.Sessions.RevokeMine(ctx, in.TenantID, in.SessionID)
	})
	register(s, huma.Operation{OperationID: "revoke-tenant-sessions", Method: http.MethodPost, Path: "/api/v1/tenants/{t}/sessions/revoke", Tags: []string{"sessions"},
		Summary: "Sign out everyone in the tenant (needs sessions.manage)"}, false, func(ctx context.Context, in *TenantPath) (*revokedOutput, error) {
		n, err := s.svc.Sessions.RevokeTenant(ctx, in.TenantID)
		return revoked(n), err
	})
	register(s, huma.Operation{OperationID: "revoke-member-sessions", Method: http.MethodPost, Path: "/api/v1/tenants/{t}/members/{m}/sessions/revoke", Tags: []string{"sessions"},
		Summary: "Sign a member out everywhere (yourself, or anyone with sessions.manage)"}, false, func(ctx context.Context, in *MemberPath) (*revokedOutput, error) {
		n, err := s.svc.Sessions.RevokeMember(ctx, in.TenantID, in.MemberID)
		return revoked(n), err
	})
}
