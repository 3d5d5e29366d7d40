package session

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/text"
)

// Logout ends the caller's own session.
func (s *Service) Logout(ctx context.Context) error {
	a := auth.FromContext(ctx)
	if a == nil || a.SessionID == "" {
		return errs.E(errs.Unauthenticated, "session.not_signed_in")
	}
	return s.revoke(ctx, a.TenantID, "session.signed_out", "session", a.SessionID, func(ctx context.Context, now time.Time) (int, error) {
		return 1, s.Store.RevokeSession(ctx, a.SessionID, now)
	})
}

// Mine lists the caller's live sessions (セキュリティ > my sessions).
func (s *Service) Mine(ctx context.Context, tenantID string) ([]*Session, error) {
	a, err := auth.Require(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return s.Store.ListSessions(ctx, a.ID, s.Clock.Now())
}

// RevokeMine ends one of the caller's own sessions. Errors: NotFound.
func (s *Service) RevokeMine(ctx context.Context, tenantID, sessionID string) error {
	mine, err := s.Mine(ctx, tenantID)
	if err != nil {
		return err
	}
	for _, m := range mine {
		if m.ID == sessionID {
			return s.revoke(ctx, tenantID, "session.revoked", "session", sessionID, func(ctx context.Context, now time.Time) (int, error) {
				return 1, s.Store.RevokeSession(ctx, sessionID, now)
			})
		}
	}
	return errs.E(errs.NotFound, "session.not_found")
}

// RevokeMember ends every session of a member: the member themself, or an
// admin with sessions.manage. Errors: NotFound, PermissionDenied.
func (s *Service) RevokeMember(ctx context.Context, tenantID, memberID string) (int, error) {
	a, err := auth.Require(ctx, tenantID)
	if err != nil {
		return 0, err
	}
	if a.ID != memberID && !a.Can(auth.PermSessionsManage) {
		return 0, errs.E(errs.PermissionDenied, "session.revoke_others_denied", "permission", auth.PermSessionsManage.Label())
	}
	if _, err := s.Store.GetMember(ctx, tenantID, memberID); err != nil {
		return 0, err
	}
	var n int
	err = s.revoke(ctx, tenantID, "member.sessions_revoked", "member", memberID, func(ctx context.Context, now time.Time) (int, error) {
		n, err = s.Store.RevokeMemberSessions(ctx, memberID, now)
		return n, err
	})
	return n, err
}

// RevokeTenant ends every session of the tenant, the caller's included.
func (s *Service) RevokeTenant(ctx context.Context, tenantID string) (int, error) {
	if _, err := auth.Require(ctx, tenantID, auth.PermSessionsManage); err != nil {
		return 0, err
	}
	var n int
	err := s.revoke(ctx, tenantID, "tenant.sessions_revoked", "tenant", tenantID, func(ctx context.Context, now time.Time) (int, error) {
		var err error
		n, err = s.Store.RevokeTenantSessions(ctx, tenantID, now)
		return n, err
	})
	return n, err
}

// revoke runs fn and records action with how many sessions ended.
func (s *Service) revoke(ctx context.Context, tenantID, action, targetType, targetID string, fn func(context.Context, time.Time) (int, error)) error {
	now := s.Clock.Now()
	return s.Store.InTx(ctx, func(ctx context.Context) error {
		n, err := fn(ctx, now)
		if err != nil {
			return err
		}
		return s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, tenantID, action, targetType, targetID, nil, map[string]int{"sessions_revoked": n}))
	})
}

// CreateOperator adds one of the vendor's staff (kanri operator create).
// Errors: Invalid, Conflict (e-mail taken).
func (s *Service) CreateOperator(ctx context.Context, email, name, password string) (*Operator, error) {
	email, err := member.NormalizeEmail("email", email)
	if err != nil {
		return nil, err
	}
	if name, err = text.Line("name", name); err != nil {
		return nil, err
	}
	if err := auth.CheckPassword("password", password, auth.PasswordContext{LoginID: email, Email: email}); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	o := &Operator{ID: s.IDs.New("opr"), Email: strings.ToLower(email), Name: name, PasswordHash: auth.HashPassword(password), CreatedAt: now}
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.CreateOperator(ctx, o); err != nil {
			return err
		}
		return s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, "", "operator.created", "operator", o.ID, nil, map[string]string{"email": o.Email}))
	})
	if err != nil {
		return nil, fmt.Errorf("create operator: %w", err)
	}
	return o, nil
}

// CreateAPIToken issues a named, non-expiring API token for an operator
// (kanri token create) and returns it; only its hash is kept.
func (s *Service) CreateAPIToken(ctx context.Context, operatorEmail, name string) (string, error) {
	o, err := s.Store.GetOperator(ctx, strings.ToLower(strings.TrimSpace(operatorEmail)))
	if err != nil {
		return "", err
	}
	now := s.Clock.Now()
	token := id.Secret("kanri")
	sess := &Session{ID: s.IDs.New("ses"), TokenHash: id.Hash(token), Kind: KindAPIToken, OperatorID: o.ID, Name: name, CreatedAt: now}
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.CreateSession(ctx, sess); err != nil {
			return err
		}
		return s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, "", "operator.token_created", "session", sess.ID, nil, map[string]string{"name": name, "operator": o.Email}))
	})
	if err != nil {
		return "", fmt.Errorf("create token: %w", err)
	}
	return token, nil
}
