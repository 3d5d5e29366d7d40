// Package storetest runs tests against every database engine: SQLite in a
// temporary file always, PostgreSQL in a fresh schema when
// KANRI_TEST_POSTGRES_URL is set.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx database/sql driver

	"github.com/kanri/kanri/internal/clock/clocktest"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/store"
)

// PostgresEnv names the variable that enables the PostgreSQL runs.
const PostgresEnv = "KANRI_TEST_POSTGRES_URL"

// Epoch is the fake clock's start in every store test.
var Epoch = time.Date(2026, 3, 15, 9, 0, 0, 0, time.UTC)

// Env is one engine's database for one test.
type Env struct {
	DB    *store.DB
	Clock *clocktest.Clock
	IDs   id.Generator
	URL   string // what store.Open was given
}

// Each runs fn as a subtest on every available engine, each with a freshly
// migrated, empty database.
func Each(t *testing.T, fn func(t *testing.T, env *Env)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, Open(t, filepath.Join(t.TempDir(), "kanri.db")))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, Open(t, PostgresURL(t)))
	})
}

// PostgresURL returns the URL of a fresh schema that is dropped when t ends.
// Without KANRI_TEST_POSTGRES_URL the test is skipped, or fails under CI=true.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set, and CI=true requires the PostgreSQL tests to run", PostgresEnv)
		}
		t.Skipf("PostgreSQL tests skipped: set %s (e.g. postgres://postgres@127.0.0.1:5432/test) to run them", PostgresEnv)
	}
	raw := make([]byte, 6)
	_, _ = rand.Read(raw)
	schema := "kanri_test_" + hex.EncodeToString(raw)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema on %s: %v", PostgresEnv, err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("synchronous_commit", "off") // a test database need not survive a crash; commits stop waiting for the disk
	u.RawQuery = q.Encode()
	return u.String()
}

// Open opens and migrates the database at url for the length of t.
func Open(t testing.TB, url string) *Env {
	t.Helper()
	clk := clocktest.New(Epoch)
	ids := id.Sortable{Clock: clk}
	db, err := store.Open(url, ids, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := migrate(db, url); err != nil {
		t.Fatal(err)
	}
	return &Env{DB: db, Clock: clk, IDs: ids, URL: url}
}

// migrateLockID names the advisory lock migrate queues on.
const migrateLockID = 0x6b616e7269 // "kanri"

// migrate migrates db. On PostgreSQL every migration takes one advisory
// lock per database, which goose polls for only every 5 seconds: parallel
// tests, in this process and in the other packages' test binaries, would
// wait for it. So they first queue on a lock of their own, which
// PostgreSQL hands on at once.
func migrate(db *store.DB, url string) error {
	ctx := context.Background()
	if !store.IsPostgres(url) {
		return db.Migrate(ctx)
	}
	pool, err := sql.Open("pgx", url)
	if err != nil {
		return err
	}
	defer pool.Close()
	conn, err := pool.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrateLockID); err != nil {
		return err
	}
	defer conn.ExecContext(ctx, `SELECT pg_advisory_unlock($1)`, migrateLockID) //nolint:errcheck // the session's end releases it anyway
	return db.Migrate(ctx)
}
