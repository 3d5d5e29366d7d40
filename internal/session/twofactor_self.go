package session

import (
	"bytes"
	"context"
	"encoding/base32"
	"fmt"
	"image/png"

	"github.com/pquerna/otp/totp"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
)

// Enrolment is what an authenticator app needs to add a member's TOTP key.
type Enrolment struct {
	Secret string // base32, to type in by hand
	URL    string // otpauth://totp/Kanri:<login id>?secret=…
	QRCode []byte // the URL as a PNG QR code, made here: no outside service sees the secret
}

// TwoFactorStatus is a member's own two-factor state.
type TwoFactorStatus struct {
	On           bool
	Required     bool       // the tenant's policy requires it of this member
	RecoveryLeft int        // unused recovery codes
	Enrolment    *Enrolment // a started enrolment awaiting its first code
}

// self returns the signed-in member, who may be one still to enrol, or
// partner user.
func self(ctx context.Context) (*auth.Actor, error) {
	a := auth.FromContext(ctx)
	if a == nil || (a.Kind != auth.KindMember && a.Kind != auth.KindPartner) {
		return nil, errs.E(errs.Unauthenticated, "session.two_factor_members_only")
	}
	return a, nil
}

// policyOf is the two-factor policy that applies to a: its tenant's; a
// partner user's choice is their own.
func (s *Service) policyOf(ctx context.Context, a *auth.Actor) (Policy, error) {
	if a.Kind == auth.KindPartner {
		return PolicyOff, nil
	}
	return s.Store.TwoFactorPolicy(ctx, a.TenantID)
}

// recordTwoFactor appends the audit event of a's two-factor change what
// ("two_factor_enabled"): "member.…" in its tenant, "partner_user.…" for a
// partner user.
func (s *Service) recordTwoFactor(ctx context.Context, a *auth.Actor, what string) error {
	kind := "member"
	if a.Kind == auth.KindPartner {
		kind = "partner_user"
	}
	return s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, s.Clock.Now(), a.TenantID, kind+"."+what, kind, a.ID, nil, nil))
}

// TwoFactorStatus returns the caller's two-factor state.
func (s *Service) TwoFactorStatus(ctx context.Context) (*TwoFactorStatus, error) {
	a, err := self(ctx)
	if err != nil {
		return nil, err
	}
	policy, err := s.policyOf(ctx, a)
	if err != nil {
		return nil, err
	}
	st := &TwoFactorStatus{Required: policy.Requires(a)}
	tf, err := s.Store.GetTwoFactor(ctx, a.ID)
	switch {
	case errs.Is(err, errs.NotFound):
		return st, nil
	case err != nil:
		return nil, err
	case tf.ConfirmedAt.IsZero():
		st.Enrolment, err = s.enrolment(a, tf)
		return st, err
	}
	st.On, st.RecoveryLeft = true, tf.RecoveryLeft
	return st, nil
}

// StartTwoFactor makes the caller a new TOTP key, replacing one not yet
// confirmed. Two-factor sign-in is on once ConfirmTwoFactor takes a first
// code. Errors: Conflict (already on).
func (s *Service) StartTwoFactor(ctx context.Context) (*Enrolment, error) {
	a, err := self(ctx)
	if err != nil {
		return nil, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: a.Name})
	if err != nil {
		return nil, fmt.Errorf("two-factor key: %w", err)
	}
	tf := &TwoFactor{MemberID: a.ID, TenantID: a.TenantID, Secret: s.Secrets.Seal(key.Secret(), a.ID), CreatedAt: s.Clock.Now()}
	if err := s.Store.StartTwoFactor(ctx, tf); err != nil {
		return nil, err
	}
	return s.enrolment(a, tf)
}

// enrolment opens tf's secret for the authenticator app.
func (s *Service) enrolment(a *auth.Actor, tf *TwoFactor) (*Enrolment, error) {
	secret, err := s.Secrets.Open(tf.Secret, tf.MemberID)
	if err != nil {
		return nil, err
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return nil, fmt.Errorf("a two-factor secret is damaged: %w", err)
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: a.Name, Secret: raw})
	if err != nil {
		return nil, fmt.Errorf("two-factor key: %w", err)
	}
	img, err := key.Image(240, 240)
	if err != nil {
		return nil, fmt.Errorf("two-factor QR code: %w", err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("two-factor QR code: %w", err)
	}
	return &Enrolment{Secret: key.Secret(), URL: key.URL(), QRCode: b.Bytes()}, nil
}

// ConfirmTwoFactor turns two-factor sign-in on with the first code of the
// started enrolment, and returns the recovery codes, shown only now.
// Errors: FailedPrecondition (nothing started), Invalid (wrong code).
func (s *Service) ConfirmTwoFactor(ctx context.Context, code string) ([]string, error) {
	a, err := self(ctx)
	if err != nil {
		return nil, err
	}
	tf, err := s.Store.GetTwoFactor(ctx, a.ID)
	if errs.Is(err, errs.NotFound) || (err == nil && !tf.ConfirmedAt.IsZero()) {
		return nil, errs.E(errs.FailedPrecondition, "session.two_factor_no_setup")
	}
	if err != nil {
		return nil, err
	}
	secret, err := s.Secrets.Open(tf.Secret, a.ID)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	step, ok := matchStep(secret, code, now)
	if !ok {
		return nil, errs.Field("code", "session.two_factor_setup_code_wrong")
	}
	codes, hashes := newRecoveryCodes(a.ID)
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.ConfirmTwoFactor(ctx, tf, step, now); err != nil {
			return err
		}
		if err := s.Store.ReplaceRecoveryCodes(ctx, a.ID, hashes); err != nil {
			return err
		}
		return s.recordTwoFactor(ctx, a, "two_factor_enabled")
	})
	if err != nil {
		return nil, fmt.Errorf("turn on two-factor: %w", err)
	}
	return codes, nil
}
