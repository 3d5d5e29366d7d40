package tenant_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/fuzztest"
	"github.com/kanri/kanri/internal/tenant"
)

var validWorksGroup = regexp.MustCompile(`^[a-z0-9-]{3,40}$`)

// FuzzWorksGroupName checks NormalizeWorksGroup's contract for any input: it
// returns a valid, canonical name or an Invalid error naming works_group.
// Crashers found by `go test -fuzz` live in testdata/fuzz/FuzzWorksGroupName.
func FuzzWorksGroupName(f *testing.F) {
	for _, s := range []string{
		"acme", "ACME", "  acme  ", "a-b", "abc-123", "ab", "a", "", " ", "\t\r\n", "\u3000acme\u3000",
		"-acme", "acme-", "--", "---", "a--b", "ab--c", "xn--", "xn--acme", "xn--bcher-kva", "ab-cd",
		"ｅｘａｍｐｌｅ", "bücher", "\u0130stanbul", "\u212Aelvin", "\u212A\u212A\u212A", "ac\u200bme", "\ufeffacme",
		"acme\r\nX-Injected: 1", "acme\x00", "acme.example", "acme_corp", "a cme", "acme@x",
		strings.Repeat("a", 40), strings.Repeat("a", 41), strings.Repeat("a", 1000), strings.Repeat("\u212A", 40),
		"\xff\xfe", "a\xffb",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := tenant.NormalizeWorksGroup(in)
		if err != nil {
			fuzztest.CheckInvalid(t, in, err, "works_group")
			return
		}
		if !validWorksGroup.MatchString(got) {
			t.Fatalf("NormalizeWorksGroup(%q) = %q, want a match for %s", in, got, validWorksGroup)
		}
		if strings.HasPrefix(got, "-") || strings.HasSuffix(got, "-") {
			t.Fatalf("NormalizeWorksGroup(%q) = %q, want no leading or trailing \"-\"", in, got)
		}
		if len(got) >= 4 && got[2:4] == "--" {
			t.Fatalf("NormalizeWorksGroup(%q) = %q, want no \"--\" at the 3rd and 4th characters", in, got)
		}
		// Normalizing only trims and lower-cases ASCII: a non-ASCII look-alike
		// (Kelvin sign, dotted capital I) is refused, not silently rewritten.
		if want := fuzztest.ASCIILower(strings.TrimSpace(in)); got != want {
			t.Fatalf("NormalizeWorksGroup(%q) = %q, want %q", in, got, want)
		}
		again, err := tenant.NormalizeWorksGroup(got)
		if err != nil || again != got {
			t.Fatalf("NormalizeWorksGroup(%q) = %q, %v; want %q, nil (idempotent)", got, again, err, got)
		}
	})
}
