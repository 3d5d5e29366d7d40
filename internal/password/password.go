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
	ReserveLoginAttempt(ctx context.Context, key string, now, windowStart time.Time) (int, time.Time, error)
	AppendAuditEvents(ctx context.Context, events ...*audit.Event) error
	GetMail(ctx context.Context, id string) (*notify.Mail, error)
}

// Service changes and resets passwords.
type Service struct {
	Store  Store
	Clock  clock.Clock
	Audit  audit.Recorder
	Notify *notify.Service
	IDs    id.Generator
	// Later queues the job of a "forgot password" request, which calls
	// Send; kanri serve inserts a River job (jobs.PasswordResetArgs).
	Later func(ctx context.Context, r Request) error
	// BaseURL is the console's: links lead to BaseURL/reset-password.
	BaseURL string
	// Sessions checks current passwords under the sign-in limits (a wrong
	// one counts as a failed sign-in of the account) and unlocks an account
	// whose password was reset.
	Sessions *session.Service
	// Requests bounds "forgot password" requests per login id and per IP.
	Requests session.Limits
	// TTL is how long a link the member asked for is valid (30 minutes);
	// AdminTTL one sent at an admin's request (24 hours: the member may
	// not read mail at once).
	TTL, AdminTTL time.Duration
}

// requestLimit prefixes the keys that reset requests count under: the
// sign-in limit's keys, kept apart from them.
const requestLimit = "pwreset:"

// stamp fingerprints m's password hash and e-mail address: a link made
// before either changed carries another stamp and no longer works, so a
// link mailed to an address the member no longer has dies with it.
func stamp(m *member.Member) string { return id.Hash("pw:" + m.PasswordHash + "\x00" + m.Email) }
