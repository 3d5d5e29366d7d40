package session

import (
	"context"
	"fmt"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
)

// DisableTwoFactor turns the caller's two-factor sign-in off; it takes the
// current password or a current code, counted against the sign-in limits.
// Errors: FailedPrecondition (not on; the tenant requires it), Invalid
// (wrong password or code), TooManyRequests.
func (s *Service) DisableTwoFactor(ctx context.Context, password, code string) error {
	a, tf, err := s.ownTwoFactor(ctx)
	if err != nil {
		return err
	}
	policy, err := s.policyOf(ctx, a)
	if err != nil {
		return err
	}
	if policy.Requires(a) {
		return errs.E(errs.FailedPrecondition, "session.two_factor_required_by_tenant")
	}
	return s.proveAndDo(ctx, a, tf, password, code, func(ctx context.Context) error {
		if err := s.Store.DeleteTwoFactor(ctx, a.ID); err != nil {
			return err
		}
		return s.recordTwoFactor(ctx, a, "two_factor_disabled")
	})
}

// RegenerateRecoveryCodes replaces the caller's recovery codes with ten new
// ones, shown only now; like DisableTwoFactor it takes the password or a code.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, password, code string) ([]string, error) {
	a, tf, err := s.ownTwoFactor(ctx)
	if err != nil {
		return nil, err
	}
	codes, hashes := newRecoveryCodes(a.ID)
	err = s.proveAndDo(ctx, a, tf, password, code, func(ctx context.Context) error {
		if err := s.Store.ReplaceRecoveryCodes(ctx, a.ID, hashes); err != nil {
			return err
		}
		return s.recordTwoFactor(ctx, a, "recovery_codes_regenerated")
	})
	return codes, err
}

// ownTwoFactor returns the caller and their confirmed enrolment.
func (s *Service) ownTwoFactor(ctx context.Context) (*auth.Actor, *TwoFactor, error) {
	a, err := self(ctx)
	if err != nil {
		return nil, nil, err
	}
	tf, err := s.Store.GetTwoFactor(ctx, a.ID)
	if errs.Is(err, errs.NotFound) || (err == nil && tf.ConfirmedAt.IsZero()) {
		return nil, nil, errs.E(errs.FailedPrecondition, "session.two_factor_not_on")
	}
	return a, tf, err
}

// proveAndDo checks the caller's password, or else a code (taken once
// only), counting the try as a sign-in attempt, then runs fn in a
// transaction.
func (s *Service) proveAndDo(ctx context.Context, a *auth.Actor, tf *TwoFactor, password, code string, fn func(context.Context) error) error {
	now := s.Clock.Now()
	key, hash, err := s.account(ctx, a)
	if err != nil {
		return err
	}
	at, err := s.reserve(ctx, now, key, a.IP)
	if err != nil {
		return err
	}
	var use func(context.Context) error
	if password != "" {
		if !auth.VerifyPassword(hash, password) {
			return errs.Field("password", "session.password_wrong")
		}
	} else if use, err = s.checkCode(tf, code, "", now); err != nil {
		return codeField(err)
	}
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		if use != nil {
			if err := use(ctx); err != nil {
				return err
			}
		}
		if err := s.passed(ctx, at); err != nil {
			return err
		}
		return fn(ctx)
	})
	if err != nil {
		return fmt.Errorf("two-factor: %w", codeField(err))
	}
	return nil
}

// account is a's sign-in limit key and password hash.
func (s *Service) account(ctx context.Context, a *auth.Actor) (key, hash string, err error) {
	if a.Kind == auth.KindPartner {
		u, err := s.Store.GetPartnerUser(ctx, a.ID)
		if err != nil {
			return "", "", err
		}
		return PartnerKey(u.Email), u.PasswordHash, nil
	}
	m, err := s.Store.GetMember(ctx, a.TenantID, a.ID)
	if err != nil {
		return "", "", err
	}
	return AccountKey(m.LoginID), m.PasswordHash, nil
}

// codeField makes a refused code, which signs nobody out, a fault of the
// request's code field.
func codeField(err error) error {
	if e, ok := errs.As(err); ok && e.Kind == errs.Unauthenticated {
		return &errs.Error{Kind: errs.Invalid, Field: "code", Code: e.Code, Params: e.Params, Err: e.Err}
	}
	return err
}
