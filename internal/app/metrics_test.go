package app_test

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/app"
	"github.com/kanri/kanri/internal/app/apptest"
)

// freeAddr returns a loopback address no one listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// get fetches url and returns its status, nosniff header and body.
func get(t *testing.T, url string) (int, string, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header.Get("X-Content-Type-Options"), string(b)
}

// TestServeMetricsListen: with --metrics-listen, Serve serves /metrics on
// that address alone, counting the public address's routes, /metrics is not
// on the public address, and both stop together.
func TestServeMetricsListen(t *testing.T) {
	public, metrics := freeAddr(t), freeAddr(t)
	s := apptest.Start(t, filepath.Join(t.TempDir(), "kanri.db"), func(c *app.Config) { c.Listen, c.MetricsListen = public, metrics })
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() { done <- s.App.Serve(ctx, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}

	if status, _, _ := get(t, "http://"+public+"/admin/login"); status != http.StatusOK {
		t.Errorf("public /admin/login: %d, want 200", status)
	}
	if status, _, _ := get(t, "http://"+public+"/metrics"); status != http.StatusNotFound {
		t.Errorf("public /metrics: %d, want 404", status)
	}
	status, nosniff, body := get(t, "http://"+metrics+"/metrics")
	if status != http.StatusOK || nosniff != "nosniff" || !strings.Contains(body, `route="GET /admin/login"`) || !strings.Contains(body, "go_goroutines") {
		t.Errorf("metrics listener: %d, nosniff %q, want 200 with nosniff, the console's route and the Go collector\n%.1000s", status, nosniff, body)
	}
	if status, _, _ := get(t, "http://"+metrics+"/admin/login"); status != http.StatusNotFound {
		t.Errorf("metrics listener /admin/login: %d, want 404: it serves /metrics alone", status)
	}
	var out bytes.Buffer
	s.App.Describe(&out)
	if !strings.Contains(out.String(), "http://"+metrics+"/metrics") {
		t.Errorf("Describe does not name the metrics address:\n%s", out.String())
	}

	stop()
	if err := <-done; err != nil {
		t.Errorf("serve after shutdown: %v", err)
	}
	if _, err := net.Dial("tcp", metrics); err == nil {
		t.Errorf("the metrics listener still answers after shutdown")
	}
}
