package idempotency

import (
	"context"
	"strings"
	"sync"
)

// secrets are the one-time secrets of the answer being built: a bearer
// token, an invitation token, a signing secret. The client gets them once;
// the stored copy that replays answer has null in their place.
type secrets struct {
	mu     sync.Mutex
	values []string
}

type secretsKey struct{}

func withSecrets(ctx context.Context) (context.Context, *secrets) {
	s := &secrets{}
	return context.WithValue(ctx, secretsKey{}, s), s
}

// Redactor returns the function that notes a one-time secret of the answer
// to the request of ctx, or nil when that answer is not stored (no
// Idempotency-Key). The API calls it for every field of its Secret type, so
// a route cannot forget.
func Redactor(ctx context.Context) func(secret string) {
	s, ok := ctx.Value(secretsKey{}).(*secrets)
	if !ok {
		return nil
	}
	return func(secret string) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.values = append(s.values, secret)
	}
}

// redact returns body with every noted secret, a JSON string, replaced by
// null. Should one not be found as written (an encoding the JSON writer
// chose), nothing of the body is kept: a replay never hands a secret out.
func (s *secrets) redact(body string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.values {
		quoted := `"` + v + `"`
		if !strings.Contains(body, quoted) {
			return ""
		}
		body = strings.ReplaceAll(body, quoted, "null")
	}
	return body
}
