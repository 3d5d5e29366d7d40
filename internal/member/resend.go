package member

import (
	"context"
	"fmt"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
)

// ResendInvitation gives an invited member a new invitation, replacing any
// earlier one, and mails it to their personal e-mail (the member_added
// mail), all in one transaction; Invite only returns the token, for API
// callers that deliver it themselves. Errors: FailedPrecondition (not
// invited, or no e-mail address to send to), NotFound, PermissionDenied.
func (s *Service) ResendInvitation(ctx context.Context, tenantID, memberID string) (*Member, error) {
	if _, err := auth.Require(ctx, tenantID, auth.PermMembersManage); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var m *Member
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if m, err = s.Store.GetMember(ctx, tenantID, memberID); err != nil {
			return err
		}
		if m.Status != StatusInvited {
			return errs.E(errs.FailedPrecondition, "member.not_invited", "login_id", m.LoginID, "status", statusTerms[m.Status])
		}
		if m.Email == "" {
			return errs.E(errs.FailedPrecondition, "member.invitation_no_email", "login_id", m.LoginID)
		}
		before := *m
		token := s.invite(m, now)
		m.UpdatedAt = now
		if err := s.Store.UpdateMember(ctx, m); err != nil {
			return err
		}
		if err := s.record(ctx, now, m, "member.invited", &before); err != nil {
			return err
		}
		t, err := s.Store.GetTenant(ctx, tenantID)
		if err != nil {
			return err
		}
		return s.mail(ctx, t, m, "member_added", s.invitationData(token, m))
	})
	if err != nil {
		return nil, fmt.Errorf("resend invitation: %w", err)
	}
	return m, nil
}
