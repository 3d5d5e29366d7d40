package session

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
)

// OperatorStore is what managing the operators needs from the database.
type OperatorStore interface {
	// ListOperators returns every operator, disabled ones too, in the
	// order they were added.
	ListOperators(ctx context.Context) ([]*Operator, error)
	// LockOperators is ListOperators holding every operator's row until
	// the transaction ends, so that two operators disabling each other at
	// once cannot leave no one able to sign in.
	LockOperators(ctx context.Context) ([]*Operator, error)
	// DisableOperator marks operator id disabled at now. Errors: NotFound.
	DisableOperator(ctx context.Context, id string, now time.Time) error
	// RevokeOperatorSessions ends every live session and API token of
	// operator id and returns how many.
	RevokeOperatorSessions(ctx context.Context, id string, now time.Time) (int, error)
}

// Operators lists the vendor's staff, disabled ones too.
func (s *Service) Operators(ctx context.Context) ([]*Operator, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, err
	}
	return s.Store.ListOperators(ctx)
}

// NewOperator is one of the vendor's staff to add.
type NewOperator struct {
	Email string
	Name  string
}

// AddOperator adds an operator on behalf of the operator in ctx, with a
// generated initial password that it returns: the only time anyone sees
// it, to hand over in person (Kanri has no operator invitation mail).
// Errors: Invalid, Conflict (e-mail taken).
func (s *Service) AddOperator(ctx context.Context, in NewOperator) (*Operator, string, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, "", err
	}
	password := newPassword()
	o, err := s.CreateOperator(ctx, in.Email, in.Name, password)
	if err != nil {
		return nil, "", err
	}
	return o, password, nil
}

// newPassword returns an initial password of 100 random bits in five
// groups of four letters and digits (k7qd-…), easy to read out and type.
func newPassword() string {
	var b [15]byte // 120 bits; the last 20 are dropped below
	_, _ = rand.Read(b[:])
	s := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))[:20]
	return s[0:4] + "-" + s[4:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20]
}

// DisableOperator stops an operator from signing in and ends its sessions
// and API tokens, in one transaction. Disabling one that is disabled
// already changes nothing. Errors: NotFound; FailedPrecondition (the
// caller itself, or the last operator who can still sign in).
func (s *Service) DisableOperator(ctx context.Context, id string) (*Operator, error) {
	a, err := auth.RequireOperator(ctx)
	if err != nil {
		return nil, err
	}
	if id == a.ID {
		return nil, errs.E(errs.FailedPrecondition, "session.operator_disable_self")
	}
	now := s.Clock.Now()
	var o *Operator
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		all, err := s.Store.LockOperators(ctx)
		if err != nil {
			return err
		}
		active := 0
		for _, op := range all {
			if op.ID == id {
				o = op
			}
			if op.DisabledAt.IsZero() {
				active++
			}
		}
		switch {
		case o == nil:
			return errs.E(errs.NotFound, "store.not_found", "thing", i18n.Term("store.thing.operator"))
		case !o.DisabledAt.IsZero():
			return nil
		case active <= 1:
			return errs.E(errs.FailedPrecondition, "session.operator_disable_last")
		}
		return s.disable(ctx, o, now)
	})
	if err != nil {
		return nil, fmt.Errorf("disable operator: %w", err)
	}
	return o, nil
}

// disable marks o disabled, ends its sessions and records both.
func (s *Service) disable(ctx context.Context, o *Operator, now time.Time) error {
	if err := s.Store.DisableOperator(ctx, o.ID, now); err != nil {
		return err
	}
	o.DisabledAt = now
	n, err := s.Store.RevokeOperatorSessions(ctx, o.ID, now)
	if err != nil {
		return err
	}
	return s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, "", "operator.disabled", "operator", o.ID, nil,
		map[string]any{"email": o.Email, "sessions_revoked": n}))
}
