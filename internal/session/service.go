package session

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/clock"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/tenant"
)

// Store is what the session service needs from the database. Get methods
// return NotFound for missing rows.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	GetMemberByLoginID(ctx context.Context, loginID string) (*member.Member, error)
	GetMember(ctx context.Context, tenantID, id string) (*member.Member, error)
	GetTenant(ctx context.Context, id string) (*tenant.Tenant, error)
	MemberPermissions(ctx context.Context, memberID string) ([]auth.Permission, error)
	CreateSession(ctx context.Context, s *Session) error
	GetSessionByHash(ctx context.Context, hash string) (*Session, error)
	ListSessions(ctx context.Context, memberID string, now time.Time) ([]*Session, error)
	RevokeSession(ctx context.Context, id string, now time.Time) error
	RevokeMemberSessions(ctx context.Context, memberID string, now time.Time) (int, error)
	RevokeTenantSessions(ctx context.Context, tenantID string, now time.Time) (int, error)
	CreateOperator(ctx context.Context, o *Operator) error
	GetOperator(ctx context.Context, idOrEmail string) (*Operator, error)
	AddLoginFailure(ctx context.Context, key string, now, windowStart time.Time) (int, error)
	LoginFailures(ctx context.Context, key string, windowStart time.Time) (int, error)
	ClearLoginFailures(ctx context.Context, key string) error
	AppendAuditEvents(ctx context.Context, events ...*audit.Event) error
}

// Limits bounds failed sign-ins per account and per IP within a window.
type Limits struct {
	PerAccount int
	PerIP      int
	Window     time.Duration
}

// Service signs people in and checks their tokens.
type Service struct {
	Store      Store
	Clock      clock.Clock
	IDs        id.Generator
	Audit      audit.Recorder
	SessionTTL time.Duration
	Limits     Limits
}

// Client is where a sign-in comes from.
type Client struct {
	IP        string
	UserAgent string
}

var errBadLogin = errs.E(errs.Unauthenticated, "the login id or the password is wrong")

// Login signs a member in and returns a new bearer token. Errors:
// Unauthenticated (wrong login id or password; suspended or closed),
// TooManyRequests (too many failures: wait).
func (s *Service) Login(ctx context.Context, loginID, password string, c Client) (string, *Session, error) {
	loginID = strings.ToLower(strings.TrimSpace(loginID))
	return s.login(ctx, "acct:"+loginID, password, c, func(ctx context.Context) (*auth.Actor, string, error) {
		m, err := s.Store.GetMemberByLoginID(ctx, loginID)
		if errs.Is(err, errs.NotFound) || (err == nil && m.PasswordHash == "") {
			return nil, "", errBadLogin
		}
		if err != nil {
			return nil, "", err
		}
		return s.memberActor(ctx, m, c), m.PasswordHash, nil
	})
}

// LoginOperator signs an operator in by e-mail address.
func (s *Service) LoginOperator(ctx context.Context, email, password string, c Client) (string, *Session, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	return s.login(ctx, "op:"+email, password, c, func(ctx context.Context) (*auth.Actor, string, error) {
		o, err := s.Store.GetOperator(ctx, email)
		if errs.Is(err, errs.NotFound) {
			return nil, "", errBadLogin
		}
		if err != nil {
			return nil, "", err
		}
		return &auth.Actor{Kind: auth.KindOperator, ID: o.ID, Name: o.Email, IP: c.IP, UserAgent: c.UserAgent}, o.PasswordHash, nil
	})
}

// stillSignsIn checks, holding the member's tenant, that the login id still
// names the member: a primary-domain change that committed after the
// password check renamed it and revoked every session, and one that
// commits after this waits for the new session and revokes it too.
func (s *Service) stillSignsIn(ctx context.Context, a *auth.Actor, find func(context.Context) (*auth.Actor, string, error)) error {
	if a.Kind != auth.KindMember {
		return nil
	}
	if _, err := s.Store.GetTenant(ctx, a.TenantID); err != nil {
		return err
	}
	again, _, err := find(ctx)
	if err != nil || again.ID != a.ID {
		return errBadLogin
	}
	return nil
}

// login checks the rate limits, the account and the password, and opens a
// session. find returns the account's actor and password hash.
func (s *Service) login(ctx context.Context, key, password string, c Client, find func(context.Context) (*auth.Actor, string, error)) (string, *Session, error) {
	now := s.Clock.Now()
	windowStart := now.Add(-s.Limits.Window)
	if err := s.checkLimits(ctx, key, "ip:"+c.IP, windowStart); err != nil {
		return "", nil, err
	}
	a, hash, err := find(ctx)
	if err == nil && !auth.VerifyPassword(hash, password) {
		err = errBadLogin
	} else if err != nil {
		auth.VerifyNothing(password)
	}
	if err == nil {
		err = s.checkActive(ctx, a)
	}
	if err != nil {
		if errs.Is(err, errs.Unauthenticated) {
			s.countFailure(ctx, now, windowStart, key, "ip:"+c.IP)
		}
		return "", nil, err
	}
	token := id.Secret("kanri")
	sess := &Session{ID: s.IDs.New("ses"), TokenHash: id.Hash(token), Kind: KindSession, TenantID: a.TenantID, IP: c.IP,
		UserAgent: c.UserAgent, CreatedAt: now, ExpiresAt: now.Add(s.SessionTTL)}
	sess.MemberID, sess.OperatorID = ownerIDs(a)
	err = s.Store.InTx(auth.WithActor(ctx, a), func(ctx context.Context) error {
		if err := s.stillSignsIn(ctx, a, find); err != nil {
			return err
		}
		if err := s.Store.ClearLoginFailures(ctx, key); err != nil {
			return err
		}
		if err := s.Store.CreateSession(ctx, sess); err != nil {
			return err
		}
		return s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, a.TenantID, "session.signed_in", "session", sess.ID, nil, nil))
	})
	if err != nil {
		return "", nil, fmt.Errorf("sign in: %w", err)
	}
	return token, sess, nil
}

func ownerIDs(a *auth.Actor) (memberID, operatorID string) {
	if a.Kind == auth.KindOperator {
		return "", a.ID
	}
	return a.ID, ""
}

func (s *Service) checkLimits(ctx context.Context, account, ip string, windowStart time.Time) error {
	for _, l := range []struct {
		key   string
		limit int
	}{{account, s.Limits.PerAccount}, {ip, s.Limits.PerIP}} {
		n, err := s.Store.LoginFailures(ctx, l.key, windowStart)
		if err != nil {
			return err
		}
		if n >= l.limit {
			return errs.E(errs.TooManyRequests, "too many failed sign-ins: wait %d minutes and try again, or reset your password with your admin", int(s.Limits.Window.Minutes()))
		}
	}
	return nil
}

// countFailure records a failed sign-in; failing to record it must not turn
// a wrong password into a server error, so errors are dropped.
func (s *Service) countFailure(ctx context.Context, now, windowStart time.Time, keys ...string) {
	for _, k := range keys {
		_, _ = s.Store.AddLoginFailure(ctx, k, now, windowStart)
	}
}

func (s *Service) memberActor(ctx context.Context, m *member.Member, c Client) *auth.Actor {
	return &auth.Actor{Kind: auth.KindMember, ID: m.ID, TenantID: m.TenantID, Name: m.LoginID, SuperAdmin: m.SuperAdmin,
		IP: c.IP, UserAgent: c.UserAgent}
}

// checkActive refuses members who are not active or whose tenant is closed.
func (s *Service) checkActive(ctx context.Context, a *auth.Actor) error {
	if a.Kind != auth.KindMember {
		return nil
	}
	m, err := s.Store.GetMember(ctx, a.TenantID, a.ID)
	if err != nil {
		return err
	}
	if m.Status != member.StatusActive {
		return errs.E(errs.Unauthenticated, "this account is %s and cannot sign in: ask your admin", m.Status)
	}
	t, err := s.Store.GetTenant(ctx, a.TenantID)
	if err != nil {
		return err
	}
	if t.Status != tenant.StatusActive {
		return errs.E(errs.Unauthenticated, "this tenant is closed")
	}
	if a.Permissions, err = s.Store.MemberPermissions(ctx, m.ID); err != nil {
		return err
	}
	a.SuperAdmin, a.Name = m.SuperAdmin, m.LoginID
	return nil
}

// Authenticate returns the actor a bearer token belongs to. Errors:
// Unauthenticated (unknown, expired or revoked token; account no longer active).
func (s *Service) Authenticate(ctx context.Context, token string, c Client) (*auth.Actor, error) {
	sess, err := s.Store.GetSessionByHash(ctx, id.Hash(token))
	now := s.Clock.Now()
	switch {
	case errs.Is(err, errs.NotFound):
		return nil, errs.E(errs.Unauthenticated, "the token is not valid: sign in again")
	case err != nil:
		return nil, err
	case !sess.RevokedAt.IsZero() || (!sess.ExpiresAt.IsZero() && !now.Before(sess.ExpiresAt)):
		return nil, errs.E(errs.Unauthenticated, "the session has ended: sign in again")
	}
	var a *auth.Actor
	if sess.OperatorID != "" {
		o, err := s.Store.GetOperator(ctx, sess.OperatorID)
		if err != nil {
			return nil, err
		}
		a = &auth.Actor{Kind: auth.KindOperator, ID: o.ID, Name: o.Email, IP: c.IP, UserAgent: c.UserAgent}
	} else {
		a = &auth.Actor{Kind: auth.KindMember, ID: sess.MemberID, TenantID: sess.TenantID, IP: c.IP, UserAgent: c.UserAgent}
		if err := s.checkActive(ctx, a); err != nil {
			return nil, err
		}
	}
	a.SessionID = sess.ID
	return a, nil
}
