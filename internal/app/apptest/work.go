package apptest

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/store"
)

// Work runs the background jobs (the relay, River's workers and the mail
// senders, started on the first call and stopped when the test ends) and
// returns once no job of the given kinds is waiting or running: the test
// then sees what they did, such as a "forgot password" request's mail.
func (s *Server) Work(kinds ...string) {
	s.t.Helper()
	args := make([]any, len(kinds))
	for i, k := range kinds {
		args[i] = k
	}
	s.workUntil(`SELECT COUNT(*) FROM river_job WHERE state NOT IN ('completed', 'cancelled', 'discarded') AND kind IN (`+
		strings.TrimSuffix(strings.Repeat("?, ", len(kinds)), ", ")+`)`, args...)
}

// Mail runs the background jobs until no mail is pending.
func (s *Server) Mail() {
	s.t.Helper()
	s.workUntil(`SELECT COUNT(*) FROM mails WHERE status = 'pending'`)
}

// workUntil runs the background jobs until query counts nothing.
func (s *Server) workUntil(query string, args ...any) {
	s.t.Helper()
	s.working.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.App.Jobs.Run(ctx) }()
		s.t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				s.t.Errorf("background jobs: %v", err)
			}
		})
	})
	if store.IsPostgres(s.App.Config.DatabaseURL) {
		query = store.Rebind(query)
	}
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(10 * time.Millisecond) {
		var n int
		if err := s.App.DB.Writer().QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
			s.t.Fatalf("%s: %v", query, err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s: %d after 2 minutes", query, n)
		}
	}
}

// AllEmployeesCatalog writes the default catalog with its standard plan in
// all_employees mode (licenses follow the members) to a file for
// app.Config.Billing.CatalogFile, and returns its path.
func AllEmployeesCatalog(t testing.TB) string {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "..", "billing", "catalog.json"))
	if err != nil {
		t.Fatal(err)
	}
	const flexible = "\"mode\": \"flexible\",\n      \"features\": [],"
	if !strings.Contains(string(raw), flexible) {
		t.Fatal("catalog.json: the standard plan's mode is no longer where this looks for it")
	}
	path := filepath.Join(t.TempDir(), "catalog.json")
	data := strings.Replace(string(raw), flexible, strings.Replace(flexible, "flexible", "all_employees", 1), 1)
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
