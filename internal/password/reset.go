package password

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/session"
	"github.com/kanri/kanri/internal/tenant"
)

// errLink refuses a link that does not work, without saying why: unknown,
// used, expired, or made before the password or the e-mail address changed.
var errLink = errs.E(errs.NotFound, "this password-reset link is unknown, already used or expired: ask for a new one with \"forgot password\" on the sign-in page")

// Request mails a reset link to the active member who signs in with
// loginID, if they have a personal e-mail address. The answer is the same
// whether or not there is such a member, so it tells no one which login
// ids exist. Errors: Invalid (no login id), TooManyRequests (too many
// requests for this login id or from this IP).
func (s *Service) Request(ctx context.Context, loginID string) error {
	loginID = strings.ToLower(strings.TrimSpace(loginID))
	if loginID == "" {
		return errs.Field("login_id", "enter your login id (name@domain)")
	}
	now := s.Clock.Now()
	if err := s.countRequest(ctx, now, loginID); err != nil {
		return err
	}
	m, t, err := s.resettable(ctx, loginID)
	if err != nil {
		return fmt.Errorf("request password reset: %w", err)
	}
	if m == nil {
		return s.decoy()
	}
	if _, err := s.issue(ctx, now, t, m, nil, s.TTL); err != nil {
		return fmt.Errorf("request password reset: %w", err)
	}
	return nil
}

// countRequest counts a request against the login id's and the IP's
// limits, whether or not the login id exists.
func (s *Service) countRequest(ctx context.Context, now time.Time, loginID string) error {
	ip := ""
	if a := auth.FromContext(ctx); a != nil {
		ip = a.IP
	}
	windowStart := now.Add(-s.Requests.Window)
	for _, l := range []struct {
		key   string
		limit int
	}{{requestKey + loginID, s.Requests.PerAccount}, {requestIP + ip, s.Requests.PerIP}} {
		n, start, err := s.Store.ReserveLoginAttempt(ctx, l.key, now, windowStart)
		if err != nil {
			return err
		}
		if n > l.limit {
			return tooMany("password-reset requests", now, start, s.Requests.Window)
		}
	}
	return nil
}

// resettable returns the member signing in with loginID and their tenant
// when a link can be mailed to them, else nil.
func (s *Service) resettable(ctx context.Context, loginID string) (*member.Member, *tenant.Tenant, error) {
	m, err := s.Store.GetMemberByLoginID(ctx, loginID)
	if errs.Is(err, errs.NotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	t, err := s.Store.GetTenant(ctx, m.TenantID)
	if err != nil || m.Status != member.StatusActive || m.Email == "" || t.Status != tenant.StatusActive {
		return nil, nil, err
	}
	return m, t, nil
}

// decoy renders the reset mail and throws it away, so that a request for
// a login id nobody has costs about as much as one that mails a link.
func (s *Service) decoy() error {
	_, err := s.Notify.Templates.Render("password_reset", "ja", notify.MailData{CompanyName: "-", WorksGroup: "-", MemberName: "-",
		LoginID: "-", ConsoleURL: s.BaseURL, ResetURL: s.BaseURL + "/reset-password?token=" + id.Secret("pwr"), ExpiresAt: "-"})
	return err
}

// issue makes a link for m valid for ttl, mails it, and records who asked
// (admin, or nil: the member), in one transaction.
func (s *Service) issue(ctx context.Context, now time.Time, t *tenant.Tenant, m *member.Member, admin *auth.Actor, ttl time.Duration) (*Reset, error) {
	token := id.Secret("pwr")
	r := &Reset{TokenHash: id.Hash(token), TenantID: m.TenantID, MemberID: m.ID, Stamp: stamp(m), CreatedAt: now, ExpiresAt: now.Add(ttl)}
	data := notify.MailData{CompanyName: t.CompanyName, WorksGroup: t.WorksGroup, MemberName: m.DisplayName, LoginID: m.LoginID,
		ConsoleURL: s.BaseURL, ResetURL: s.BaseURL + "/reset-password?token=" + token, ExpiresAt: r.ExpiresAt.Format("2006-01-02 15:04 MST")}
	by := "member"
	if admin != nil {
		r.RequestedBy, data.OtherName, by = admin.ID, admin.Name, "admin"
	}
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.CreatePasswordReset(ctx, r); err != nil {
			return err
		}
		if err := s.Notify.MailTo(ctx, t.ID, notify.Recipient{Address: m.Email, Name: m.DisplayName, Language: t.Language}, "password_reset", data); err != nil {
			return err
		}
		return s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, m.TenantID, "member.password_reset_requested", "member", m.ID, nil,
			map[string]any{"requested_by": by, "expires_at": r.ExpiresAt}))
	})
	return r, err
}

// Confirm sets a new password with the token of a reset link. The link is
// used up; every session and API token of the member ends, and the
// sign-in lockout of the account is lifted. It returns the member, so the
// console can offer to sign in. Errors: NotFound (unknown, used or expired
// link), Invalid (the password breaks the policy).
func (s *Service) Confirm(ctx context.Context, token, next string) (*member.Member, error) {
	now := s.Clock.Now()
	r, err := s.Store.GetPasswordReset(ctx, id.Hash(token))
	if errs.Is(err, errs.NotFound) || (err == nil && !now.Before(r.ExpiresAt)) {
		return nil, errLink
	}
	if err != nil {
		return nil, err
	}
	m, err := s.Store.GetMember(ctx, r.TenantID, r.MemberID)
	if err != nil {
		return nil, err
	}
	t, err := s.Store.GetTenant(ctx, r.TenantID)
	if err != nil {
		return nil, err
	}
	if err := auth.CheckPassword("password", next, policy(m, t)); err != nil {
		return nil, err
	}
	hash := auth.HashPassword(next)
	if err := s.Store.InTx(actAs(ctx, m), func(ctx context.Context) error { return s.use(ctx, now, id.Hash(token), hash) }); err != nil {
		return nil, fmt.Errorf("reset password: %w", err)
	}
	return m, nil
}

// use takes the link and sets the password, in the caller's transaction.
func (s *Service) use(ctx context.Context, now time.Time, tokenHash, hash string) error {
	r, err := s.Store.TakePasswordReset(ctx, tokenHash)
	if errs.Is(err, errs.NotFound) {
		return errLink
	}
	if err != nil {
		return err
	}
	m, err := s.Store.GetMember(ctx, r.TenantID, r.MemberID)
	if err != nil {
		return err
	}
	if !now.Before(r.ExpiresAt) || m.Status != member.StatusActive || stamp(m) != r.Stamp {
		return errLink
	}
	if err := s.Store.SetMemberPassword(ctx, m.TenantID, m.ID, hash, now); err != nil {
		return err
	}
	if err := s.Store.DeletePasswordResets(ctx, m.ID); err != nil {
		return err
	}
	n, err := s.Store.RevokeMemberSessions(ctx, m.ID, now)
	if err != nil {
		return err
	}
	if err := s.Sessions.Unlock(ctx, session.AccountKey(m.LoginID)); err != nil {
		return err
	}
	return s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, m.TenantID, "member.password_reset", "member", m.ID, nil, revokedData(n)))
}
