// Package auth carries who is acting through a request's context, what they
// may do, and how their secrets are checked.
package auth

import (
	"context"
	"slices"

	"github.com/kanri/kanri/internal/errs"
)

// Kind is the scope an actor acts in.
type Kind string

// The actor kinds. System is Kanri itself (background jobs, the CLI);
// Anonymous is a caller who has not signed in, known only by IP.
const (
	KindAnonymous Kind = "anonymous"
	KindMember    Kind = "member"
	KindOperator  Kind = "operator"
	KindPartner   Kind = "partner" // a partner (reseller) user
	KindSystem    Kind = "system"
)

// Actor is the authenticated caller of one request.
type Actor struct {
	Kind        Kind
	ID          string // member, operator or partner user id
	TenantID    string // for members
	PartnerID   string // for partner users
	Name        string // shown in the audit trail
	SessionID   string
	SuperAdmin  bool
	Permissions []Permission
	IP          string
	UserAgent   string
	// Language is the member's own choice of language, "" when they
	// follow the tenant's.
	Language string
	// TwoFactorMissing: the tenant requires two-factor sign-in and the
	// member has not turned it on, so only enrolling in it (and signing
	// out) is open to them.
	TwoFactorMissing bool
}

// Can reports whether the actor holds perm. The super admin holds them all.
func (a *Actor) Can(perm Permission) bool {
	return a.SuperAdmin || slices.Contains(a.Permissions, perm)
}

type actorKey struct{}

// WithActor returns ctx carrying a.
func WithActor(ctx context.Context, a *Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// FromContext returns the actor in ctx, or nil.
func FromContext(ctx context.Context) *Actor {
	a, _ := ctx.Value(actorKey{}).(*Actor)
	return a
}

// System returns ctx acting as Kanri itself, named by what (e.g. "cli").
func System(ctx context.Context, what string) context.Context {
	return WithActor(ctx, &Actor{Kind: KindSystem, ID: what, Name: what})
}

// ErrTwoFactorMissing refuses a member who must turn on two-factor sign-in
// first everything but that (and signing out).
var ErrTwoFactorMissing = errs.E(errs.PermissionDenied, "auth.two_factor_missing")

// Require returns the actor in ctx when it is a member of tenantID holding
// every perm. Another tenant's id answers NotFound, so a caller cannot learn
// which ids exist elsewhere. A member who must enrol in two-factor sign-in
// first is refused (PermissionDenied) everything else.
func Require(ctx context.Context, tenantID string, perms ...Permission) (*Actor, error) {
	a := FromContext(ctx)
	switch {
	case a == nil || a.Kind == KindAnonymous:
		return nil, errs.E(errs.Unauthenticated, "auth.sign_in_first")
	case a.Kind != KindMember || a.TenantID != tenantID:
		return nil, errs.E(errs.NotFound, "auth.tenant_not_found")
	case a.TwoFactorMissing:
		return nil, ErrTwoFactorMissing
	}
	for _, p := range perms {
		if !a.Can(p) {
			return nil, errs.E(errs.PermissionDenied, "auth.permission_needed", "permission", p.Label())
		}
	}
	return a, nil
}

// RequireSuperAdmin is Require for actions only the super admin may take.
func RequireSuperAdmin(ctx context.Context, tenantID string) (*Actor, error) {
	a, err := Require(ctx, tenantID)
	if err == nil && !a.SuperAdmin {
		err = errs.E(errs.PermissionDenied, "auth.super_admin_only")
	}
	return a, err
}

// RequireReader is Require that also lets operators through: they may read
// any tenant (SPEC §1), never change it through a tenant route.
func RequireReader(ctx context.Context, tenantID string, perms ...Permission) (*Actor, error) {
	if a := FromContext(ctx); a != nil && a.Kind == KindOperator {
		return a, nil
	}
	return Require(ctx, tenantID, perms...)
}

// RequireOperator returns the actor in ctx when it is an operator.
func RequireOperator(ctx context.Context) (*Actor, error) {
	a := FromContext(ctx)
	switch {
	case a == nil || a.Kind == KindAnonymous:
		return nil, errs.E(errs.Unauthenticated, "auth.operator_sign_in_first")
	case a.Kind != KindOperator:
		return nil, errs.E(errs.NotFound, "auth.not_found")
	}
	return a, nil
}

// RequirePartner returns the actor in ctx when it is a partner user: one
// who sees only its own partner's customers.
func RequirePartner(ctx context.Context) (*Actor, error) {
	a := FromContext(ctx)
	switch {
	case a == nil || a.Kind == KindAnonymous:
		return nil, errs.E(errs.Unauthenticated, "auth.partner_sign_in_first")
	case a.Kind != KindPartner:
		return nil, errs.E(errs.NotFound, "auth.not_found")
	}
	return a, nil
}
