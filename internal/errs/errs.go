// Package errs defines Kanri's one error type: a kind that decides the HTTP
// status, and a code with parameters whose message, in the reader's
// language, is safe to show users and says what to fix.
package errs

import (
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/kanri/kanri/internal/i18n"
)

// Kind classifies an error for callers; the API maps each kind to a status.
type Kind int

// The error kinds. Internal is the zero value so that an unclassified error
// is never shown to users as their fault.
const (
	Internal Kind = iota
	Invalid
	NotFound
	Conflict
	FailedPrecondition
	PermissionDenied
	Unauthenticated
	TooManyRequests
	// Malformed is a request that cannot be read as sent, such as a page
	// cursor that was not handed out: 400, where Invalid (422) is input
	// that was read and broke a rule.
	Malformed
)

var kindNames = [...]string{"internal", "invalid", "not_found", "conflict", "failed_precondition", "permission_denied", "unauthenticated", "too_many_requests", "malformed"}

// String returns the kind's snake_case name.
func (k Kind) String() string { return kindNames[k] }

// Error is an error with a kind, a stable code that names what went wrong
// and the parameters its message needs. People read it in their language
// from the message catalog (web/i18n, the key is the code); programs read
// the code and the parameters.
type Error struct {
	Kind   Kind
	Field  string         // request field at fault, e.g. "works_group"; may be empty
	Code   string         // e.g. "member.login_id_invalid"; a key of the message catalog
	Params map[string]any // the message's parameters, e.g. {"limit": 10}
	Err    error          // underlying cause, never shown to users
	// Details are several problems at once, e.g. one per CSV line.
	Details []Detail
	// RetryAfter is, for TooManyRequests, how long to wait before trying
	// again; zero when unknown.
	RetryAfter time.Duration
}

// Detail is one of several problems in one request.
type Detail struct {
	Location string // where, for programs: "line 12", "body.login_id"
	Line     int    // the file's line at fault, when there is one
	Code     string
	Params   map[string]any
}

// Message is the detail's text in lang ("ja" or "en").
func (d Detail) Message(lang string) string { return d.MessageIn(lang, time.UTC) }

// MessageIn is Message with times in zone, the reader's.
func (d Detail) MessageIn(lang string, zone *time.Location) string {
	return i18n.Messages().FillIn(lang, zone, d.Code, d.Params)
}

// Message is the error's text in lang ("ja" or "en"), without its cause:
// what a person reads.
func (e *Error) Message(lang string) string { return e.MessageIn(lang, time.UTC) }

// MessageIn is Message with times in zone, the reader's.
func (e *Error) MessageIn(lang string, zone *time.Location) string {
	return i18n.Messages().FillIn(lang, zone, e.Code, e.MessageParams())
}

// MessageParams are the error's parameters with "field" added when the
// error names one, so that a message can say which field to fix.
func (e *Error) MessageParams() map[string]any {
	if e.Field == "" {
		return e.Params
	}
	if _, ok := e.Params["field"]; ok {
		return e.Params
	}
	p := make(map[string]any, len(e.Params)+1)
	maps.Copy(p, e.Params)
	p["field"] = e.Field
	return p
}

// Error is the English message and the cause, for logs and tests.
func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message(i18n.EN) + ": " + e.Err.Error()
	}
	return e.Message(i18n.EN)
}

func (e *Error) Unwrap() error { return e.Err }

// P builds parameters from name, value pairs: P("limit", 10, "count", 11).
func P(kv ...any) map[string]any {
	if len(kv) == 0 {
		return nil
	}
	p := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		p[fmt.Sprint(kv[i])] = kv[i+1] // names are literals; the codes test checks them
	}
	return p
}

// E returns an error of kind with code and its parameters as name, value
// pairs.
func E(kind Kind, code string, kv ...any) *Error {
	return &Error{Kind: kind, Code: code, Params: P(kv...)}
}

// Field returns an Invalid error that names the field to fix.
func Field(field, code string, kv ...any) *Error {
	return &Error{Kind: Invalid, Field: field, Code: code, Params: P(kv...)}
}

// Taken returns a Conflict error naming the field whose value is already
// used by something else, keeping the cause.
func Taken(field string, cause error, code string, kv ...any) *Error {
	return &Error{Kind: Conflict, Field: field, Code: code, Params: P(kv...), Err: cause}
}

// BadCursor is the error of a page cursor that cannot be read: one edited
// by hand, cut short, or from another list. It names the field "cursor".
func BadCursor() *Error {
	return &Error{Kind: Malformed, Field: "cursor", Code: "request.cursor_invalid"}
}

// Wrap returns an error of kind that keeps err as its cause.
func Wrap(kind Kind, err error, code string, kv ...any) *Error {
	return &Error{Kind: kind, Code: code, Params: P(kv...), Err: err}
}

// Later returns a TooManyRequests error that says to wait wait.
func Later(wait time.Duration, code string, kv ...any) *Error {
	return &Error{Kind: TooManyRequests, Code: code, Params: P(kv...), RetryAfter: wait}
}

// KindOf returns the kind of the first *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// Is reports whether err carries kind.
func Is(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
