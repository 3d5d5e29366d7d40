package idempotency_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/idempotency"
	"github.com/kanri/kanri/internal/store/storetest"
)

// TestPanicReleasesKey: a handler that panics leaves its key free, so the
// client's retry runs the request again instead of hearing "still running".
func TestPanicReleasesKey(t *testing.T) {
	env := storetest.Open(t, filepath.Join(t.TempDir(), "kanri.db"))
	calls := 0
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls == 1 {
			panic("boom")
		}
		w.WriteHeader(http.StatusCreated)
	})
	m := &idempotency.Middleware{Store: env.DB, Clock: env.Clock, Scope: func(*http.Request) string { return "caller" },
		Fail: func(w http.ResponseWriter, _ *http.Request, err error) {
			http.Error(w, err.Error(), http.StatusConflict)
		},
		Skip:   func(*http.Request) bool { return false },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	h := m.Wrap(next)
	send := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/things", strings.NewReader(`{"a":1}`))
		req.Header.Set(idempotency.Header, "k1")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the handler's panic did not reach the server")
			}
		}()
		send()
	}()
	if got := send().Code; got != http.StatusCreated {
		t.Fatalf("retry after a panic: got %d, want 201 (the request runs again)", got)
	}
	if got := send().Code; got != http.StatusCreated || calls != 2 {
		t.Fatalf("third send: got %d after %d calls, want the stored 201 replayed without a third call", got, calls)
	}
}
