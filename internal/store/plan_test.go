package store_test

import (
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/store"
	"github.com/kanri/kanri/internal/store/storetest"
)

// TestHotQueriesSearch: the statements every request runs find their rows
// through indexes on SQLite: no step of their plans scans a table (a
// session's standing joined in parentheses once scanned every member,
// and license changes fell from 1,300/s to 16/s).
func TestHotQueriesSearch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		if store.IsPostgres(env.URL) {
			t.Skip("plans are checked on SQLite; PostgreSQL may scan tables this small")
		}
		for name, q := range env.DB.HotQueries() {
			rows, err := env.DB.Writer().Query(`EXPLAIN QUERY PLAN `+q[0].(string), q[1:]...)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var plan []string
			for rows.Next() {
				var id, parent, unused int
				var detail string
				if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
					t.Fatal(err)
				}
				plan = append(plan, detail)
			}
			rows.Close()
			for _, step := range plan {
				if strings.HasPrefix(step, "SCAN ") {
					t.Errorf("%s scans: %q in its plan %q", name, step, plan)
				}
			}
		}
	})
}
