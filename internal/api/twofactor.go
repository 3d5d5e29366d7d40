package api

import (
	"context"
	"encoding/base64"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kanri/kanri/internal/session"
)

// TwoFactor is what a sign-in answer says about two-factor sign-in.
type TwoFactor struct {
	Required      bool   `json:"two_factor_required,omitempty" doc:"the password was right; send pending_token and a code to /api/v1/auth/login/two-factor"`
	PendingToken  Secret `json:"pending_token,omitempty" doc:"single-use, for 5 minutes"`
	EnrolRequired bool   `json:"two_factor_enrolment_required,omitempty" doc:"the tenant requires two-factor sign-in: until it is on (/api/v1/auth/two-factor/enrol), this session may only turn it on or sign out"`
}

// signedIn is the answer to a right password: the session, or the second step.
func (s *Server) signedIn(r *session.Result) *loginOutput {
	if r.Session == nil {
		return &loginOutput{Body: loginResult{ExpiresAt: r.PendingExpiresAt, TwoFactor: TwoFactor{Required: true, PendingToken: Secret(r.PendingToken)}}}
	}
	out := s.loginOutput(r.Token, r.Session)
	out.Body.EnrolRequired = r.EnrolTwoFactor
	return out
}

type secondStepInput struct {
	Body struct {
		PendingToken string `json:"pending_token" maxLength:"200"`
		Code         string `json:"code,omitempty" doc:"the 6 digits the authenticator app shows" maxLength:"20"`
		RecoveryCode string `json:"recovery_code,omitempty" doc:"instead of code: one of the recovery codes, once each" maxLength:"40"`
	}
}

// TwoFactorStatus is the caller's own two-factor state.
type TwoFactorStatus struct {
	Enabled           bool       `json:"enabled"`
	Required          bool       `json:"required" doc:"the tenant's policy requires it of you"`
	RecoveryCodesLeft int        `json:"recovery_codes_left"`
	Enrolment         *Enrolment `json:"enrolment,omitempty" doc:"a set-up waiting for its first code"`
}

// Enrolment is what an authenticator app needs.
type Enrolment struct {
	Secret     Secret `json:"secret" doc:"base32, to type in by hand"`
	OTPAuthURL Secret `json:"otpauth_url" doc:"carries the secret"`
	QRCode     Secret `json:"qr_code" doc:"the otpauth URL as a PNG QR code, a data: URL"`
}

func toEnrolment(e *session.Enrolment) *Enrolment {
	if e == nil {
		return nil
	}
	return &Enrolment{Secret: Secret(e.Secret), OTPAuthURL: Secret(e.URL), QRCode: Secret(QRDataURL(e.QRCode))}
}

// QRDataURL is a PNG as a data: URL, which the console's CSP allows as an image.
func QRDataURL(png []byte) string {
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)
}

type codeInput struct {
	Body struct {
		Code string `json:"code" doc:"the 6 digits the authenticator app shows" maxLength:"20"`
	}
}

type proofInput struct {
	Body struct {
		Password string `json:"password,omitempty" doc:"your password, or else" maxLength:"1024"`
		Code     string `json:"code,omitempty" doc:"a current code" maxLength:"20"`
	}
}

type recoveryCodes struct {
	RecoveryCodes []Secret `json:"recovery_codes" doc:"shown only now: each signs in once instead of a code"`
}

// Policy is a tenant's two-factor requirement.
type Policy struct {
	Required string `json:"two_factor_required" enum:"off,admins,everyone" doc:"whom the tenant requires to sign in with two factors"`
}

type policyInput struct {
	TenantPath
	Body Policy
}

func (s *Server) registerTwoFactor() {
	tags := []string{"two-factor"}
	register(s, huma.Operation{OperationID: "login-two-factor", Method: http.MethodPost, Path: "/api/v1/auth/login/two-factor", Tags: []string{"auth"},
		Summary: "Sign in, second step: the pending token and a code (or a recovery code)"}, true, s.loginTwoFactor)
	register(s, huma.Operation{OperationID: "get-my-two-factor", Method: http.MethodGet, Path: "/api/v1/auth/two-factor", Tags: tags,
		Summary: "My two-factor sign-in"}, false, s.myTwoFactor)
	register(s, huma.Operation{OperationID: "enrol-two-factor", Method: http.MethodPost, Path: "/api/v1/auth/two-factor/enrol", Tags: tags,
		Summary: "Start setting up two-factor sign-in: a new TOTP key, on once confirmed"}, false, s.enrolTwoFactor)
	register(s, huma.Operation{OperationID: "confirm-two-factor", Method: http.MethodPost, Path: "/api/v1/auth/two-factor/confirm", Tags: tags,
		Summary: "Turn two-factor sign-in on with a first code; answers the recovery codes"}, false, s.confirmTwoFactor)
	register(s, huma.Operation{OperationID: "disable-two-factor", Method: http.MethodPost, Path: "/api/v1/auth/two-factor/disable", Tags: tags,
		Summary: "Turn two-factor sign-in off (your password or a code)", DefaultStatus: http.StatusNoContent}, false, s.disableTwoFactor)
	register(s, huma.Operation{OperationID: "regenerate-recovery-codes", Method: http.MethodPost, Path: "/api/v1/auth/two-factor/recovery-codes", Tags: tags,
		Summary: "Replace my recovery codes (your password or a code)"}, false, s.regenerateRecoveryCodes)
	register(s, huma.Operation{OperationID: "get-two-factor-policy", Method: http.MethodGet, Path: "/api/v1/tenants/{t}/two-factor-policy", Tags: tags,
		Summary: "Whom the tenant requires to sign in with two factors"}, false, s.twoFactorPolicy)
	register(s, huma.Operation{OperationID: "set-two-factor-policy", Method: http.MethodPut, Path: "/api/v1/tenants/{t}/two-factor-policy", Tags: tags,
		Summary: "Require two-factor sign-in of nobody, admins or everyone (needs tenant.manage)"}, false, s.setTwoFactorPolicy)
	register(s, huma.Operation{OperationID: "reset-member-two-factor", Method: http.MethodDelete, Path: "/api/v1/tenants/{t}/members/{m}/two-factor", Tags: tags,
		Summary: "Reset a member's two-factor sign-in (the super admin)", DefaultStatus: http.StatusNoContent}, false, s.resetTwoFactor)
}

func (s *Server) loginTwoFactor(ctx context.Context, in *secondStepInput) (*loginOutput, error) {
	r, err := s.svc.Sessions.LoginTwoFactor(ctx, in.Body.PendingToken, in.Body.Code, in.Body.RecoveryCode, session.ClientOf(ctx))
	if err != nil {
		return nil, err
	}
	return s.signedIn(r), nil
}

func (s *Server) myTwoFactor(ctx context.Context, _ *struct{}) (*body[TwoFactorStatus], error) {
	st, err := s.svc.Sessions.TwoFactorStatus(ctx)
	if err != nil {
		return nil, err
	}
	return reply(TwoFactorStatus{Enabled: st.On, Required: st.Required, RecoveryCodesLeft: st.RecoveryLeft, Enrolment: toEnrolment(st.Enrolment)}), nil
}

func (s *Server) enrolTwoFactor(ctx context.Context, _ *struct{}) (*body[*Enrolment], error) {
	e, err := s.svc.Sessions.StartTwoFactor(ctx)
	if err != nil {
		return nil, err
	}
	return reply(toEnrolment(e)), nil
}

func (s *Server) confirmTwoFactor(ctx context.Context, in *codeInput) (*body[recoveryCodes], error) {
	codes, err := s.svc.Sessions.ConfirmTwoFactor(ctx, in.Body.Code)
	if err != nil {
		return nil, err
	}
	return reply(recoveryCodes{RecoveryCodes: secrets(codes)}), nil
}

func (s *Server) disableTwoFactor(ctx context.Context, in *proofInput) (*struct{}, error) {
	return nil, s.svc.Sessions.DisableTwoFactor(ctx, in.Body.Password, in.Body.Code)
}

func (s *Server) regenerateRecoveryCodes(ctx context.Context, in *proofInput) (*body[recoveryCodes], error) {
	codes, err := s.svc.Sessions.RegenerateRecoveryCodes(ctx, in.Body.Password, in.Body.Code)
	if err != nil {
		return nil, err
	}
	return reply(recoveryCodes{RecoveryCodes: secrets(codes)}), nil
}

func (s *Server) twoFactorPolicy(ctx context.Context, in *TenantPath) (*body[Policy], error) {
	p, err := s.svc.Sessions.TwoFactorPolicy(ctx, in.TenantID)
	if err != nil {
		return nil, err
	}
	return reply(Policy{Required: string(p)}), nil
}

func (s *Server) setTwoFactorPolicy(ctx context.Context, in *policyInput) (*body[Policy], error) {
	if err := s.svc.Sessions.SetTwoFactorPolicy(ctx, in.TenantID, session.Policy(in.Body.Required)); err != nil {
		return nil, err
	}
	return reply(in.Body), nil
}

func (s *Server) resetTwoFactor(ctx context.Context, in *MemberPath) (*struct{}, error) {
	return nil, s.svc.Sessions.ResetTwoFactor(ctx, in.TenantID, in.MemberID)
}

// secrets marks each of codes as a one-time secret.
func secrets(codes []string) []Secret {
	out := make([]Secret, len(codes))
	for i, c := range codes {
		out[i] = Secret(c)
	}
	return out
}
