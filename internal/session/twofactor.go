package session

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/id"
)

// Policy is a tenant's two-factor requirement (SPEC §2: optional TOTP).
type Policy string

// The two-factor policies: nobody is required to, admins (the super admin
// and members holding any permission), or everyone.
const (
	PolicyOff      Policy = "off"
	PolicyAdmins   Policy = "admins"
	PolicyEveryone Policy = "everyone"
)

// Requires reports whether the policy requires a to sign in with two factors.
func (p Policy) Requires(a *auth.Actor) bool {
	switch p {
	case PolicyEveryone:
		return true
	case PolicyAdmins:
		return a.SuperAdmin || len(a.Permissions) > 0
	}
	return false
}

// TwoFactor is a member's TOTP (RFC 6238) enrolment.
type TwoFactor struct {
	MemberID     string
	TenantID     string
	Secret       string    // sealed (see Sealer); never logged
	ConfirmedAt  time.Time // zero: enrolment pending until a first code is confirmed
	LastStep     int64     // the last time-step whose code was accepted; no code of it or before is taken again
	CreatedAt    time.Time
	RecoveryLeft int // unused recovery codes
}

// Pending is the second step of a sign-in whose password was right: its
// token is single-use and short-lived, and only its hash is stored.
type Pending struct {
	TokenHash string
	TenantID  string
	MemberID  string
	CreatedAt time.Time
	ExpiresAt time.Time
}

const (
	totpPeriod      = 30 // seconds per time-step
	totpIssuer      = "Kanri"
	recoveryCodes   = 10
	recoveryLetters = "0123456789abcdefghjkmnpqrstvwxyz" // Crockford's base32, lower case
	pendingTTL      = 5 * time.Minute
)

var totpOpts = hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// matchStep returns the time-step, within one step of now either side for
// clocks that drift, whose code is code.
func matchStep(secret, code string, now time.Time) (int64, bool) {
	code = strings.Join(strings.Fields(code), "")
	if len(code) != int(totpOpts.Digits) {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	for step := cur - 1; step <= cur+1; step++ {
		want, err := hotp.GenerateCodeCustom(secret, uint64(step), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// newRecoveryCodes returns recoveryCodes fresh codes (50 random bits each,
// shown as xxxxx-xxxxx) and their stored hashes.
func newRecoveryCodes(memberID string) (codes, hashes []string) {
	for range recoveryCodes {
		var b [10]byte
		_, _ = rand.Read(b[:])
		for i := range b {
			b[i] = recoveryLetters[b[i]%32]
		}
		codes = append(codes, string(b[:5])+"-"+string(b[5:]))
		hashes = append(hashes, recoveryHash(memberID, string(b[:])))
	}
	return codes, hashes
}

// recoveryHash is the stored form of a recovery code as typed: case,
// spaces and dashes do not matter. The member id keeps equal codes of two
// members apart.
func recoveryHash(memberID, code string) string {
	code = strings.NewReplacer("-", "", " ", "").Replace(strings.ToLower(code))
	return id.Hash(memberID + ":" + code)
}

// Sealer encrypts TOTP secrets at rest with AES-256-GCM, bound to their
// member, so that a copy of the table without the key gives none away.
type Sealer struct{ aead cipher.AEAD }

// NewSealer returns a Sealer for a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("two-factor key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("two-factor key: %w", err)
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts secret for memberID.
func (s *Sealer) Seal(secret, memberID string) string {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return base64.StdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, []byte(secret), []byte(memberID)))
}

// Open decrypts what Seal returned for memberID.
func (s *Sealer) Open(sealed, memberID string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(b) < s.aead.NonceSize() {
		return "", errors.New("a sealed two-factor secret is damaged")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, b[:n], b[n:], []byte(memberID))
	if err != nil {
		return "", fmt.Errorf("a two-factor secret does not open with this server's key: %w", err)
	}
	return string(plain), nil
}
