package password

import (
	"context"
	"fmt"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/session"
)

// Change sets the caller's password after checking the current one, and
// ends every other session and API token of theirs; the one making the
// change stays signed in. A wrong current password counts as a failed
// sign-in of the account. Members and operators alike. It returns how
// many sessions ended. Errors: Invalid (a wrong current password, or the
// new one breaks the policy), TooManyRequests (too many wrong passwords),
// Unauthenticated, PermissionDenied (a member who must turn on two-factor
// sign-in first).
func (s *Service) Change(ctx context.Context, current, next string) (int, error) {
	a := auth.FromContext(ctx)
	switch {
	case a == nil || a.Kind == auth.KindAnonymous || a.SessionID == "":
		return 0, errs.E(errs.Unauthenticated, "password.sign_in_first")
	case a.Kind == auth.KindOperator:
		return s.changeOperator(ctx, a, current, next)
	case a.Kind == auth.KindMember && a.TwoFactorMissing:
		return 0, auth.ErrTwoFactorMissing
	case a.Kind == auth.KindMember:
		return s.changeMember(ctx, a, current, next)
	}
	return 0, errs.E(errs.PermissionDenied, "password.no_password")
}

func (s *Service) changeMember(ctx context.Context, a *auth.Actor, current, next string) (int, error) {
	now := s.Clock.Now()
	m, err := s.Store.GetMember(ctx, a.TenantID, a.ID)
	if err != nil {
		return 0, err
	}
	t, err := s.Store.GetTenant(ctx, a.TenantID)
	if err != nil {
		return 0, err
	}
	if err := s.Sessions.CheckPassword(ctx, session.AccountKey(m.LoginID), m.PasswordHash, current, "current_password"); err != nil {
		return 0, err
	}
	if err := auth.CheckPassword("new_password", next, m.PasswordContext(t.WorksGroup)); err != nil {
		return 0, err
	}
	hash := auth.HashPassword(next)
	var n int
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.SetMemberPassword(ctx, m.TenantID, m.ID, hash, now); err != nil {
			return err
		}
		if err := s.Store.DeletePasswordResets(ctx, m.ID); err != nil {
			return err
		}
		if n, err = s.Store.RevokeOtherSessions(ctx, m.ID, a.SessionID, now); err != nil {
			return err
		}
		return s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, m.TenantID, "member.password_changed", "member", m.ID, nil, revokedData(n)))
	})
	if err != nil {
		return 0, fmt.Errorf("change password: %w", err)
	}
	return n, nil
}

func (s *Service) changeOperator(ctx context.Context, a *auth.Actor, current, next string) (int, error) {
	now := s.Clock.Now()
	o, err := s.Store.GetOperator(ctx, a.ID)
	if err != nil {
		return 0, err
	}
	if err := s.Sessions.CheckPassword(ctx, session.OperatorKey(o.Email), o.PasswordHash, current, "current_password"); err != nil {
		return 0, err
	}
	if err := auth.CheckPassword("new_password", next, auth.PasswordContext{LoginID: o.Email, Email: o.Email}); err != nil {
		return 0, err
	}
	hash := auth.HashPassword(next)
	var n int
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.SetOperatorPassword(ctx, o.ID, hash); err != nil {
			return err
		}
		if n, err = s.Store.RevokeOtherSessions(ctx, o.ID, a.SessionID, now); err != nil {
			return err
		}
		return s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, "", "operator.password_changed", "operator", o.ID, nil, revokedData(n)))
	})
	if err != nil {
		return 0, fmt.Errorf("change password: %w", err)
	}
	return n, nil
}

// Reconfirm checks the password a signed-in member gives again to confirm a
// change of their own (member.ConfirmPassword: a new e-mail address)
// against their hash, as Change checks the current password: under the
// account's sign-in limit, a wrong one counting as a failed sign-in.
// Errors: Invalid (field current_password), TooManyRequests.
func (s *Service) Reconfirm(ctx context.Context, loginID, hash, password string) error {
	return s.Sessions.CheckPassword(ctx, session.AccountKey(loginID), hash, password, "current_password")
}

// revokedData is the audit data of a change that ended sessions.
func revokedData(n int) map[string]int { return map[string]int{"sessions_revoked": n} }
