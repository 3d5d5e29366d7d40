package session

import (
	"context"
	"fmt"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/id"
)

var (
	errBadCode     = errs.E(errs.Unauthenticated, "session.two_factor_code_wrong")
	errCodeUsed    = errs.E(errs.Unauthenticated, "session.two_factor_code_used")
	errPendingGone = errs.E(errs.Unauthenticated, "session.two_factor_pending_gone")
)

// next is the seam after a right password: a member with two-factor
// sign-in on gets a second step (a pending token) instead of a session.
func (s *Service) next(ctx context.Context, now time.Time, a *auth.Actor, at *attempt, find func(context.Context) (*auth.Actor, string, error)) (*Result, error) {
	if a.Kind == auth.KindMember || a.Kind == auth.KindPartner {
		tf, err := s.Store.GetTwoFactor(ctx, a.ID)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return nil, err
		}
		if err == nil && !tf.ConfirmedAt.IsZero() {
			return s.pend(ctx, now, a, at)
		}
	}
	return s.open(ctx, now, a, at, func(ctx context.Context) error { return s.stillSignsIn(ctx, a, find) })
}

// pend records the second step of a's sign-in and returns its token.
func (s *Service) pend(ctx context.Context, now time.Time, a *auth.Actor, at *attempt) (*Result, error) {
	token := id.Secret("kanri2fa")
	p := &Pending{TokenHash: id.Hash(token), TenantID: a.TenantID, MemberID: a.ID, CreatedAt: now, ExpiresAt: now.Add(pendingTTL)}
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		if err := s.passed(ctx, at); err != nil {
			return err
		}
		return s.Store.CreatePending(ctx, p)
	})
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	return &Result{PendingToken: token, PendingExpiresAt: p.ExpiresAt}, nil
}

// LoginTwoFactor is the second step of a member's or partner user's sign-in: the pending
// token from the password step and a TOTP code or, instead, one of the
// recovery codes. Like a password, every try counts against the sign-in
// limits first; a code or recovery code is never accepted twice, and the
// pending token opens one session at most. Errors: Unauthenticated (wrong
// or used code; expired or used token), TooManyRequests.
func (s *Service) LoginTwoFactor(ctx context.Context, pendingToken, code, recovery string, c Client) (*Result, error) {
	now := s.Clock.Now()
	p, err := s.pending(ctx, now, pendingToken)
	if err != nil {
		return nil, err
	}
	a, key, find, err := s.pendingAccount(ctx, p, c)
	if err != nil {
		return nil, err
	}
	at, err := s.reserve(ctx, now, key, c.IP)
	if err != nil {
		return nil, err
	}
	tf, err := s.Store.GetTwoFactor(ctx, a.ID)
	if errs.Is(err, errs.NotFound) {
		return nil, errPendingGone // reset since the password step
	}
	if err != nil {
		return nil, err
	}
	use, err := s.checkCode(tf, code, recovery, now)
	if err == nil {
		err = s.checkActive(ctx, a)
	}
	if err != nil {
		return nil, err
	}
	return s.open(ctx, now, a, at, func(ctx context.Context) error {
		if err := s.Store.UsePending(ctx, p.TokenHash, now); errs.Is(err, errs.NotFound) {
			return errPendingGone
		} else if err != nil {
			return err
		}
		if err := use(ctx); err != nil {
			return err
		}
		return s.stillSignsIn(ctx, a, find)
	})
}

// pendingAccount is who signs in with p: their actor, their sign-in limit
// key and how to find them again by their sign-in name (a member's).
func (s *Service) pendingAccount(ctx context.Context, p *Pending, c Client) (*auth.Actor, string, func(context.Context) (*auth.Actor, string, error), error) {
	if p.TenantID == "" {
		u, err := s.Store.GetPartnerUser(ctx, p.MemberID)
		if err != nil {
			return nil, "", nil, err
		}
		return partnerActor(u, c), PartnerKey(u.Email), nil, nil
	}
	m, err := s.Store.GetMember(ctx, p.TenantID, p.MemberID)
	if err != nil {
		return nil, "", nil, err
	}
	return s.memberActor(ctx, m, c), AccountKey(m.LoginID), s.findMember(m.LoginID, c), nil
}

// pending returns the unused, unexpired second step of token. Errors:
// Unauthenticated (errPendingGone).
func (s *Service) pending(ctx context.Context, now time.Time, token string) (*Pending, error) {
	p, err := s.Store.GetPending(ctx, id.Hash(token))
	if errs.Is(err, errs.NotFound) || (err == nil && !now.Before(p.ExpiresAt)) {
		return nil, errPendingGone
	}
	return p, err
}

// checkCode checks a TOTP code, or the recovery code when one is given, and
// returns the store call that takes it: the caller runs it in the
// transaction that acts on the code, and only one such transaction can
// take a given time-step or recovery code. Errors: Unauthenticated.
func (s *Service) checkCode(tf *TwoFactor, code, recovery string, now time.Time) (func(context.Context) error, error) {
	if recovery != "" {
		hash := recoveryHash(tf.MemberID, recovery)
		return func(ctx context.Context) error {
			return notFoundAs(s.Store.UseRecoveryCode(ctx, tf.MemberID, hash, now), errBadCode)
		}, nil
	}
	secret, err := s.Secrets.Open(tf.Secret, tf.MemberID)
	if err != nil {
		return nil, err
	}
	step, ok := matchStep(secret, code, now)
	switch {
	case !ok:
		return nil, errBadCode
	case step <= tf.LastStep:
		return nil, errCodeUsed
	}
	return func(ctx context.Context) error {
		return notFoundAs(s.Store.UseTwoFactorStep(ctx, tf.MemberID, step), errCodeUsed)
	}, nil
}

// notFoundAs returns instead for a NotFound err.
func notFoundAs(err, instead error) error {
	if errs.Is(err, errs.NotFound) {
		return instead
	}
	return err
}
