package domain_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/domain"
	"github.com/kanri/kanri/internal/fuzztest"
)

// validName is a lower-case LDH name of at least two labels; lengths are
// checked separately.
var validName = regexp.MustCompile(`^[a-z0-9-]+(\.[a-z0-9-]+)+$`)

// FuzzNormalize checks Normalize's contract for any input: a canonical
// lower-case LDH name of at most 253 octets that normalizes to itself, or an
// Invalid error naming the field "name". Crashers found by `go test -fuzz`
// live in testdata/fuzz/FuzzNormalize.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{
		"Example.COM.", "example.com", "bücher.example", "xn--bcher-kva.example", "ｅｘａｍｐｌｅ．ｃｏｍ",
		"例え。テスト", "例え｡テスト", "co.jp", "jp", "localhost", label63 + ".com", strings.Repeat("a", 64) + ".com",
		name253, name254, "192.0.2.1", "[::1]", "::1", "gmail.com", "mail.works.example", "a..b", ".a.b",
		"a.b..", "-a.com", "a-.com", "ab--c.com", "a_b.com", "a b.com", "a@b.com", "a/b.com", "xn--zz.com",
		"xn--.com", "xn--a.com", "xn--abc-.com", "*.example.com", "example.123", "faß.de", "\u0130stanbul.com",
		"\u212Aelvin.com", "a\u200bb.com", "\u200b.com", "ab\u00adc.com", "a\uFE52com", "\u2488com", "\xff.com",
		"\ufffd.com", "a\x00.com", "example.com\r\nX: y", "", " ", "\u3000", strings.Repeat("ü", 60) + ".jp",
		strings.Repeat("a.", 200) + "jp", "xn--r8jz45g.xn--zckzah", "ǅ.com", "\u0644\u0627.com", "a.\u0644.com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := domain.Normalize(in)
		if err != nil {
			fuzztest.CheckInvalid(t, in, err, "name")
			return
		}
		if len(got) > 253 || !validName.MatchString(got) {
			t.Fatalf("Normalize(%q) = %q, want at most 253 octets matching %s", in, got, validName)
		}
		for _, l := range strings.Split(got, ".") {
			if len(l) > 63 || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
				t.Fatalf("Normalize(%q) = %q has label %q, want 1 to 63 octets not starting or ending with \"-\"", in, got, l)
			}
		}
		again, err := domain.Normalize(got)
		if err != nil || again != got {
			t.Fatalf("Normalize(%q) = %q, %v; want %q, nil (idempotent)", got, again, err, got)
		}
	})
}
