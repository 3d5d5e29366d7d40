package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/validation"

	"github.com/kanri/kanri/internal/errs"
)

// RetryAfter is the Retry-After header of a 429 for err: the whole seconds
// until the limit that refused it lets the caller try again (at least one),
// or a minute when the error does not say.
func RetryAfter(err error) string {
	e, ok := errs.As(err)
	if !ok || e.RetryAfter <= 0 {
		return "60"
	}
	return strconv.FormatInt(int64((e.RetryAfter+time.Second-1)/time.Second), 10)
}

// statusOf is the one table from error kind to HTTP status; the console
// uses it too.
var statusOf = map[errs.Kind]int{
	errs.Internal:           http.StatusInternalServerError,
	errs.Invalid:            http.StatusUnprocessableEntity,
	errs.NotFound:           http.StatusNotFound,
	errs.Conflict:           http.StatusConflict,
	errs.FailedPrecondition: http.StatusConflict,
	errs.PermissionDenied:   http.StatusForbidden,
	errs.Unauthenticated:    http.StatusUnauthorized,
	errs.TooManyRequests:    http.StatusTooManyRequests,
	errs.Malformed:          http.StatusBadRequest,
}

// Status returns the HTTP status for err.
func Status(err error) int {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return http.StatusRequestEntityTooLarge
	}
	return statusOf[errs.KindOf(err)]
}

// Problem turns err into an RFC 9457 problem. Internal errors are logged
// here, once, and shown to the caller without their cause.
func Problem(ctx context.Context, log *slog.Logger, err error) *huma.ErrorModel {
	status := Status(err)
	p := &huma.ErrorModel{Status: status, Title: http.StatusText(status)}
	e, ok := errs.As(err)
	switch {
	case status == http.StatusRequestEntityTooLarge:
		p.Detail = "the request body is too large: send at most 1 MiB (member imports: 64 MiB)"
	case status == http.StatusInternalServerError || !ok:
		log.ErrorContext(ctx, "request failed", "err", err)
		p.Detail = "something went wrong on our side; it has been logged: try again later"
	default:
		p.Detail = e.Message
		if e.Field != "" {
			p.Errors = append(p.Errors, &huma.ErrorDetail{Location: "body." + e.Field, Message: e.Message})
		}
		for _, d := range e.Details {
			p.Errors = append(p.Errors, &huma.ErrorDetail{Location: d.Location, Message: d.Message})
		}
	}
	return p
}

// writeProblem writes err as a problem+json response outside huma.
func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	p := Problem(r.Context(), s.log, err)
	w.Header().Set("Content-Type", "application/problem+json")
	if p.Status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", RetryAfter(err))
	}
	w.WriteHeader(p.Status)
	_ = jsonEncode(w, p)
}

// tidyProblem is a huma transformer for huma's own validation problems: a
// missing property is located at the property (body.admin_password, not
// body), and the value at fault is not echoed back, as it may be a password.
func tidyProblem(_ huma.Context, _ string, v any) (any, error) {
	p, ok := v.(*huma.ErrorModel)
	if !ok {
		return v, nil
	}
	pre, post, _ := strings.Cut(validation.MsgExpectedRequiredProperty, "%s")
	for _, d := range p.Errors {
		if d == nil {
			continue
		}
		d.Value = nil
		if name, ok := strings.CutPrefix(d.Message, pre); ok {
			if name, ok := strings.CutSuffix(name, post); ok && d.Location != "" {
				d.Location += "." + name
			}
		}
	}
	return p, nil
}
