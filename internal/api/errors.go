package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/validation"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
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

// Problem is an RFC 9457 problem with Kanri's error code and parameters:
// programs read code and params, people read detail, in the language of
// the request's Accept-Language (English when it names neither Japanese
// nor English).
type Problem struct {
	Type     string           `json:"type,omitempty" format:"uri" default:"about:blank" doc:"a URI reference that identifies the problem type"`
	Title    string           `json:"title,omitempty" doc:"a short summary of the problem type" example:"Unprocessable Entity"`
	Status   int              `json:"status,omitempty" doc:"the HTTP status code" example:"422"`
	Detail   string           `json:"detail,omitempty" doc:"what went wrong and what to fix, in the request's language" example:"Login ID is already used by another member: choose another"`
	Instance string           `json:"instance,omitempty" format:"uri" doc:"a URI reference that identifies this occurrence"`
	Code     string           `json:"code,omitempty" doc:"the stable code of the problem, e.g. member.login_id_taken" example:"member.login_id_taken"`
	Params   map[string]any   `json:"params,omitempty" doc:"the parameters of the problem's message, e.g. a limit"`
	Errors   []*ProblemDetail `json:"errors,omitempty" doc:"where the problems are, one per field or line"`
}

// ProblemDetail is one of several problems: where, and what.
type ProblemDetail struct {
	Location string         `json:"location,omitempty" doc:"where the problem is, e.g. body.login_id or line 12"`
	Message  string         `json:"message,omitempty" doc:"what is wrong there, in the request's language"`
	Code     string         `json:"code,omitempty" doc:"the stable code of this problem"`
	Params   map[string]any `json:"params,omitempty" doc:"the parameters of this problem's message"`
}

func (p *Problem) Error() string { return p.Detail }

// GetStatus is the HTTP status, for huma.
func (p *Problem) GetStatus() int { return p.Status }

// ContentType is application/problem+json for JSON, as huma's own is.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" {
		return "application/problem+json"
	}
	return ct
}

func init() {
	huma.NewError = func(status int, msg string, found ...error) huma.StatusError {
		return humaProblem(nil, status, msg, found...)
	}
	huma.NewErrorWithContext = humaProblem
}

// problemOf turns err into a problem in lang, its times in the reader's
// zone. Internal errors are logged here, once, and shown to the caller
// without their cause.
func (s *Server) problemOf(ctx context.Context, lang string, err error) *Problem {
	status := Status(err)
	e, ok := errs.As(err)
	switch {
	case status == http.StatusRequestEntityTooLarge:
		e = errs.E(errs.Invalid, "request.too_large")
	case status == http.StatusInternalServerError || !ok:
		s.log.ErrorContext(ctx, "request failed", "err", err)
		e = errs.E(errs.Internal, "request.internal")
	}
	zone := s.readerZone(ctx, e)
	p := &Problem{Status: status, Title: http.StatusText(status), Detail: e.MessageIn(lang, zone), Code: e.Code, Params: e.Params}
	if e.Field != "" {
		p.Errors = append(p.Errors, &ProblemDetail{Location: "body." + e.Field, Message: p.Detail, Code: e.Code, Params: e.Params})
	}
	for _, d := range e.Details {
		p.Errors = append(p.Errors, &ProblemDetail{Location: d.Location, Message: d.MessageIn(lang, zone), Code: d.Code, Params: d.Params})
	}
	return p
}

// readerZone is the zone a message's times are read in: a member's
// tenant's, anyone else's the server's (--time-zone). The tenant is read
// only for a message with a time in it.
func (s *Server) readerZone(ctx context.Context, e *errs.Error) *time.Location {
	zone := s.cfg.Zone
	if zone == nil {
		zone = time.UTC
	}
	a := auth.FromContext(ctx)
	if a == nil || a.Kind != auth.KindMember || !hasTime(e) {
		return zone
	}
	if t, err := s.svc.Tenants.Get(ctx, a.TenantID); err == nil {
		return t.Location()
	}
	return zone
}

// hasTime reports whether e or one of its details has a time parameter.
func hasTime(e *errs.Error) bool {
	for _, ps := range append([]map[string]any{e.Params}, detailParams(e)...) {
		for _, v := range ps {
			if _, ok := v.(time.Time); ok {
				return true
			}
		}
	}
	return false
}

func detailParams(e *errs.Error) []map[string]any {
	out := make([]map[string]any, len(e.Details))
	for i, d := range e.Details {
		out[i] = d.Params
	}
	return out
}

// requestLang is the language of an API answer: the request's
// Accept-Language when it names Japanese or English, else English.
func requestLang(accept string) string {
	if l := i18n.FromHeader(accept); l != "" {
		return l
	}
	return i18n.EN
}

// writeProblem writes err as a problem+json response outside huma.
func (s *Server) writeProblem(w http.ResponseWriter, r *http.Request, err error) {
	p := s.problemOf(r.Context(), requestLang(r.Header.Get("Accept-Language")), err)
	w.Header().Set("Content-Type", "application/problem+json")
	if p.Status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", RetryAfter(err))
	}
	w.WriteHeader(p.Status)
	_ = jsonEncode(w, p)
}

// humaProblem is huma's own error, for the requests it refuses before a
// handler runs (a body that does not match the API document): the code
// request.invalid, the detail in the request's language, and huma's own
// findings (in English) as the errors.
func humaProblem(ctx huma.Context, status int, msg string, found ...error) huma.StatusError {
	lang := i18n.EN
	if ctx != nil {
		lang = requestLang(ctx.Header("Accept-Language"))
	}
	code := "request.invalid"
	switch {
	case status == http.StatusRequestEntityTooLarge:
		code = "request.too_large"
	case status >= 500:
		code = "request.internal"
	case status != http.StatusUnprocessableEntity && status != http.StatusBadRequest:
		code = "request.refused"
	}
	p := &Problem{Status: status, Title: http.StatusText(status), Code: code, Detail: i18n.Messages().Fill(lang, code, nil)}
	if status == 0 { // huma's example error, for the API document's schema
		p.Detail = msg
	}
	for _, err := range found {
		var d huma.ErrorDetailer
		if errors.As(err, &d) {
			hd := d.ErrorDetail()
			p.Errors = append(p.Errors, &ProblemDetail{Location: hd.Location, Message: hd.Message, Code: "request.invalid"})
		} else if err != nil {
			p.Errors = append(p.Errors, &ProblemDetail{Message: err.Error(), Code: "request.invalid"})
		}
	}
	return p
}

// tidyProblem is a huma transformer for huma's own validation problems: a
// missing property is located at the property (body.admin_password, not
// body). The value at fault is never echoed back, as it may be a password.
func tidyProblem(_ huma.Context, _ string, v any) (any, error) {
	p, ok := v.(*Problem)
	if !ok {
		return v, nil
	}
	pre, post, _ := strings.Cut(validation.MsgExpectedRequiredProperty, "%s")
	for _, d := range p.Errors {
		if d == nil || d.Code != "request.invalid" {
			continue
		}
		if name, ok := strings.CutPrefix(d.Message, pre); ok {
			if name, ok := strings.CutSuffix(name, post); ok && d.Location != "" {
				d.Location += "." + name
			}
		}
	}
	return p, nil
}
