package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

type changePasswordInput struct {
	Body struct {
		CurrentPassword string `json:"current_password" doc:"the password you signed in with; a wrong one counts as a failed sign-in" maxLength:"1024"`
		NewPassword     string `json:"new_password" doc:"8 to 256 characters, not only spaces, not one character repeated, not your login id, e-mail or works-group name, not a common password" maxLength:"1024"`
	}
}

type changePasswordResult struct {
	SessionsRevoked int `json:"sessions_revoked" doc:"how many of your other sessions and API tokens ended"`
}

type resetRequestInput struct {
	Body struct {
		LoginID string `json:"login_id" doc:"the member's login id (local@domain)" maxLength:"320"`
	}
}

type resetRequestResult struct {
	Message string `json:"message"`
}

// resetRequested is the one answer to a reset request, whether or not the
// login id exists.
const resetRequested = "If this login id belongs to an active member with a personal e-mail address, a link to reset the password is on its way. It works once, for 30 minutes."

type resetConfirmInput struct {
	Body struct {
		Token    string `json:"token" doc:"the token of the reset link (the token= parameter)" maxLength:"200"`
		Password string `json:"password" doc:"the new password (the policy of /auth/password)" maxLength:"1024"`
	}
}

type resetConfirmResult struct {
	LoginID  string `json:"login_id" doc:"sign in with this login id and the new password"`
	MemberID string `json:"member_id"`
}

type adminResetResult struct {
	MemberID  string    `json:"member_id"`
	ExpiresAt time.Time `json:"expires_at" doc:"when the mailed link expires"`
}

func (s *Server) registerPasswords() {
	register(s, huma.Operation{OperationID: "change-password", Method: http.MethodPost, Path: "/api/v1/auth/password", Tags: []string{"auth"},
		Summary: "Change my password (members and operators); ends my other sessions and API tokens"}, false, s.changePassword)
	register(s, huma.Operation{OperationID: "request-password-reset", Method: http.MethodPost, Path: "/api/v1/auth/password-reset", Tags: []string{"auth"},
		Summary: "Forgot password: mail a reset link (the same answer whether or not the login id exists)", DefaultStatus: http.StatusAccepted}, true, s.requestPasswordReset)
	register(s, huma.Operation{OperationID: "confirm-password-reset", Method: http.MethodPost, Path: "/api/v1/auth/password-reset/confirm", Tags: []string{"auth"},
		Summary: "Set a new password with a reset link's token; ends every session and API token of the member"}, true, s.confirmPasswordReset)
	register(s, huma.Operation{OperationID: "send-password-reset", Method: http.MethodPost, Path: "/api/v1/tenants/{t}/members/{m}/password-reset", Tags: []string{"members"},
		Summary: "Mail a member a password-reset link (needs members.manage and every permission the member holds)", DefaultStatus: http.StatusAccepted}, false, s.sendPasswordReset)
}

func (s *Server) changePassword(ctx context.Context, in *changePasswordInput) (*body[changePasswordResult], error) {
	n, err := s.svc.Passwords.Change(ctx, in.Body.CurrentPassword, in.Body.NewPassword)
	if err != nil {
		return nil, err
	}
	return reply(changePasswordResult{SessionsRevoked: n}), nil
}

func (s *Server) requestPasswordReset(ctx context.Context, in *resetRequestInput) (*body[resetRequestResult], error) {
	if err := s.svc.Passwords.Request(ctx, in.Body.LoginID); err != nil {
		return nil, err
	}
	return reply(resetRequestResult{Message: resetRequested}), nil
}

func (s *Server) confirmPasswordReset(ctx context.Context, in *resetConfirmInput) (*body[resetConfirmResult], error) {
	m, err := s.svc.Passwords.Confirm(ctx, in.Body.Token, in.Body.Password)
	if err != nil {
		return nil, err
	}
	return reply(resetConfirmResult{LoginID: m.LoginID, MemberID: m.ID}), nil
}

func (s *Server) sendPasswordReset(ctx context.Context, in *MemberPath) (*body[adminResetResult], error) {
	r, err := s.svc.Passwords.AdminReset(ctx, in.TenantID, in.MemberID)
	if err != nil {
		return nil, err
	}
	return reply(adminResetResult{MemberID: r.MemberID, ExpiresAt: r.ExpiresAt}), nil
}

// skipIdempotency exempts the sign-ins, whose answer is a bearer token, and
// the routes whose body carries a password: the stored request hash would
// be a fast, unsalted hash of it. A retried reset request or admin reset
// is replayed (no second mail).
func skipIdempotency(r *http.Request) bool {
	switch r.URL.Path {
	case "/api/v1/auth/password", "/api/v1/auth/password-reset/confirm", "/api/v1/auth/accept-invitation":
		return true
	}
	return strings.HasSuffix(r.URL.Path, "/login")
}
