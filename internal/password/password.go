// Package password changes and resets the passwords people sign in with:
// changing one's own (the current password first), "forgot password" by a
// single-use link mailed to the member, and the same link sent at an
// admin's request. The admin never sees or sets the password. The policy
// itself is auth.CheckPassword.
package password

import (
	"context"
	"time"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/clock"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/session"
	"github.com/kanri/kanri/internal/tenant"
)

// Reset is an outstanding password-reset link; only its token's hash is kept.
type Reset struct {
	TokenHash   string
	TenantID    string
	MemberID    string
	Stamp       string // stamp of the member's password when the link was made
	RequestedBy string // "" when the member asked; else the admin's member id
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

// Store is what the password service needs from the database. Get and Take
// methods return NotFound for missing rows.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	GetMemberByLoginID(ctx context.Context, loginID string) (*member.Member, error)
	GetMember(ctx context.Context, tenantID, id string) (*member.Member, error)
	GetTenant(ctx context.Context, id string) (*tenant.Tenant, error)
	MemberPermissions(ctx context.Context, memberID string) ([]auth.Permission, error)
	GetOperator(ctx context.Context, idOrEmail string) (*session.Operator, error)
	SetMemberPassword(ctx context.Context, tenantID, memberID, hash string, now time.Time) error
	SetOperatorPassword(ctx context.Context, operatorID, hash string) error
	CreatePasswordReset(ctx context.Context, r *Reset) error
	GetPasswordReset(ctx context.Context, hash string) (*Reset, error)
	// TakePasswordReset deletes the link and returns it; of two concurrent
	// takes exactly one gets it.
	TakePasswordReset(ctx context.Context, hash string) (*Reset, error)
	DeletePasswordResets(ctx context.Context, memberID string) error
	RevokeMemberSessions(ctx context.Context, memberID string, now time.Time) (int, error)
	// RevokeOtherSessions revokes the sessions and API tokens of a member
	// or an operator but one.
	RevokeOtherSessions(ctx context.Context, ownerID, keep string, now time.Time) (int, error)
	AddLoginFailure(ctx context.Context, key string, now, windowStart time.Time) (int, error)
	LoginFailures(ctx context.Context, key string, windowStart time.Time) (int, error)
	ClearLoginFailures(ctx context.Context, key string) error
	AppendAuditEvents(ctx context.Context, events ...*audit.Event) error
}

// Service changes and resets passwords.
type Service struct {
	Store  Store
	Clock  clock.Clock
	Audit  audit.Recorder
	Notify *notify.Service
	// BaseURL is the console's: links lead to BaseURL/reset-password.
	BaseURL string
	// SignIn are the sign-in limits (session.Service's): a wrong current
	// password counts as a failed sign-in of the account, and a reset
	// clears the account's failures.
	SignIn session.Limits
	// Requests bounds "forgot password" requests per login id and per IP.
	Requests session.Limits
	// TTL is how long a link the member asked for is valid (30 minutes);
	// AdminTTL one sent at an admin's request (24 hours: the member may
	// not read mail at once).
	TTL, AdminTTL time.Duration
}

// The sign-in failure keys of session.Service: a member's by login id, an
// operator's by e-mail. Reset requests count under keys of their own.
const (
	memberKey   = "acct:"
	operatorKey = "op:"
	requestKey  = "pwreset:acct:"
	requestIP   = "pwreset:ip:"
)

// stamp fingerprints a password hash: a link made before the password
// changed carries another stamp and no longer works.
func stamp(hash string) string { return id.Hash("pw:" + hash) }

// policy is the password context of m in t.
func policy(m *member.Member, t *tenant.Tenant) auth.PasswordContext {
	return auth.PasswordContext{LoginID: m.LoginID, Email: m.Email, WorksGroup: t.WorksGroup}
}

// actAs returns ctx acting as m, keeping the caller's IP and user agent:
// using a reset link is the member's own act.
func actAs(ctx context.Context, m *member.Member) context.Context {
	self := &auth.Actor{Kind: auth.KindMember, ID: m.ID, TenantID: m.TenantID, Name: m.LoginID, SuperAdmin: m.SuperAdmin}
	if a := auth.FromContext(ctx); a != nil {
		self.IP, self.UserAgent = a.IP, a.UserAgent
	}
	return auth.WithActor(ctx, self)
}

// tooMany is the refusal once a limit is reached.
func tooMany(what string, window time.Duration) error {
	return errs.E(errs.TooManyRequests, "too many %s: wait %d minutes and try again", what, int(window.Minutes()))
}
