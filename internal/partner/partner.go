// Package partner holds the resellers ("partners") that sell Kanri: their
// terms and users, and the partner codes through which a tenant moves its
// contract to one of them, for good (SPEC §7, seed 001).
package partner

import (
	"crypto/rand"
	"math/big"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/text"
)

// Partner is a reseller: it contracts with tenants and is billed wholesale.
type Partner struct {
	ID           string
	Name         string // the company name, as customers read it
	ContactName  string
	ContactEmail string // where the partner's own notices go
	Registration string // the invoice registration number (T + 13 digits), if any
	// DiscountPercent is the wholesale discount on the catalog's prices.
	DiscountPercent int
	// Prices is the partner's price list: a monthly wholesale unit price
	// (minor units) per "plan/contract", instead of the discount where given.
	Prices    map[string]int64
	Status    string // StatusActive or StatusSuspended
	CreatedAt time.Time
	UpdatedAt time.Time
}

// The partner statuses: a suspended partner's users cannot sign in or
// authenticate codes; its customers stay its customers.
const (
	StatusActive    = "active"
	StatusSuspended = "suspended"
)

// Fields are a partner's editable fields; nil ones stay unchanged.
type Fields struct {
	Name            *string
	ContactName     *string
	ContactEmail    *string
	Registration    *string
	DiscountPercent *int
	Prices          *map[string]int64
}

// Apply validates f and applies it to p. Errors: Invalid, naming the field.
func (f Fields) Apply(p *Partner) error {
	for _, t := range []struct {
		name     string
		dst, src *string
	}{{"name", &p.Name, f.Name}, {"contact_name", &p.ContactName, f.ContactName}, {"registration", &p.Registration, f.Registration}} {
		if t.src == nil {
			continue
		}
		v, err := text.Line(t.name, *t.src)
		if err != nil {
			return err
		}
		*t.dst = v
	}
	if f.ContactEmail != nil {
		email, err := member.NormalizeEmail("contact_email", *f.ContactEmail)
		if err != nil {
			return err
		}
		p.ContactEmail = email
	}
	if f.DiscountPercent != nil {
		p.DiscountPercent = *f.DiscountPercent
	}
	if f.Prices != nil {
		p.Prices = *f.Prices
	}
	for key, price := range p.Prices {
		if price < 0 {
			return errs.Field("prices", "partner.price_negative", "key", key)
		}
	}
	switch {
	case p.Name == "" || len([]rune(p.Name)) > 100:
		return errs.Field("name", "partner.name_invalid")
	case p.Registration != "" && !registrationValid(p.Registration):
		return errs.Field("registration", "partner.registration_invalid", "registration", p.Registration)
	case p.DiscountPercent < 0 || p.DiscountPercent > 100:
		return errs.Field("discount_percent", "partner.discount_invalid", "percent", p.DiscountPercent)
	}
	return nil
}

// registrationValid reports whether r is a qualified-invoice registration
// number: T and 13 digits.
func registrationValid(r string) bool {
	return len(r) == 14 && r[0] == 'T' && strings.Trim(r[1:], "0123456789") == ""
}

// User is one of a partner's staff, who signs in to the partner portal.
type User struct {
	ID           string
	PartnerID    string
	Email        string // the sign-in name
	Name         string
	Language     string // "ja" or "en"
	PasswordHash string // "" until an invited user chooses one
	CreatedAt    time.Time
	// InvitationHash is the SHA-256 of the invitation token until the
	// invited user chooses a password; the token goes only into the mail.
	InvitationHash      string
	InvitationExpiresAt time.Time
	// PartnerName and PartnerStatus are read with the user: a suspended
	// partner's users cannot sign in.
	PartnerName   string
	PartnerStatus string
}

// Code is a partner code: issued by a tenant's super admin, authenticated
// once by a partner, then approved by the super admin.
type Code struct {
	Code            string
	TenantID        string
	Status          string
	PartnerID       string // the partner that authenticated it
	IssuedAt        time.Time
	ExpiresAt       time.Time
	AuthenticatedAt time.Time
	ApprovedAt      time.Time
}

// The code statuses.
const (
	CodeIssued        = "issued"
	CodeRevoked       = "revoked"
	CodeAuthenticated = "authenticated"
	CodeApproved      = "approved"
	// CodeExpired is an issued code read after its expiry: never stored,
	// so a code expires without anyone writing it (see StatusAt).
	CodeExpired = "expired"
)

// StatusAt is c's status at now: an issued code past its expiry reads as
// expired, since it can no longer be authenticated.
func (c *Code) StatusAt(now time.Time) string {
	if c.Status == CodeIssued && !now.Before(c.ExpiresAt) {
		return CodeExpired
	}
	return c.Status
}

// codeAlphabet is what a code's 16 random characters are drawn from.
const codeAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// NewCode returns "ERV" and 16 characters of A-Z0-9 from the CSPRNG (SPEC
// §7): 82 bits, beyond guessing within the attempt limits.
func NewCode() string {
	var b strings.Builder
	b.WriteString("ERV")
	n := big.NewInt(int64(len(codeAlphabet)))
	for range 16 {
		i, err := rand.Int(rand.Reader, n)
		if err != nil {
			panic("partner: the system's random source failed: " + err.Error()) // crypto/rand does not fail on Linux
		}
		b.WriteByte(codeAlphabet[i.Int64()])
	}
	return b.String()
}

// NormalizeCode is a code as typed (spaces, hyphens, lower case) in the
// form it was issued in.
func NormalizeCode(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-' || r == '\u3000':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'Ａ' && r <= 'Ｚ':
			return r - 'Ａ' + 'A'
		case r >= 'ａ' && r <= 'ｚ':
			return r - 'ａ' + 'A'
		case r >= '０' && r <= '９':
			return r - '０' + '0'
		}
		return r
	}, strings.TrimSpace(s))
}

// Step is where a tenant stands in the console's four steps (seed 001):
// 1 issue a code, 2 awaiting the partner's authentication, 3 settlement
// and approval, 4 switched. c is the tenant's latest code, or nil; an
// expired one asks for a new code, as a revoked one does.
func Step(c *Code) int {
	switch {
	case c == nil || c.Status == CodeRevoked || c.Status == CodeExpired:
		return 1
	case c.Status == CodeIssued:
		return 2
	case c.Status == CodeAuthenticated:
		return 3
	}
	return 4
}

// Customer is a partner's customer as the portal shows it: no more of the
// tenant than this.
type Customer struct {
	TenantID    string
	CompanyName string
	WorksGroup  string
	Domain      string
	Plan        string
	Contract    string
	Licenses    int
	Billable    int
	Status      string // the subscription's
	SwitchedAt  time.Time
	// PeriodEnd and Next are a change scheduled for the period's end (a
	// reduction at renewal, a downgrade), if any.
	PeriodEnd time.Time
	Next      *billing.Terms
}
