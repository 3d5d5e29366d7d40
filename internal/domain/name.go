// Package domain holds a tenant's mail and login domains: the provided domain
// every tenant gets, the custom domains an admin adds and proves by DNS, and
// the change of primary domain. This file turns what a person typed into the
// one canonical name stored and compared, and says which names a tenant may
// not add at all.
package domain

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"

	"github.com/kanri/kanri/internal/errs"
)

// Length limits of RFC 1035, in octets of the A-label form without the
// trailing dot.
const (
	maxLabel = 63
	maxName  = 253
	// maxTyped bounds the input IDNA sees: ignored characters (soft hyphen,
	// zero-width space) make a typed name longer than its A-label, but never
	// four times longer in a name anyone means.
	maxTyped = 4 * maxName
)

// Normalize returns the canonical A-label form of a domain name a person
// typed: trimmed, full-width dots and letters mapped, one trailing dot
// dropped, converted by IDNA (UTS #46, lookup profile) to lower-case ASCII,
// so "Bücher.Example." becomes "xn--bcher-kva.example". It refuses anything
// that is not a host name of at least two labels with an Invalid error for
// field "name" that says what to type instead. Normalize(Normalize(x)) ==
// Normalize(x) whenever the first call succeeds.
func Normalize(input string) (string, error) {
	s := strings.TrimSpace(input)
	if s == "" {
		return "", errs.Field("name", "domain.name_required")
	}
	if !utf8.ValidString(s) {
		return "", errs.Field("name", "domain.name_not_text", "domain", show(s))
	}
	if len(s) > maxTyped {
		return "", errs.Field("name", "domain.name_too_long", "domain", show(s), "max", maxName)
	}
	s = strings.TrimSuffix(strings.Map(mapDot, s), ".")
	if isIP(s) {
		return "", errs.Field("name", "domain.name_ip_address", "domain", show(s))
	}
	if err := checkTyped(s); err != nil {
		return "", err
	}
	a, err := idna.Lookup.ToASCII(s)
	if err != nil {
		return "", errs.Field("name", "domain.name_idna_invalid", "domain", show(input))
	}
	if err := checkName(a, input); err != nil {
		return "", err
	}
	return a, nil
}

// Refuse reports why name (already normalized) may not be added by a tenant
// whose provided domains live under providedBase (e.g. "works.example"), or
// nil. The error is Invalid for field "name".
func Refuse(name, providedBase string) error {
	base := strings.TrimSuffix(strings.ToLower(providedBase), ".")
	switch {
	case base != "" && (name == base || strings.HasSuffix(name, "."+base)):
		return errs.Field("name", "domain.provided_base", "base", base)
	case isConsumerMail(name):
		return errs.Field("name", "domain.public_mail", "domain", name)
	}
	if suffix, _ := publicsuffix.PublicSuffix(name); suffix == name {
		return errs.Field("name", "domain.public_suffix", "domain", name)
	}
	if _, err := publicsuffix.EffectiveTLDPlusOne(name); err != nil {
		return errs.Field("name", "domain.not_registrable", "domain", name)
	}
	return nil
}

// mapDot maps the full stops a Japanese keyboard types (fullwidth,
// ideographic, halfwidth ideographic) to ".", before IDNA sees the name.
func mapDot(r rune) rune {
	switch r {
	case '\uFF0E', '\u3002', '\uFF61':
		return '.'
	}
	return r
}

// isConsumerMail reports whether name is a mail service whose addresses
// belong to its users, not to a company. Exact names only: a subdomain of
// one is not refused here, but no customer can publish its proof records.
func isConsumerMail(name string) bool {
	switch name {
	case "gmail.com", "googlemail.com", "yahoo.co.jp", "yahoo.com", "outlook.com", "hotmail.com",
		"hotmail.co.jp", "live.com", "live.jp", "msn.com", "icloud.com", "me.com", "mac.com", "aol.com",
		"docomo.ne.jp", "ezweb.ne.jp", "au.com", "softbank.ne.jp", "i.softbank.jp", "ymail.com",
		"proton.me", "protonmail.com":
		return true
	}
	return false
}

// isIP reports whether s is an IPv4 or IPv6 address, bracketed or not.
func isIP(s string) bool {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	_, err := netip.ParseAddr(s)
	return err == nil
}

// checkTyped explains the mistakes people make in what they type, which IDNA
// would only call "invalid": a wildcard, an e-mail address or URL, a space or
// underscore, an extra dot, a misplaced "-".
func checkTyped(s string) error {
	if strings.HasPrefix(s, "*.") {
		return errs.Field("name", "domain.name_wildcard", "domain", show(s), "suggestion", show(s[2:]))
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return r < utf8.RuneSelf && !isLDH(r) && r != '.' }); i >= 0 {
		return errs.Field("name", "domain.name_bad_char", "domain", show(s), "char", fmt.Sprintf("%q", s[i]))
	}
	for _, l := range strings.Split(s, ".") {
		switch {
		case l == "":
			return errs.Field("name", "domain.name_empty_label", "domain", show(s))
		case l[0] == '-' || l[len(l)-1] == '-':
			return errs.Field("name", "domain.name_hyphen_edge", "domain", show(s))
		case len(l) >= 4 && l[2:4] == "--" && !strings.EqualFold(l[:2], "xn"):
			return errs.Field("name", "domain.name_double_hyphen", "domain", show(s))
		}
	}
	return nil
}

// checkName checks the A-label form a against the rules for host names;
// input is what the person typed, quoted in the messages.
func checkName(a, input string) error {
	if len(a) > maxName {
		return errs.Field("name", "domain.name_dns_too_long", "domain", show(input), "length", len(a), "max", maxName)
	}
	labels := strings.Split(a, ".")
	if a == "" {
		return errs.Field("name", "domain.name_no_letters", "domain", show(input))
	}
	if len(labels) < 2 {
		return errs.Field("name", "domain.name_no_tld", "domain", show(input), "suggestion", show(a+".co.jp"))
	}
	for _, l := range labels {
		if err := checkLabel(l, input); err != nil {
			return err
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return errs.Field("name", "domain.name_numeric_tld", "domain", show(input))
	}
	return nil
}

// checkLabel checks one A-label l of the name the person typed as input.
func checkLabel(l, input string) error {
	switch {
	case l == "":
		return errs.Field("name", "domain.name_empty_label", "domain", show(input))
	case len(l) > maxLabel:
		return errs.Field("name", "domain.label_too_long", "domain", show(input), "length", len(l), "max", maxLabel)
	case l[0] == '-' || l[len(l)-1] == '-':
		return errs.Field("name", "domain.name_hyphen_edge", "domain", show(input))
	}
	for _, r := range l {
		if !isLDH(r) || 'A' <= r && r <= 'Z' {
			return errs.Field("name", "domain.name_invalid", "domain", show(input))
		}
	}
	return nil
}

// isLDH reports whether r is an ASCII letter, digit or hyphen.
func isLDH(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-'
}

// show is s as a message shows it between quotes: escaped as Go escapes
// a string, so that a control character or a byte that is not text stays
// visible on one line, and shortened so that a pasted page does not become
// the message. The catalog's text adds the quotes.
func show(s string) string {
	const max = 60
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}
