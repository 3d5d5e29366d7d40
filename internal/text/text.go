// Package text checks the short texts people type and Kanri stores — names,
// labels, phone numbers, descriptions — and puts them in one canonical form.
//
// A stored text is shown in the console, in mails and in webhooks, and some
// of it goes into mail headers. Characters that no name needs but that break
// or disguise what others see are refused, not silently dropped, so the
// person who typed them learns which field to fix:
//   - control characters (C0, DEL, C1), which include NUL, tab, CR and LF,
//     and the line and paragraph separators U+2028, U+2029: a line break in
//     a name ends a mail header early (or fails the mail for good);
//   - the bidirectional formatting characters: embeddings and overrides
//     U+202A–U+202E, isolates U+2066–U+2069, and the marks U+200E, U+200F
//     and U+061C. They are invisible and reorder what follows them, so
//     "abc\u202Etxt.exe" shows as something else ("Trojan Source");
//   - noncharacters (U+FDD0–U+FDEF and every U+xxFFFE, U+xxFFFF), the byte
//     order mark U+FEFF and the replacement character U+FFFD, which only
//     appear when text was broken on its way (a lone UTF-16 surrogate in
//     JSON decodes to U+FFFD);
//   - bytes that are not UTF-8.
//
// Zero-width joiners and non-joiners (emoji sequences, Persian, Indic
// scripts), variation selectors (kanji variants) and private-use characters
// (外字) stay allowed.
package text

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
)

// Line checks s, one line of text typed for field (a request field such as
// "display_name"), and returns it without surrounding white space and in
// Unicode normalization form C, so that one name has one spelling however
// it was typed. It returns an Invalid error naming field when s holds a
// character that Refused reports. Lengths are the caller's to check, on the
// returned text.
func Line(field, s string) (string, error) {
	if err := check(field, s); err != nil {
		return "", err
	}
	return norm.NFC.String(strings.TrimSpace(s)), nil
}

// check returns an Invalid error naming field when s is not UTF-8 or holds
// a character that Refused reports; the message names the first one.
func check(field, s string) error {
	if !utf8.ValidString(s) {
		return errs.Field(field, "text.not_utf8")
	}
	for i, r := range s {
		if why := Refused(r); why != "" {
			return errs.Field(field, "text.character_refused", "what", why,
				"codepoint", fmt.Sprintf("U+%04X", r), "position", utf8.RuneCountInString(s[:i])+1)
		}
	}
	return nil
}

// Refused says what kind of character r is when a stored text may not hold
// it, as a message catalog term ("a control character or line break" …),
// or returns "".
func Refused(r rune) i18n.Term {
	switch {
	case unicode.IsControl(r) || r == '\u2028' || r == '\u2029':
		return "text.kind_control"
	case isBidi(r):
		return "text.kind_bidi"
	case isNoncharacter(r) || r == '\uFEFF' || r == utf8.RuneError:
		return "text.kind_noncharacter"
	}
	return ""
}

// Printable returns s with every character that is not printable (control
// characters, line breaks, invisible formatting characters, bytes that are
// not UTF-8) escaped as Go writes them ("\r\n", "\u202e", "\xff"), so
// that a message can show what someone typed, on one line and as typed.
func Printable(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// isBidi reports the bidirectional embeddings, overrides, isolates and marks.
func isBidi(r rune) bool {
	return ('\u202A' <= r && r <= '\u202E') || ('\u2066' <= r && r <= '\u2069') ||
		r == '\u200E' || r == '\u200F' || r == '\u061C'
}

// isNoncharacter reports the 66 code points Unicode reserves never to be
// characters.
func isNoncharacter(r rune) bool {
	return ('\uFDD0' <= r && r <= '\uFDEF') || (r&0xFFFE == 0xFFFE && r <= unicode.MaxRune)
}
