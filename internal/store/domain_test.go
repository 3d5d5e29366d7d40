package store_test

import (
	"database/sql"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/pressly/goose/v3"

	"github.com/kanri/kanri/internal/domain"
	"github.com/kanri/kanri/internal/store"
	"github.com/kanri/kanri/internal/store/postgres"
	"github.com/kanri/kanri/internal/store/sqlite"
	"github.com/kanri/kanri/internal/store/storetest"
)

// TestMigrateLastCheck: migration 0010 replaces the English words of a
// domain's last check with a code and parameters. A proven domain's check
// found its record, an expired one's its deadline passed; a pending
// domain's words cannot be read back, so its check is due again at once.
func TestMigrateLastCheck(t *testing.T) {
	for _, e := range migrationEngines {
		t.Run(e.name, func(t *testing.T) {
			url := e.url(t)
			migrateTo(t, url, 8, seedLastChecks)
			env := storetest.Open(t, url) // the rest of the migrations
			want := map[string]domain.Finding{
				"dom_active":  {Code: "domain.check_verified", Params: map[string]string{"domain": "active.example", "record": "MX"}},
				"dom_expired": {Code: "domain.check_expired", Params: map[string]string{"domain": "expired.example"}},
				"dom_pending": {Params: map[string]string{}},
			}
			for id, f := range want {
				d, err := env.DB.GetDomain(t.Context(), "ten_old", id)
				must(t, id, err)
				if diff := cmp.Diff(f, d.LastCheck); diff != "" {
					t.Errorf("%s: last check (-want +got):\n%s", id, diff)
				}
				if id == "dom_pending" && !d.LastCheckAt.IsZero() {
					t.Errorf("the pending domain was last checked at %v, want never: due at once", d.LastCheckAt)
				}
			}
		})
	}
}

// migrationEngines are the databases a migration test runs on.
var migrationEngines = []struct {
	name string
	url  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "kanri.db") }},
	{"postgres", func(t *testing.T) string { return storetest.PostgresURL(t) }},
}

// migrateTo brings the database at url to migration version and stores
// what seed writes, as it was written then.
func migrateTo(t *testing.T, url string, version int64, seed func(t *testing.T, db *sql.DB)) {
	t.Helper()
	var db *sql.DB
	var err error
	dialect, migrations := goose.DialectSQLite3, fs.FS(sqlite.Migrations)
	if store.IsPostgres(url) {
		dialect, migrations = goose.DialectPostgres, postgres.Migrations
		db, err = postgres.Open(url)
	} else {
		var p *sqlite.Pools
		if p, err = sqlite.Open(url, "NORMAL"); err == nil {
			defer p.Close()
			db = p.Write
		}
	}
	must(t, "open", err)
	if store.IsPostgres(url) {
		defer db.Close()
	}
	sub, err := fs.Sub(migrations, "migrations")
	must(t, "migrations", err)
	p, err := goose.NewProvider(dialect, db, sub)
	must(t, "goose", err)
	_, err = p.UpTo(t.Context(), version)
	must(t, "migrate", err)
	seed(t, db)
}

// seedLastChecks stores a tenant with a domain of each kind of last check,
// as migration 0008 wrote them.
func seedLastChecks(t *testing.T, db *sql.DB) {
	const at = "2026-03-01T00:00:00Z"
	_, err := db.ExecContext(t.Context(), `INSERT INTO tenants (id, works_group, company_name, language, notices_enabled, notice_recipients,
		channel, status, created_at, updated_at) VALUES ('ten_old', 'old', 'Old', 'ja', true, 'admins', 'direct', 'active', '`+at+`', '`+at+`')`)
	must(t, "tenant", err)
	for _, row := range [][]string{
		{"dom_active", "active.example", "active", "mx", "tok1", "found the MX record: active.example is verified"},
		{"dom_expired", "expired.example", "expired", "", "tok2", "the deadline to prove expired.example passed: add it again to start over"},
		{"dom_pending", "pending.example", "pending", "", "tok3", "the records are not visible yet (REFUSED from 127.0.0.1:5354 for MX pending.example: DNS answer unavailable): …"},
	} {
		_, err = db.ExecContext(t.Context(), `INSERT INTO domains (id, tenant_id, name, kind, status, is_primary, method, token, deadline,
			last_check, last_check_at, created_at, updated_at) VALUES ('`+row[0]+`', 'ten_old', '`+row[1]+`', 'custom', '`+row[2]+`', false,
			'`+row[3]+`', '`+row[4]+`', '`+at+`', '`+row[5]+`', '`+at+`', '`+at+`', '`+at+`')`)
		must(t, row[0], err)
	}
}
