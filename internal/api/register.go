package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// register adds an operation whose handler returns domain errors; they
// become problem details here. Mutating operations document the
// Idempotency-Key header, and every operation but the public ones needs a
// bearer token (or the console's session cookie).
func register[I, O any](s *Server, op huma.Operation, public bool, h func(context.Context, *I) (*O, error)) {
	if op.Method != http.MethodGet {
		op.Parameters = append(op.Parameters, &huma.Param{Name: "Idempotency-Key", In: "header",
			Description: "Retrying with the same key and body replays the first response; another body with the same key is refused (422).",
			Schema:      &huma.Schema{Type: "string", MaxLength: new(255)}})
	}
	if !public {
		op.Security = []map[string][]string{{"bearer": {}}}
	}
	// limitBody enforces the body limits with our own 413; huma refuses a
	// body of exactly MaxBodyBytes, so its limit sits one byte above ours.
	if op.MaxBodyBytes == 0 {
		op.MaxBodyBytes = maxBody
	}
	op.MaxBodyBytes++
	huma.Register(s.api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			p := s.problemOf(ctx, langOf(ctx), err)
			if p.Status == http.StatusTooManyRequests {
				return nil, huma.ErrorWithHeaders(p, http.Header{"Retry-After": {RetryAfter(err)}})
			}
			return nil, p
		}
		return out, nil
	})
}

// TenantPath is the {t} parameter of every tenant route.
type TenantPath struct {
	TenantID string `path:"t" doc:"tenant id (ten_…)"`
}

// MemberPath adds the {m} parameter.
type MemberPath struct {
	TenantPath
	MemberID string `path:"m" doc:"member id (mem_…)"`
}

// body wraps a response body.
type body[T any] struct {
	Body T
}

func reply[T any](v T) *body[T] { return &body[T]{Body: v} }

// page is a list with the cursor of the next page.
type page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty" doc:"pass as ?cursor= for the next page; absent on the last page"`
}
