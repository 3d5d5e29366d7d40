package text_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/fuzztest"
	"github.com/kanri/kanri/internal/text"
)

func TestLineRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
	}{
		{"NUL", "Ann\x00"},
		{"CR LF", "Ann\r\nBcc: x@example.com"},
		{"LF at the end", "Ann\n"},
		{"tab", "Ann\tLee"},
		{"DEL", "Ann\x7f"},
		{"C1 next line", "Ann\u0085Lee"},
		{"line separator", "Ann\u2028Lee"},
		{"paragraph separator", "Ann\u2029Lee"},
		{"left-to-right embedding", "\u202AAnn"},
		{"right-to-left override", "Ann\u202Etxt.exe"},
		{"pop directional formatting", "Ann\u202C"},
		{"left-to-right isolate", "\u2066Ann"},
		{"pop directional isolate", "Ann\u2069"},
		{"right-to-left mark", "Ann\u200F"},
		{"left-to-right mark", "\u200EAnn"},
		{"Arabic letter mark", "Ann\u061C"},
		{"noncharacter U+FDD0", "Ann\uFDD0"},
		{"noncharacter U+FFFE", "Ann\uFFFE"},
		{"noncharacter U+10FFFF", "Ann\U0010FFFF"},
		{"noncharacter U+1FFFE", "Ann\U0001FFFE"},
		{"byte order mark", "\uFEFFAnn"},
		{"replacement character", "Ann\uFFFD"},
		{"invalid UTF-8", "Ann\xff"},
		{"encoded surrogate", "Ann\xed\xa0\x80"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := text.Line("display_name", tt.in)
			fuzztest.CheckInvalid(t, tt.in, err, "display_name")
			if got != "" {
				t.Errorf("Line(%q) = %q with an error, want \"\"", tt.in, got)
			}
			if e, _ := errs.As(err); !strings.HasPrefix(e.Message("en"), "display name ") {
				t.Errorf("Line(%q): message %q does not name the field", tt.in, e.Message("en"))
			}
		})
	}
}

func TestLineKeeps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"plain", "Ann Lee", "Ann Lee"},
		{"trimmed", "  Ann Lee\u3000", "Ann Lee"},
		{"Japanese with an ideographic space", "山田\u3000太郎", "山田\u3000太郎"},
		{"NFD becomes NFC", "Jose\u0301", "Jos\u00e9"},
		{"NFD kana becomes NFC", "\u30cf\u309a\u30f3", "\u30d1\u30f3"},
		{"emoji with zero-width joiners", "\U0001F468\u200D\U0001F469\u200D\U0001F467", "\U0001F468\u200D\U0001F469\u200D\U0001F467"},
		{"Persian zero-width non-joiner", "\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645", "\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645"},
		{"kanji variation selector", "\u845B\U000E0100", "\u845B\U000E0100"},
		{"private use (gaiji)", "\uE000山", "\uE000山"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := text.Line("display_name", tt.in)
			if err != nil || got != tt.want {
				t.Errorf("Line(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.want)
			}
		})
	}
}

// FuzzLine checks Line's contract for any input: either an Invalid error
// naming the field, or a trimmed NFC text with no refused character that
// Line returns unchanged. Crashers found by `go test -fuzz` live in
// testdata/fuzz/FuzzLine.
func FuzzLine(f *testing.F) {
	for _, s := range []string{"Ann", " Ann ", "山田\u3000太郎", "Jose\u0301", "Ann\r\nBcc: x", "\x00", "\u202Eabc",
		"\u2066a\u2069", "\uFDD0", "\U0010FFFF", "\uFEFF", "\uFFFD", "\xff", "\xed\xa0\x80", "\u0085", "a\u2028b", "\u200F",
		"\u1100\u1161\u11A8", "\u0344", "\uFA19", "\U0001F468\u200D\U0001F469"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := text.Line("name", in)
		if err != nil {
			fuzztest.CheckInvalid(t, in, err, "name")
			return
		}
		if !utf8.ValidString(got) || !norm.NFC.IsNormalString(got) || got != strings.TrimSpace(got) {
			t.Fatalf("Line(%q) = %q: want valid, NFC and trimmed", in, got)
		}
		for _, r := range got {
			if why := text.Refused(r); why != "" {
				t.Fatalf("Line(%q) = %q holds %U, %s", in, got, r, why)
			}
		}
		if again, err := text.Line("name", got); err != nil || again != got {
			t.Fatalf("Line(%q) = %q, %v; want %q, nil (idempotent)", got, again, err, got)
		}
	})
}
