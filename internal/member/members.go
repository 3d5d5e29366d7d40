package member

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/text"
)

// AddInput is a member to add.
type AddInput struct {
	LoginID  string // local part, or the full login id on the primary domain
	Profile  Profile
	Password string // optional: set ⇒ active at once; empty ⇒ invited
	RoleIDs  []string
}

// Added is what adding a member gives besides the member.
type Added struct {
	// Token lets an invited member choose a password (AcceptInvitation);
	// "" for a member added with one.
	Token string
	// Seats is what billing did to the licenses for the member: where they
	// follow the members, one more, billed.
	Seats Seated
}

// Add adds a member. Without a password the member is invited and the
// returned token lets them choose one (AcceptInvitation). Errors: Invalid,
// Conflict (login id taken), PermissionDenied, NotFound.
func (s *Service) Add(ctx context.Context, tenantID string, in AddInput) (*Member, Added, error) {
	a, err := auth.Require(ctx, tenantID, auth.PermMembersManage)
	if err != nil {
		return nil, Added{}, err
	}
	now := s.Clock.Now()
	m := &Member{ID: s.IDs.New("mem"), TenantID: tenantID, Status: StatusActive, CreatedAt: now, UpdatedAt: now}
	if err := in.Profile.Apply(m); err != nil {
		return nil, Added{}, err
	}
	var added Added
	if in.Password != "" {
		if err := s.checkPassword(ctx, tenantID, in.LoginID, m.Email, in.Password); err != nil {
			return nil, Added{}, err
		}
		m.PasswordHash = auth.HashPassword(in.Password)
	} else {
		m.Status, added.Token = StatusInvited, s.invite(m, now)
	}
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		t, err := s.Store.GetTenant(ctx, tenantID)
		if err != nil {
			return err
		}
		if m.LoginID, err = LoginID(in.LoginID, t.PrimaryDomain); err != nil {
			return err
		}
		if m.RoleIDs, err = s.grantable(ctx, a, tenantID, nil, in.RoleIDs); err != nil {
			return err
		}
		if err := s.checkLinks(ctx, m, true); err != nil {
			return err
		}
		if err := s.Store.CreateMembers(ctx, []*Member{m}); err != nil {
			if errs.Is(err, errs.Conflict) {
				return errs.Taken("login_id", err, "member.login_id_taken", "login_id", m.LoginID)
			}
			return err
		}
		if err := s.assign(ctx, tenantID, []string{m.ID}); err != nil {
			return err
		}
		if m, err = s.Store.GetMember(ctx, tenantID, m.ID); err != nil { // with its directory's names
			return err
		}
		if err := s.record(ctx, now, m, "member.added", nil); err != nil {
			return err
		}
		if added.Seats, err = s.recordBillable(ctx, tenantID, now, true); err != nil {
			return err
		}
		return s.mail(ctx, t, m, "member_added", s.invitationData(added.Token, m))
	})
	if err != nil {
		return nil, Added{}, fmt.Errorf("add member: %w", err)
	}
	return m, added, nil
}

// checkPassword applies the password policy to a member about to be added
// with login id input (a local part or a full login id) and e-mail address.
// It reads the tenant before the change's transaction, so the slow hash
// that follows stays outside it too.
func (s *Service) checkPassword(ctx context.Context, tenantID, input, email, pw string) error {
	t, err := s.Store.GetTenant(ctx, tenantID)
	if err != nil {
		return err
	}
	loginID, err := LoginID(input, t.PrimaryDomain)
	if err != nil {
		return err
	}
	return auth.CheckPassword("password", pw, auth.PasswordContext{LoginID: loginID, Email: email, WorksGroup: t.WorksGroup})
}

// invite gives m a fresh invitation and returns its token.
func (s *Service) invite(m *Member, now time.Time) string {
	token := id.Secret("inv")
	m.InvitationHash, m.InvitationExpiresAt = id.Hash(token), now.Add(s.InvitationTTL)
	return token
}

// grantable checks that the actor may change a member's roles from old to
// want, and returns want sorted. Every role added or removed must exist in
// the tenant and hold no permission the actor lacks.
func (s *Service) grantable(ctx context.Context, a *auth.Actor, tenantID string, old, want []string) ([]string, error) {
	want = slices.Compact(slices.Sorted(slices.Values(want)))
	var changed []string
	for _, r := range want {
		if !slices.Contains(old, r) {
			changed = append(changed, r)
		}
	}
	for _, r := range old {
		if !slices.Contains(want, r) {
			changed = append(changed, r)
		}
	}
	if len(changed) > 0 && !a.Can(auth.PermRolesManage) {
		return nil, errs.E(errs.PermissionDenied, "member.roles_change_denied", "permission", string(auth.PermRolesManage))
	}
	for _, rid := range changed {
		r, err := s.Store.GetRole(ctx, tenantID, rid)
		if errs.Is(err, errs.NotFound) {
			return nil, errs.Field("role_ids", "member.role_unknown", "role", rid)
		}
		if err != nil {
			return nil, err
		}
		if err := checkGrant(a, *r); err != nil {
			return nil, err
		}
	}
	return want, nil
}

// Get returns a member: any member may read their own, admins with
// members.manage anyone's. Errors: NotFound.
func (s *Service) Get(ctx context.Context, tenantID, memberID string) (*Member, error) {
	a, err := auth.Require(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	if a.ID != memberID && !a.Can(auth.PermMembersManage) {
		return nil, errs.E(errs.PermissionDenied, "member.read_others_denied", "permission", string(auth.PermMembersManage))
	}
	return s.Store.GetMember(ctx, tenantID, memberID)
}

// List returns a page of members and the cursor of the next page ("" at the end).
// Errors: Invalid (status), Malformed (a cursor that is no member id).
func (s *Service) List(ctx context.Context, f Filter) ([]*Member, string, error) {
	if _, err := auth.Require(ctx, f.TenantID, auth.PermMembersManage); err != nil {
		return nil, "", err
	}
	if f.Status != "" && !slices.Contains(FilterStatuses, f.Status) {
		return nil, "", errs.Field("status", "member.status_unknown", "status", text.Printable(f.Status), "statuses", strings.Join(FilterStatuses, ", "))
	}
	if f.After != "" && !id.Valid("mem", f.After) {
		return nil, "", errs.BadCursor()
	}
	f.Limit = min(max(f.Limit, 1), 500)
	f.Limit++ // one more tells whether a next page exists
	ms, err := s.Store.ListMembers(ctx, f)
	if err != nil || len(ms) < f.Limit {
		return ms, "", err
	}
	ms = ms[:f.Limit-1]
	return ms, ms[len(ms)-1].ID, nil
}

// BillableCount returns how many members hold a license (SPEC §2), to the
// tenant's members and to operators. Errors: NotFound.
func (s *Service) BillableCount(ctx context.Context, tenantID string) (int, error) {
	if _, err := auth.RequireReader(ctx, tenantID); err != nil {
		return 0, err
	}
	return s.Store.CountBillable(ctx, tenantID)
}

// SuperAdmin returns the tenant's super admin, to its members and to
// operators. Errors: NotFound.
func (s *Service) SuperAdmin(ctx context.Context, tenantID string) (*Member, error) {
	if _, err := auth.RequireReader(ctx, tenantID); err != nil {
		return nil, err
	}
	return s.Store.GetSuperAdmin(ctx, tenantID)
}

// change is changeAs for admins with members.manage.
func (s *Service) change(ctx context.Context, tenantID, memberID, action string, fn func(context.Context, *auth.Actor, *Member) error) (*Member, error) {
	a, err := auth.Require(ctx, tenantID, auth.PermMembersManage)
	if err != nil {
		return nil, err
	}
	return s.changeAs(ctx, a, tenantID, memberID, action, fn)
}

// changeAs loads a member for update, lets fn change it as a, stores it
// and records action, all in one transaction: fn reads through the ctx it
// is given, which carries the transaction (a read on another connection
// while this one waits could take the pool's last).
func (s *Service) changeAs(ctx context.Context, a *auth.Actor, tenantID, memberID, action string, fn func(context.Context, *auth.Actor, *Member) error) (*Member, error) {
	now := s.Clock.Now()
	var m *Member
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if m, err = s.Store.GetMember(ctx, tenantID, memberID); err != nil {
			return err
		}
		before := *m
		if err := fn(ctx, a, m); err != nil {
			return err
		}
		m.UpdatedAt = now
		if err := s.Store.UpdateMember(ctx, m); err != nil {
			return err
		}
		if linksChanged(&before, m) {
			if err := s.Store.SetMemberLinks(ctx, m); err != nil {
				return err
			}
		}
		if directoryChanged(&before, m) {
			if err := s.assign(ctx, tenantID, []string{m.ID}); err != nil {
				return err
			}
			if m, err = s.Store.GetMember(ctx, tenantID, m.ID); err != nil {
				return err
			}
		}
		if !Billable(m.Status) || m.Status == StatusSuspended {
			if _, err := s.Store.RevokeMemberSessions(ctx, m.ID, now); err != nil {
				return err
			}
		}
		if Billable(before.Status) != Billable(m.Status) {
			if _, err := s.recordBillable(ctx, tenantID, now, Billable(m.Status)); err != nil {
				return err
			}
		}
		return s.record(ctx, now, m, action, &before)
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	return m, nil
}

// SetStatus applies a status action (suspend, deactivate, reactivate,
// delete). The super admin's status cannot change (transfer the role
// first), nor can an admin change their own, nor that of a member holding a
// permission the admin lacks (outranks). Leaving active revokes every
// session of the member. Errors: FailedPrecondition, NotFound, PermissionDenied.
func (s *Service) SetStatus(ctx context.Context, tenantID, memberID, action string) (*Member, error) {
	done, ok := pastTense[action]
	if !ok {
		return nil, errs.E(errs.Invalid, "member.action_unknown", "action", text.Printable(action))
	}
	return s.change(ctx, tenantID, memberID, "member."+done, func(ctx context.Context, a *auth.Actor, m *Member) error {
		if m.SuperAdmin {
			return errs.E(errs.FailedPrecondition, "member.super_admin_status_locked", "action", doneTerms[action])
		}
		if m.ID == a.ID {
			return errs.E(errs.FailedPrecondition, "member.own_status_locked", "action", actionTerms[action])
		}
		if err := s.outranks(ctx, a, m, "member.part_status"); err != nil {
			return err
		}
		to, err := Transition(m.Status, action)
		if err != nil {
			return err
		}
		m.Status = to
		if to == StatusDeleted {
			m.RoleIDs, m.InvitationHash, m.InvitationExpiresAt = nil, "", time.Time{}
		}
		return nil
	})
}

// invitationData is what the member_added mail says about choosing a password.
func (s *Service) invitationData(token string, m *Member) notify.MailData {
	if token == "" {
		return notify.MailData{}
	}
	return notify.MailData{InvitationURL: s.BaseURL + "/invite?token=" + token,
		ExpiresAt: m.InvitationExpiresAt}
}
