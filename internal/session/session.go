// Package session signs people in and out: console sessions and API tokens
// for members and operators, rate-limited failed logins, and revocation one
// by one, per member or per tenant.
package session

import "time"

// Session is a signed-in console session or a long-lived API token.
type Session struct {
	ID         string
	TokenHash  string // SHA-256 of the bearer token; the token itself is never stored
	Kind       string // "session" or "api_token"
	TenantID   string
	MemberID   string
	OperatorID string
	// PartnerUserID owns a partner user's session (SPEC §7).
	PartnerUserID string
	Name          string
	IP            string
	UserAgent     string
	CreatedAt     time.Time
	ExpiresAt     time.Time // zero: never
	RevokedAt     time.Time
}

// The session kinds.
const (
	KindSession  = "session"
	KindAPIToken = "api_token"
)

// Operator is one of the vendor's staff.
type Operator struct {
	ID           string
	Email        string
	Name         string
	PasswordHash string
	CreatedAt    time.Time
	DisabledAt   time.Time // zero while the operator may sign in
}
