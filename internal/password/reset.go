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
var errLink = errs.E(errs.NotFound, "password.link_invalid")

// Request is one "forgot password" request, as its job gets it: who asked
// from where and when, and the id its mail gets, by which a job run again
// finds the mail already written and mails nothing twice.
type Request struct {
	LoginID   string    `json:"login_id"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent,omitempty"`
	At        time.Time `json:"at"`
	MailID    string    `json:"mail_id"`
}

// Request asks for a reset link for loginID: after the limits it only
// queues a job (Later), which Send works. It does the same work whether or
// not there is such a member, so neither its answer nor its time tells
// anyone which login ids exist. Errors: Invalid (no login id),
// TooManyRequests (too many requests for this login id or from this IP).
func (s *Service) Request(ctx context.Context, loginID string) error {
	loginID = strings.ToLower(strings.TrimSpace(loginID))
	if loginID == "" {
		return errs.Field("login_id", "password.login_id_missing")
	}
	now := s.Clock.Now()
	if err := s.countRequest(ctx, now, loginID); err != nil {
		return err
	}
	c := session.ClientOf(ctx)
	r := Request{LoginID: loginID, IP: c.IP, UserAgent: c.UserAgent, At: now, MailID: s.IDs.New("mail")}
	if err := s.Later(ctx, r); err != nil {
		return fmt.Errorf("request password reset: %w", err)
	}
	return nil
}

// Send works a request's job: it mails a link, valid until 30 minutes after
// the request, to the active member who signs in with r.LoginID if they
// have a personal e-mail address, and records the request as made by an
// anonymous caller from r.IP. Nothing is mailed once the link would have
// expired, nor a second time for the same request.
func (s *Service) Send(ctx context.Context, r Request) error {
	if !s.Clock.Now().Before(r.At.Add(s.TTL)) {
		return nil
	}
	if _, err := s.Store.GetMail(ctx, r.MailID); !errs.Is(err, errs.NotFound) {
		return err // nil: mailed already
	}
	ctx = auth.WithActor(ctx, &auth.Actor{Kind: auth.KindAnonymous, IP: r.IP, UserAgent: r.UserAgent})
	m, t, err := s.resettable(ctx, r.LoginID)
	if err == nil && m != nil {
		_, err = s.issue(ctx, r.At, t, m, nil, s.TTL, r.MailID)
	}
	if err != nil {
		return fmt.Errorf("send password reset: %w", err)
	}
	return nil
}

// countRequest counts a request against the login id's and the IP's
// limits, whether or not the login id exists.
func (s *Service) countRequest(ctx context.Context, now time.Time, loginID string) error {
	ip := session.ClientOf(ctx).IP
	windowStart := now.Add(-s.Requests.Window)
	for _, l := range []struct {
		key   string
		limit int
	}{{requestLimit + session.AccountKey(loginID), s.Requests.PerAccount}, {requestLimit + session.IPKey(ip), s.Requests.PerIP}} {
		n, start, err := s.Store.ReserveLoginAttempt(ctx, l.key, now, windowStart)
		if err != nil {
			return err
		}
		if n > l.limit {
			wait := s.Requests.Wait(now, start)
			return errs.Later(wait, "password.too_many_requests", "minutes", session.Minutes(wait))
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

// issue makes a link for m valid for ttl from now, mails it (as mailID,
// or a new id when ""), and records who asked (admin, or nil: the
// member), in one transaction.
func (s *Service) issue(ctx context.Context, now time.Time, t *tenant.Tenant, m *member.Member, admin *auth.Actor, ttl time.Duration, mailID string) (*Reset, error) {
	token := id.Secret("pwr")
	r := &Reset{TokenHash: id.Hash(token), TenantID: m.TenantID, MemberID: m.ID, Stamp: stamp(m), CreatedAt: now, ExpiresAt: now.Add(ttl)}
	data := notify.MailData{CompanyName: t.CompanyName, WorksGroup: t.WorksGroup, MemberName: m.DisplayName, LoginID: m.LoginID,
		ConsoleURL: s.BaseURL, ResetURL: s.BaseURL + "/reset-password?token=" + token, ExpiresAt: r.ExpiresAt}
	by := "member"
	if admin != nil {
		r.RequestedBy, data.OtherName, by = admin.ID, admin.Name, "admin"
	}
	mail, err := s.Notify.Prepare(t.ID, member.RecipientOf(t, m), "password_reset", data)
	if err != nil {
		return nil, err
	}
	if mailID != "" {
		mail.ID = mailID
	}
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.CreatePasswordReset(ctx, r); err != nil {
			return err
		}
		if err := s.Notify.Queue(ctx, mail); err != nil {
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
	if err := auth.CheckPassword("password", next, m.PasswordContext(t.WorksGroup)); err != nil {
		return nil, err
	}
	hash := auth.HashPassword(next)
	if err := s.Store.InTx(member.ActAs(ctx, m), func(ctx context.Context) error { return s.use(ctx, now, id.Hash(token), hash) }); err != nil {
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
