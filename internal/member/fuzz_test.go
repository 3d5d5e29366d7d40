package member_test

import (
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/kanri/kanri/internal/fuzztest"
	"github.com/kanri/kanri/internal/member"
)

const fuzzDomain = "acme.works.example"

var validLocal = regexp.MustCompile(`^[a-z0-9._-]{1,64}$`)

// trickyInputs seed both login-id and e-mail fuzzers.
var trickyInputs = []string{
	"", " ", "\t\r\n", "\u3000", "ann", "Ann", "  ann  ", "ann.lee", "ann_lee-2", "a",
	".ann", "ann.", "ann..lee", "-ann", "ann-", "--", "xn--", "_",
	"ann@" + fuzzDomain, "ANN@ACME.WORKS.EXAMPLE", "ann@other.example", "ann@", "@" + fuzzDomain,
	"a@b@" + fuzzDomain, "a@b@c", "ann@" + fuzzDomain + ".", "ann@acme.wor\u212As.example",
	"ａｎｎ", "ｅｘａｍｐｌｅ", "bücher", "\u0130smail", "\u212Aen", "an\u200bn", "\ufeffann", "ann\u00a0lee",
	"ann\r\nBcc: x@evil.example", "ann%0d%0aBcc:x@evil.example", "ann\x00",
	strings.Repeat("a", 64), strings.Repeat("a", 65), strings.Repeat("\u212A", 64) + "@" + fuzzDomain,
	strings.Repeat("a", 10000), "\xff", "a\xffb",
	"ann@example.com", "Ann@Example.COM", " ann@example.com\r\n", "ann@example.com\r\nBcc: x@evil.example",
	"ann@example.com\nBcc:x@evil.example", "a@b@c.d", "\"ann lee\"@example.com", "\"ann\"@example.com",
	"\"a@b\"@example.com", "<ann@example.com>", "Ann <ann@example.com>", "ann@example.com (Ann)",
	"ann@example.com(Ann)", "(Ann)ann@example.com", "ann@[192.0.2.1]", "ann@[IPv6:2001:db8::1]", "ann@[a@b.c]",
	"ann@192.0.2.1", "ann@localhost", "ann@.example.com", "ann@example.com.", "ann@example..com",
	"ann@xn--bcher-kva.example", "ann@bücher.example", "ann@ｅｘａｍｐｌｅ.com", "ann@\u0130stanbul.example",
	"ann@\u212Aelvin.example", "ann@ex\u200bample.com", "ann\u2028@example.com", "ann\u0085@example.com",
	"ann@\u023A.example", "ann@" + strings.Repeat("\u023A", 120) + ".example",
	strings.Repeat("a", 64) + "@" + strings.Repeat("b", 185) + ".com", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 186) + ".com",
	"a,b@example.com", "ann@example.com,bob@example.com", "ann@example.com;", "ann@example.com>",
}

// FuzzLoginID checks LoginID's contract: a canonical local@domain or an
// Invalid error naming login_id.
func FuzzLoginID(f *testing.F) {
	for _, s := range trickyInputs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := member.LoginID(in, fuzzDomain)
		if err != nil {
			fuzztest.CheckInvalid(t, in, err, "login_id")
			return
		}
		local, ok := strings.CutSuffix(got, "@"+fuzzDomain)
		if !ok {
			t.Fatalf("LoginID(%q) = %q, want it to end with @%s", in, got, fuzzDomain)
		}
		if !validLocal.MatchString(local) || strings.HasPrefix(local, ".") || strings.HasSuffix(local, ".") || strings.Contains(local, "..") {
			t.Fatalf("LoginID(%q) = %q, want 1 to 64 of [a-z0-9._-] with no leading, trailing or double \".\"", in, got)
		}
		if got != strings.ToLower(got) {
			t.Fatalf("LoginID(%q) = %q, want lower case", in, got)
		}
		// Only ASCII is lower-cased: a look-alike such as the Kelvin sign is
		// refused rather than turned into someone else's "k".
		if want := fuzztest.ASCIILower(strings.TrimSpace(in)); got != want && got != want+"@"+fuzzDomain {
			t.Fatalf("LoginID(%q) = %q, want the trimmed input with only A-Z lower-cased", in, got)
		}
		again, err := member.LoginID(got, fuzzDomain)
		if err != nil || again != got {
			t.Fatalf("LoginID(%q) = %q, %v; want %q, nil (idempotent)", got, again, err, got)
		}
	})
}

// FuzzEmail checks NormalizeEmail's contract: one plain, single-line address
// that normalizes to itself, or an Invalid error naming the field.
func FuzzEmail(f *testing.F) {
	for _, s := range trickyInputs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := member.NormalizeEmail("email", in)
		if err != nil {
			fuzztest.CheckInvalid(t, in, err, "email")
			return
		}
		if i := strings.IndexFunc(got, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }); i >= 0 {
			t.Fatalf("NormalizeEmail(%q) = %q, want no white space or control character (found one at byte %d)", in, got, i)
		}
		if len(got) > 254 {
			t.Fatalf("NormalizeEmail(%q) has %d bytes, want at most 254", in, len(got))
		}
		if n := strings.Count(got, "@"); n != 1 {
			t.Fatalf("NormalizeEmail(%q) = %q has %d \"@\", want exactly 1", in, got, n)
		}
		local, domain, _ := strings.Cut(got, "@")
		if local == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") || strings.Contains(domain, "..") {
			t.Fatalf("NormalizeEmail(%q) = %q, want local@domain.tld", in, got)
		}
		if domain != strings.ToLower(domain) {
			t.Fatalf("NormalizeEmail(%q) = %q, want a lower-case domain", in, got)
		}
		if a, err := mail.ParseAddress(got); err != nil || a.Name != "" || a.Address != got {
			t.Fatalf("NormalizeEmail(%q) = %q, which net/mail reads as %v, %v", in, got, a, err)
		}
		again, err := member.NormalizeEmail("email", got)
		if err != nil || again != got {
			t.Fatalf("NormalizeEmail(%q) = %q, %v; want %q, nil (idempotent)", got, again, err, got)
		}
	})
}
