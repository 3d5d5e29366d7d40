// Package errs defines Kanri's one error type: a kind that decides the HTTP
// status, and a message that is safe to show users and says what to fix.
package errs

import (
	"errors"
	"fmt"
	"time"
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

// Error is an error with a kind, a user-facing message and, for invalid
// input, the field to fix.
type Error struct {
	Kind    Kind
	Field   string // request field at fault, e.g. "works_group"; may be empty
	Message string
	Err     error    // underlying cause, never shown to users
	Details []Detail // several problems at once, e.g. one per CSV line
	// RetryAfter is, for TooManyRequests, how long to wait before trying
	// again; zero when unknown.
	RetryAfter time.Duration
}

// Detail is one of several problems in one request.
type Detail struct {
	Location string // e.g. "line 12" or "body.login_id"
	Message  string
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// E returns an error of kind with a formatted message.
func E(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Field returns an Invalid error that names the field to fix.
func Field(field, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Taken returns a Conflict error naming the field whose value is already
// used by something else, keeping the cause.
func Taken(field string, cause error, format string, args ...any) *Error {
	return &Error{Kind: Conflict, Field: field, Message: fmt.Sprintf(format, args...), Err: cause}
}

// BadCursor is the error of a page cursor that cannot be read: one edited
// by hand, cut short, or from another list. It names the field "cursor".
func BadCursor() *Error {
	return &Error{Kind: Malformed, Field: "cursor", Message: "cursor is not valid: pass the next_cursor of the previous page unchanged, or leave it out for the first page"}
}

// Wrap returns an error of kind that keeps err as its cause.
func Wrap(kind Kind, err error, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Err: err}
}

// Later returns a TooManyRequests error that says to wait wait.
func Later(wait time.Duration, format string, args ...any) *Error {
	return &Error{Kind: TooManyRequests, Message: fmt.Sprintf(format, args...), RetryAfter: wait}
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
