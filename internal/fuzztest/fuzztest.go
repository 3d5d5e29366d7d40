// Package fuzztest holds the checks that the validators' fuzz targets share.
package fuzztest

import (
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
)

// CheckInvalid fails t unless err, returned for input in, is an
// *errs.Error of kind Invalid for field with a message that is safe to show
// (non-empty, one line).
func CheckInvalid(t *testing.T, in string, err error, field string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok {
		t.Fatalf("error for %q is %T (%v), want *errs.Error", in, err, err)
	}
	if e.Kind != errs.Invalid || e.Field != field {
		t.Fatalf("error for %q has kind %v, field %q; want %v, %q", in, e.Kind, e.Field, errs.Invalid, field)
	}
	if !i18n.Messages().Has(e.Code) {
		t.Fatalf("error for %q has code %q, which the message catalog lacks", in, e.Code)
	}
	for _, lang := range []string{i18n.JA, i18n.EN} {
		if msg := e.Message(lang); msg == "" || strings.ContainsAny(msg, "\r\n") {
			t.Fatalf("error for %q has the %s message %q, want a non-empty single line", in, lang, msg)
		}
	}
}

// ASCIILower lower-cases A-Z only: what a validator that refuses
// non-ASCII look-alikes (Kelvin sign, dotted capital I) may change.
func ASCIILower(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}
