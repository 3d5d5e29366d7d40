package auth

import (
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
)

// Argon2id parameters: OWASP's first recommendation (m=19 MiB, t=2, p=1).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	// MinPasswordLen and MaxPasswordLen bound passwords in characters; the
	// maximum only stops absurd inputs (NIST asks for at least 64 to be
	// accepted), long passphrases are welcome.
	MinPasswordLen = 8
	MaxPasswordLen = 256
)

// commonPasswordList is the list of common passwords (see the file's
// header for where it comes from).
//
//go:embed common_passwords.txt
var commonPasswordList string

// commonPasswords is the list as a set, built on first use. A sync.OnceValue
// beside the embedded file is the one piece of package state here: an
// immutable set computed from the binary, so that a check is one map
// lookup instead of a scan of ~18,000 lines.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 20000)
	for line := range strings.Lines(commonPasswordList) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			set[line] = struct{}{}
		}
	}
	return set
})

// PasswordContext is what a password must not be: the names of the account
// it protects, which an attacker tries first (NIST SP 800-63B 3.1.1.2).
type PasswordContext struct {
	LoginID    string // local@domain; its local part is refused too
	Email      string // the personal e-mail address; its local part is refused
	WorksGroup string // the tenant's works-group name
}

// CheckPassword returns an Invalid error naming field, and the rule that
// refused it, when pw is too short or too long, only white space, one
// character repeated, one of the account's names in pc, or among the
// common passwords attackers try first. Any other characters are allowed:
// long passphrases with spaces are welcome.
func CheckPassword(field, pw string, pc PasswordContext) error {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLen:
		return errs.Field(field, "auth.password_too_short", "min", MinPasswordLen)
	case n > MaxPasswordLen:
		return errs.Field(field, "auth.password_too_long", "max", MaxPasswordLen)
	case strings.TrimSpace(pw) == "":
		return errs.Field(field, "auth.password_only_spaces", "min", MinPasswordLen)
	case oneRune(pw):
		return errs.Field(field, "auth.password_one_character")
	}
	if name := pc.match(pw); name != "" {
		return errs.Field(field, "auth.password_is_own_name", "name", name)
	}
	if _, ok := commonPasswords()[strings.ToLower(pw)]; ok {
		return errs.Field(field, "auth.password_common")
	}
	return nil
}

// oneRune reports whether pw is one character repeated ("aaaaaaaa").
func oneRune(pw string) bool {
	first, _ := utf8.DecodeRuneInString(pw)
	return strings.Trim(pw, string(first)) == ""
}

// match returns what pw equals in pc, ignoring case, or "": a term of the
// message catalog, so the refusal names it in the reader's language.
func (pc PasswordContext) match(pw string) i18n.Term {
	local := func(s string) string { l, _, _ := strings.Cut(s, "@"); return l }
	for _, c := range []struct {
		name  i18n.Term
		value string
	}{
		{"auth.password_name.login_id", pc.LoginID}, {"auth.password_name.login_id", local(pc.LoginID)},
		{"auth.password_name.email", pc.Email}, {"auth.password_name.email_local", local(pc.Email)},
		{"auth.password_name.works_group", pc.WorksGroup},
	} {
		if c.value != "" && strings.EqualFold(strings.TrimSpace(pw), c.value) {
			return c.name
		}
	}
	return ""
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
