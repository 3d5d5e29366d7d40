package member

import (
	"context"
	"fmt"
	"slices"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
)

// Edit is a change to one member; nil fields stay unchanged.
type Edit struct {
	Profile
	RoleIDs *[]string // the complete new set of admin roles
	// CurrentPassword is the actor's own password: a member changing their
	// own e-mail address gives it, so that a stolen session cannot take the
	// account over (password-reset mails go to that address).
	CurrentPassword string
}

// ConfirmPassword checks a password the signed-in member gives again to
// confirm a change of their own against their stored hash, counting a wrong
// one like a failed sign-in of loginID; password.Service.Reconfirm is
// the one. Errors: Invalid (field current_password), TooManyRequests.
type ConfirmPassword func(ctx context.Context, loginID, hash, password string) error

// Update changes a member. Admins with members.manage change anyone's
// profile; any member changes their own display name, phone and e-mail.
// What mails a member or signs them in is guarded further: another
// member's e-mail and roles need every permission that member holds
// (outranks: the super admin's, the super admin alone), roles need
// roles.manage and the permissions of each role added or removed, and one's
// own e-mail needs one's current password. Errors: Invalid,
// FailedPrecondition, NotFound, PermissionDenied, TooManyRequests.
func (s *Service) Update(ctx context.Context, tenantID, memberID string, e Edit) (*Member, error) {
	a, err := auth.Require(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if a.ID != memberID && !a.Can(auth.PermMembersManage) {
		return nil, errs.E(errs.PermissionDenied, "member.edit_others_denied", "permission", string(auth.PermMembersManage))
	}
	confirmed, err := s.confirmOwnEmail(ctx, a, tenantID, memberID, e)
	if err != nil {
		return nil, fmt.Errorf("member.updated: %w", err)
	}
	return s.changeAs(ctx, a, tenantID, memberID, "member.updated", func(ctx context.Context, a *auth.Actor, m *Member) error {
		if m.Status == StatusDeleted {
			return errs.E(errs.FailedPrecondition, "member.deleted_unchangeable", "login_id", m.LoginID)
		}
		before := *m
		if err := e.Profile.Apply(m); err != nil {
			return err
		}
		if directoryChanged(&before, m) {
			if err := s.checkLinks(ctx, m, len(e.Fields) > 0); err != nil {
				return err
			}
		}
		if e.RoleIDs != nil {
			var err error
			if m.RoleIDs, err = s.grantable(ctx, a, tenantID, m.RoleIDs, *e.RoleIDs); err != nil {
				return err
			}
		}
		return s.mayEdit(ctx, a, &before, m, confirmed)
	})
}

// mayEdit checks the rules of Update that depend on what changed from
// before to m; confirmed is the password hash confirmOwnEmail matched.
func (s *Service) mayEdit(ctx context.Context, a *auth.Actor, before, m *Member, confirmed string) error {
	emailChanged := m.Email != before.Email
	if a.ID != m.ID {
		if emailChanged {
			return s.outranks(ctx, a, before, "member.part_email")
		}
		if !slices.Equal(m.RoleIDs, before.RoleIDs) {
			return s.outranks(ctx, a, before, "member.part_roles")
		}
		return nil
	}
	if !a.Can(auth.PermMembersManage) && directoryChanged(before, m) {
		return errs.E(errs.PermissionDenied, "member.department_by_admins", "permission", string(auth.PermMembersManage))
	}
	// A password changed since it was checked, or an address changed since
	// it was compared, must not let the e-mail change through unconfirmed.
	if emailChanged && (confirmed == "" || confirmed != before.PasswordHash) {
		return errs.Field("current_password", "member.current_password_needed")
	}
	return nil
}

// confirmOwnEmail checks the current password when the actor changes their
// own e-mail address, before the transaction (the check is slow on
// purpose), and returns the hash it matched; "" when nothing was checked.
// A wrong password is audited.
func (s *Service) confirmOwnEmail(ctx context.Context, a *auth.Actor, tenantID, memberID string, e Edit) (string, error) {
	if e.Email == nil || a.ID != memberID {
		return "", nil
	}
	m, err := s.Store.GetMember(ctx, tenantID, a.ID)
	if err != nil {
		return "", err
	}
	want := *m
	if err := (Profile{Email: e.Email}).Apply(&want); err != nil || want.Email == m.Email {
		return "", err
	}
	switch {
	case e.CurrentPassword == "":
		return "", errs.Field("current_password", "member.current_password_needed")
	case m.PasswordHash == "":
		return "", errs.E(errs.FailedPrecondition, "member.no_password_to_confirm")
	}
	err = s.ConfirmPassword(ctx, m.LoginID, m.PasswordHash, e.CurrentPassword)
	if errs.Is(err, errs.Invalid) {
		now := s.Clock.Now()
		if aerr := s.Store.InTx(ctx, func(ctx context.Context) error {
			return s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, tenantID, "member.password_confirmation_failed", "member", m.ID,
				nil, map[string]string{"change": "email"}))
		}); aerr != nil {
			return "", aerr
		}
	}
	if err != nil {
		return "", err
	}
	return m.PasswordHash, nil
}

// Outranks reports whether a holds every permission m holds (held): what
// a needs to change m's e-mail address, roles, status or invitation, or to
// have m's password reset — what mails m or signs in as m. The super admin
// holds every permission, so only the super admin outranks the super admin.
func Outranks(a *auth.Actor, m *Member, held []auth.Permission) bool {
	return a.SuperAdmin || (!m.SuperAdmin && auth.Covers(a.Permissions, held))
}

// outranks refuses a changing what (a catalog term: "e-mail address") of
// m unless a Outranks m.
func (s *Service) outranks(ctx context.Context, a *auth.Actor, m *Member, what i18n.Term) error {
	if m.SuperAdmin && !a.SuperAdmin {
		return errs.E(errs.PermissionDenied, "member.super_admin_part_locked", "what", what)
	}
	held, err := s.Store.MemberPermissions(ctx, m.ID)
	if err != nil {
		return err
	}
	if !Outranks(a, m, held) {
		return errs.E(errs.PermissionDenied, "member.outranked", "login_id", m.LoginID, "what", what)
	}
	return nil
}
