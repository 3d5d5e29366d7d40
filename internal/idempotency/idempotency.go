// Package idempotency makes a mutating API call safe to retry: the first
// response to an Idempotency-Key is stored and replayed for the same key and
// body; the same key with another body is refused. A request holds its key
// while it runs; the claim names the process's instance, and a claim whose
// instance's lease has lapsed (the process died) is taken over by the retry.
// One-time secrets in an answer are never stored: replays answer null.
package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/kanri/kanri/internal/clock"
	"github.com/kanri/kanri/internal/errs"
)

// Response is a stored answer to a request.
type Response struct {
	RequestHash string
	Status      int // 0 while the first request is still running
	ContentType string
	Body        string
}

// Store keeps responses per caller scope and key.
type Store interface {
	// ClaimIdempotencyKey records a request running in instance; when the
	// key was claimed before it returns the stored response and false,
	// unless the claim is of the same request in an instance whose lease
	// has lapsed at now: then instance takes it over.
	ClaimIdempotencyKey(ctx context.Context, scope, key, hash, instance string, now time.Time) (*Response, bool, error)
	// CompleteIdempotencyKey stores the response and ReleaseIdempotencyKey
	// forgets the key; both return Conflict when instance no longer holds
	// the claim.
	CompleteIdempotencyKey(ctx context.Context, scope, key, instance string, r Response) error
	ReleaseIdempotencyKey(ctx context.Context, scope, key, instance string) error
}

// Header is the request header that carries the key.
const Header = "Idempotency-Key"

// Middleware replays stored responses for requests carrying Idempotency-Key.
// scope names the caller (keys of different callers never meet); fail
// writes an error response. Responses with status 5xx are not stored, so
// the client may retry them.
type Middleware struct {
	Store Store
	Clock clock.Clock
	// Instance is this process's instance, whose lease a live process
	// renews (app does): claims name it.
	Instance string
	Scope    func(r *http.Request) string
	Fail     func(w http.ResponseWriter, r *http.Request, err error)
	// Skip exempts requests whose response must not be stored, such as a
	// sign-in whose answer is a secret.
	Skip   func(r *http.Request) bool
	Logger *slog.Logger
}

// Wrap returns next behind the middleware.
func (m *Middleware) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get(Header)
		if key == "" || r.Method == http.MethodGet || r.Method == http.MethodHead || m.Skip(r) {
			next.ServeHTTP(w, r)
			return
		}
		if len(key) > 255 {
			m.Fail(w, r, errs.E(errs.Invalid, "idempotency.key_too_long", "max", 255))
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			m.Fail(w, r, err) // *http.MaxBytesError maps to 413
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		m.serve(w, r, next, key, body)
	})
}

func (m *Middleware) serve(w http.ResponseWriter, r *http.Request, next http.Handler, key string, body []byte) {
	scope := m.Scope(r)
	ctx, secrets := withSecrets(r.Context())
	r = r.WithContext(ctx)
	sum := sha256.Sum256(append([]byte(r.Method+" "+r.URL.RequestURI()+"\n"), body...))
	hash := hex.EncodeToString(sum[:])
	stored, claimed, err := m.Store.ClaimIdempotencyKey(ctx, scope, key, hash, m.Instance, m.Clock.Now())
	switch {
	case err != nil:
		m.Fail(w, r, err)
	case !claimed && stored.RequestHash != hash:
		m.Fail(w, r, errs.E(errs.Invalid, "idempotency.key_reused"))
	case !claimed && stored.Status == 0:
		m.Fail(w, r, errs.E(errs.Conflict, "idempotency.key_in_flight"))
	case !claimed:
		w.Header().Set("Content-Type", stored.ContentType)
		w.Header().Set("Idempotent-Replayed", "true")
		w.WriteHeader(stored.Status)
		_, _ = io.WriteString(w, stored.Body)
	default:
		m.runAndStore(w, r, next, secrets, scope, key, hash)
	}
}

// runAndStore runs the request that claimed the key and stores its answer,
// with its one-time secrets redacted; a 5xx answer releases the key instead.
func (m *Middleware) runAndStore(w http.ResponseWriter, r *http.Request, next http.Handler, secrets *secrets, scope, key, hash string) {
	ctx := context.WithoutCancel(r.Context())
	rec := httptest.NewRecorder()
	m.serveReleasing(rec, r, next, scope, key)
	res := rec.Result()
	var err error
	if res.StatusCode >= 500 {
		err = m.Store.ReleaseIdempotencyKey(ctx, scope, key, m.Instance)
	} else {
		err = m.Store.CompleteIdempotencyKey(ctx, scope, key, m.Instance,
			Response{RequestHash: hash, Status: res.StatusCode, ContentType: res.Header.Get("Content-Type"), Body: secrets.redact(rec.Body.String())})
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(res.StatusCode)
	_, _ = w.Write(rec.Body.Bytes())
	if err != nil { // the answer stands; a retry with this key sees "still running" until this process stops
		m.Logger.ErrorContext(ctx, "idempotency: storing the response failed", "err", err)
	}
}

// serveReleasing runs next; if it panics, the key is released before the
// panic goes on, so a retry is not answered "still running" forever.
func (m *Middleware) serveReleasing(w http.ResponseWriter, r *http.Request, next http.Handler, scope, key string) {
	defer func() {
		if p := recover(); p != nil {
			ctx := context.WithoutCancel(r.Context())
			if err := m.Store.ReleaseIdempotencyKey(ctx, scope, key, m.Instance); err != nil {
				m.Logger.ErrorContext(ctx, "idempotency: releasing the key of a failed request failed", "err", err)
			}
			panic(p)
		}
	}()
	next.ServeHTTP(w, r)
}
