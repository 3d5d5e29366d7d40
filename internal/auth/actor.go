// Package auth carries who is acting through a request's context, what they
// may do, and how their secrets are checked.
package auth

import (
	"context"
	"slices"
)

// Kind is the scope an actor acts in.
type Kind string

// The actor kinds. System is Kanri itself (background jobs, the CLI).
const (
	KindMember   Kind = "member"
	KindOperator Kind = "operator"
	KindSystem   Kind = "system"
)

// Actor is the authenticated caller of one request.
type Actor struct {
	Kind        Kind
	ID          string // member or operator id
	TenantID    string // for members
	Name        string // shown in the audit trail
	SessionID   string
	SuperAdmin  bool
	Permissions []Permission
	IP          string
	UserAgent   string
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
