package auth

import (
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/kanri/kanri/internal/errs"
)

// Argon2id parameters: OWASP's first recommendation (m=19 MiB, t=2, p=1).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	// MinPasswordLen and MaxPasswordLen bound passwords in characters; the
	// maximum only stops absurd inputs, long passphrases are welcome.
	MinPasswordLen = 8
	MaxPasswordLen = 256
)

//go:embed common_passwords.txt
var commonPasswordList string

// CheckPassword returns an Invalid error naming field when pw is too short,
// too long or among the common passwords attackers try first.
func CheckPassword(field, pw string) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		return errs.Field(field, "password is too short: use at least %d characters", MinPasswordLen)
	case n > MaxPasswordLen:
		return errs.Field(field, "password is too long: use at most %d characters", MaxPasswordLen)
	case isCommonPassword(pw):
		return errs.Field(field, "this password is among the most common ones and is easily guessed: choose another")
	}
	return nil
}

func isCommonPassword(pw string) bool {
	needle := strings.ToLower(pw)
	for line := range strings.Lines(commonPasswordList) {
		if strings.TrimSpace(line) == needle {
			return true
		}
	}
	return false
}

// HashPassword returns the argon2id hash of pw in PHC string format.
func HashPassword(pw string) string {
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// VerifyPassword reports whether pw matches a hash made by HashPassword, with
// the parameters stored in the hash so they can be raised later.
func VerifyPassword(hash, pw string) bool {
	var mem, t uint32
	var p uint8
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// VerifyNothing spends the time of one password check, so a failed login
// takes as long whether or not the login id exists.
func VerifyNothing(pw string) {
	argon2.IDKey([]byte(pw), []byte("kanri-no-account"), argonTime, argonMemory, argonThreads, argonKeyLen)
}
