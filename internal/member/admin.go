package member

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/notify"
)

// TransferSuperAdmin hands the super-admin role (権限委任) to another active
// admin. The previous super admin stays an admin with the built-in admin
// role. Only the super admin may do it. Errors: FailedPrecondition, NotFound,
// PermissionDenied.
func (s *Service) TransferSuperAdmin(ctx context.Context, tenantID, toID string) (*Member, error) {
	a, err := auth.RequireSuperAdmin(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if toID == a.ID {
		return nil, errs.Field("member_id", "member.transfer_to_self")
	}
	now := s.Clock.Now()
	var to *Member
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		from, err := s.Store.GetSuperAdmin(ctx, tenantID)
		if err != nil {
			return err
		}
		// The actor was authenticated before this transaction; a transfer
		// committed since then must not let it hand on the new holder's role.
		if from.ID != a.ID {
			return errs.E(errs.PermissionDenied, "member.transfer_not_super_admin")
		}
		if to, err = s.Store.GetMember(ctx, tenantID, toID); err != nil {
			return err
		}
		if to.Status != StatusActive || len(to.RoleIDs) == 0 {
			return errs.E(errs.FailedPrecondition, "member.transfer_target_not_admin",
				"login_id", to.LoginID, "status", statusTerms[to.Status], "roles", len(to.RoleIDs))
		}
		fromBefore, toBefore := *from, *to
		admin, err := s.roleByName(ctx, tenantID, RoleAdmin)
		if err != nil {
			return err
		}
		from.SuperAdmin, from.UpdatedAt = false, now
		if !slices.Contains(from.RoleIDs, admin.ID) {
			from.RoleIDs = append(from.RoleIDs, admin.ID)
		}
		to.SuperAdmin, to.UpdatedAt = true, now
		// Demote first: the schema allows at most one super admin per tenant.
		if err := s.Store.UpdateMember(ctx, from); err != nil {
			return err
		}
		if err := s.Store.UpdateMember(ctx, to); err != nil {
			return err
		}
		if err := s.record(ctx, now, from, "member.super_admin_resigned", &fromBefore); err != nil {
			return err
		}
		if err := s.record(ctx, now, to, "member.super_admin_granted", &toBefore); err != nil {
			return err
		}
		t, err := s.Store.GetTenant(ctx, tenantID)
		if err != nil {
			return err
		}
		if err := s.mail(ctx, t, from, "super_admin_resigned", notify.MailData{OtherName: to.DisplayName}); err != nil {
			return err
		}
		return s.mail(ctx, t, to, "super_admin_granted", notify.MailData{OtherName: from.DisplayName})
	})
	if err != nil {
		return nil, fmt.Errorf("transfer super admin: %w", err)
	}
	return to, nil
}

func (s *Service) roleByName(ctx context.Context, tenantID, name string) (*Role, error) {
	roles, err := s.Store.ListRoles(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	for _, r := range roles {
		if r.Name == name {
			return r, nil
		}
	}
	return nil, errs.E(errs.NotFound, "member.role_not_found", "role", name)
}

// Invite issues a new invitation token for an invited member, replacing any
// earlier one; the caller must outrank the member. Errors: FailedPrecondition
// (not invited), NotFound, PermissionDenied.
func (s *Service) Invite(ctx context.Context, tenantID, memberID string) (*Member, string, error) {
	var token string
	m, err := s.change(ctx, tenantID, memberID, "member.invited", func(ctx context.Context, a *auth.Actor, m *Member) error {
		if m.Status != StatusInvited {
			return errs.E(errs.FailedPrecondition, "member.not_invited", "login_id", m.LoginID, "status", statusTerms[m.Status])
		}
		// The token is the account: whoever holds it chooses its password.
		if err := s.outranks(ctx, a, m, "member.part_invitation"); err != nil {
			return err
		}
		token = s.invite(m, s.Clock.Now())
		return nil
	})
	return m, token, err
}

// AcceptInvitation sets the password of the member invited with token and
// makes them active. Errors: Invalid (password), NotFound (unknown or
// expired token).
func (s *Service) AcceptInvitation(ctx context.Context, token, password string) (*Member, error) {
	if err := s.checkInvitedPassword(ctx, token, password); err != nil {
		return nil, err
	}
	hash := auth.HashPassword(password)
	now := s.Clock.Now()
	var m *Member
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		var err error
		m, err = s.Store.GetMemberByInvitation(ctx, id.Hash(token))
		if err != nil || now.After(m.InvitationExpiresAt) {
			return errs.E(errs.NotFound, "member.invitation_unknown")
		}
		ctx = ActAs(ctx, m)
		before := *m
		if m.Status, err = Transition(m.Status, ActionAccept); err != nil {
			return err
		}
		m.PasswordHash, m.InvitationHash, m.InvitationExpiresAt, m.UpdatedAt = hash, "", time.Time{}, now
		if err := s.Store.UpdateMember(ctx, m); err != nil {
			return err
		}
		return s.record(ctx, now, m, "member.invitation_accepted", &before)
	})
	if err != nil {
		return nil, fmt.Errorf("accept invitation: %w", err)
	}
	return m, nil
}

// checkInvitedPassword applies the password policy for the member invited
// with token; an unknown token is left to the transaction to refuse.
func (s *Service) checkInvitedPassword(ctx context.Context, token, password string) error {
	var pc auth.PasswordContext
	if m, err := s.Store.GetMemberByInvitation(ctx, id.Hash(token)); err == nil {
		t, err := s.Store.GetTenant(ctx, m.TenantID)
		if err != nil {
			return err
		}
		pc = m.PasswordContext(t.WorksGroup)
	} else if !errs.Is(err, errs.NotFound) {
		return err
	}
	return auth.CheckPassword("password", password, pc)
}
