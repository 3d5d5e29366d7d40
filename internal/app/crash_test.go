package app_test

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/store/storetest"
)

// These tests kill a real `kanri serve` process (SIGKILL) and start another
// on its database. They take 30–60 s each, the engines in parallel, and
// are skipped by -short. Run them alone with
//
//	KANRI_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
//	  go test ./internal/app -run 'SurviveKill' -count=1 -v

// buildKanri builds cmd/kanri into a temporary directory of t.
func buildKanri(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "kanri")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/kanri/kanri/cmd/kanri").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// onEachDatabase runs fn in parallel subtests on a fresh SQLite file and
// on a fresh PostgreSQL schema (skipped without KANRI_TEST_POSTGRES_URL).
func onEachDatabase(t *testing.T, fn func(t *testing.T, url string)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, filepath.Join(t.TempDir(), "kanri.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, storetest.PostgresURL(t))
	})
}

// process is a running `kanri serve`.
type process struct {
	cmd *exec.Cmd
	url string
}

// serve starts `kanri serve` on the database at url with more flags and
// waits until it answers; it is killed when t ends, if not before.
func serve(t *testing.T, bin, url string, flags ...string) *process {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	logs := &testWriter{t: t}
	t.Cleanup(logs.close)
	cmd := exec.Command(bin, append([]string{"serve", "--listen", addr, "--database", url, "--log-level", "warn"}, flags...)...)
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, url: "http://" + addr}
	t.Cleanup(p.kill)
	// Starting migrates a fresh database; with every package's tests
	// running beside it that has taken over 30 s on a loaded CI machine.
	eventually(t, 2*time.Minute, func() string {
		res, err := http.Get(p.url + "/healthz")
		if err != nil {
			return "kanri serve does not answer: " + err.Error()
		}
		res.Body.Close()
		return ""
	})
	return p
}

// kill sends SIGKILL and waits for the process to end.
func (p *process) kill() {
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
}

// cliOperatorToken creates an operator with the CLI and returns a bearer
// token of it.
func cliOperatorToken(t *testing.T, bin, url string) string {
	t.Helper()
	run := func(args ...string) string {
		out, err := exec.Command(bin, append(args, "--database", url, "--log-level", "warn")...).Output()
		if err != nil {
			t.Fatalf("kanri %s: %v", strings.Join(args, " "), err)
		}
		return string(out)
	}
	run("operator", "create", "--email", "ops@vendor.example")
	sc := bufio.NewScanner(strings.NewReader(run("token", "create", "--operator", "ops@vendor.example")))
	sc.Scan()
	return strings.TrimSpace(sc.Text())
}

// send posts req to the Kanri at base without a test to fail: the answer
// of a request whose server is killed is an error.
func send(base string, req apptest.Request) {
	hr, err := http.NewRequest(req.Method, base+req.Path, bytes.NewReader(req.Body.([]byte)))
	if err != nil {
		return
	}
	hr.Header = req.Header.Clone()
	hr.Header.Set("Content-Type", "text/csv")
	hr.Header.Set("Authorization", "Bearer "+req.Token)
	if res, err := http.DefaultClient.Do(hr); err == nil {
		res.Body.Close()
	}
}
