package password

import (
	"context"
	"fmt"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/member"
)

// AdminReset mails a member a reset link at an admin's request; the admin
// never sees the link or the password, and the member's current password
// keeps working until the link is used. It needs members.manage and every
// permission the member holds; only the super admin may ask for the super
// admin. It returns the link's details (no token). Errors:
// FailedPrecondition (not active, or no e-mail address), NotFound,
// PermissionDenied.
func (s *Service) AdminReset(ctx context.Context, tenantID, memberID string) (*Reset, error) {
	a, err := auth.Require(ctx, tenantID, auth.PermMembersManage)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var r *Reset
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		m, err := s.Store.GetMember(ctx, tenantID, memberID)
		if err != nil {
			return err
		}
		if err := s.mayReset(ctx, a, m); err != nil {
			return err
		}
		t, err := s.Store.GetTenant(ctx, tenantID)
		if err != nil {
			return err
		}
		r, err = s.issue(ctx, now, t, m, a, s.AdminTTL, "")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("send password reset: %w", err)
	}
	return r, nil
}

// mayReset refuses a reset the admin a may not ask for m, or one that
// cannot reach m.
func (s *Service) mayReset(ctx context.Context, a *auth.Actor, m *member.Member) error {
	if m.SuperAdmin && m.ID != a.ID {
		return errs.E(errs.PermissionDenied, "password.super_admin_reset_denied")
	}
	held, err := s.Store.MemberPermissions(ctx, m.ID)
	if err != nil {
		return err
	}
	if !member.Outranks(a, m, held) {
		return errs.E(errs.PermissionDenied, "password.outranked", "login_id", m.LoginID)
	}
	switch {
	case m.Status == member.StatusInvited:
		return errs.E(errs.FailedPrecondition, "password.member_invited", "login_id", m.LoginID)
	case m.Status != member.StatusActive:
		return errs.E(errs.FailedPrecondition, "password.member_inactive", "login_id", m.LoginID, "status", i18n.Term("members.status."+m.Status))
	case m.Email == "":
		return errs.E(errs.FailedPrecondition, "password.member_no_email", "login_id", m.LoginID)
	}
	return nil
}
