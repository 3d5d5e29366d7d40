// Package id makes Kanri's opaque, prefixed identifiers (ten_…, mem_…) and
// secret tokens.
package id

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"strings"

	"github.com/kanri/kanri/internal/clock"
)

// crockford is Crockford's base32 alphabet in lower case: no i, l, o, u, so
// ids read aloud or copied by hand survive.
var crockford = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// Generator makes identifiers.
type Generator interface {
	// New returns a fresh id with the given prefix, e.g. New("mem").
	New(prefix string) string
}

// Sortable makes ids that sort by creation time: 48 bits of milliseconds and
// 80 random bits, so keyset paging by id follows creation order.
type Sortable struct {
	Clock clock.Clock
}

// New returns prefix + "_" + 26 base32 characters.
func (s Sortable) New(prefix string) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(s.Clock.Now().UnixMilli())<<16)
	_, _ = rand.Read(b[6:])
	return prefix + "_" + crockford.EncodeToString(b[:])
}

// Secret returns prefix + "_" + 256 random bits in base32: bearer tokens,
// invitation tokens. Only their hash is stored.
func Secret(prefix string) string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return prefix + "_" + crockford.EncodeToString(b[:])
}

// Hash returns the stored form of a secret: hex SHA-256. Secrets carry 256
// random bits, so a fast hash is enough.
func Hash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// Valid reports whether s has the form of an id New(prefix) makes: the
// prefix, "_" and 26 characters of the alphabet. Keyset cursors are ids, so
// a cursor that is not one was never handed out.
func Valid(prefix, s string) bool {
	rest, ok := strings.CutPrefix(s, prefix+"_")
	if !ok || len(rest) != 26 {
		return false
	}
	_, err := crockford.DecodeString(rest)
	return err == nil
}
