package session

import (
	"context"
	"fmt"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
)

// TwoFactorPolicy returns the tenant's two-factor requirement; any member
// of the tenant may read it.
func (s *Service) TwoFactorPolicy(ctx context.Context, tenantID string) (Policy, error) {
	if _, err := auth.Require(ctx, tenantID); err != nil {
		return "", err
	}
	return s.Store.TwoFactorPolicy(ctx, tenantID)
}

// SetTwoFactorPolicy changes the tenant's two-factor requirement (needs
// tenant.manage). Members it newly requires are led to enrol at their next
// request. Errors: Invalid, PermissionDenied.
func (s *Service) SetTwoFactorPolicy(ctx context.Context, tenantID string, p Policy) error {
	if _, err := auth.Require(ctx, tenantID, auth.PermTenantManage); err != nil {
		return err
	}
	if p != PolicyOff && p != PolicyAdmins && p != PolicyEveryone {
		return errs.Field("two_factor_required", "session.two_factor_policy_invalid")
	}
	now := s.Clock.Now()
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		before, err := s.Store.TwoFactorPolicy(ctx, tenantID)
		if err != nil || before == p {
			return err
		}
		if err := s.Store.SetTwoFactorPolicy(ctx, tenantID, p); err != nil {
			return err
		}
		return s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, tenantID, "tenant.two_factor_policy_changed", "tenant", tenantID,
			map[string]Policy{"two_factor_required": before}, map[string]Policy{"two_factor_required": p}))
	})
	if err != nil {
		return fmt.Errorf("set two-factor policy: %w", err)
	}
	return nil
}

// ResetTwoFactor turns a member's two-factor sign-in off and deletes their
// recovery codes, for a member who lost their device: only the super admin
// may. The member signs in with the password next, and enrols again if the
// tenant requires it. Errors: NotFound, PermissionDenied, FailedPrecondition
// (not on).
func (s *Service) ResetTwoFactor(ctx context.Context, tenantID, memberID string) error {
	if _, err := auth.RequireSuperAdmin(ctx, tenantID); err != nil {
		return err
	}
	if _, err := s.Store.GetMember(ctx, tenantID, memberID); err != nil {
		return err
	}
	now := s.Clock.Now()
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.Store.GetTwoFactor(ctx, memberID); errs.Is(err, errs.NotFound) {
			return errs.E(errs.FailedPrecondition, "session.two_factor_nothing_to_reset")
		} else if err != nil {
			return err
		}
		if err := s.Store.DeleteTwoFactor(ctx, memberID); err != nil {
			return err
		}
		return s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, tenantID, "member.two_factor_reset", "member", memberID, nil, nil))
	})
	if err != nil {
		return fmt.Errorf("reset two-factor: %w", err)
	}
	return nil
}

// MemberTwoFactorOn reports whether a member of the tenant has two-factor
// sign-in on, for the super admin who may reset it. Errors: NotFound,
// PermissionDenied.
func (s *Service) MemberTwoFactorOn(ctx context.Context, tenantID, memberID string) (bool, error) {
	if _, err := auth.RequireSuperAdmin(ctx, tenantID); err != nil {
		return false, err
	}
	_, on, err := s.Store.TwoFactorState(ctx, tenantID, memberID)
	return on, err
}
