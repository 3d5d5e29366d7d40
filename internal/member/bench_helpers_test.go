package member_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kanri/kanri/internal/store/storetest"
)

// onEachBenchEngine runs fn as a "sqlite" and a "postgres" sub-benchmark
// (the latter skipped without KANRI_TEST_POSTGRES_URL), each on a fresh
// database, with the big tenant's size: KANRI_BENCH_MEMBERS, else def.
func onEachBenchEngine(b *testing.B, def int, fn func(b *testing.B, env *storetest.Env, engine string, n int)) {
	n := def
	if v := os.Getenv("KANRI_BENCH_MEMBERS"); v != "" {
		var err error
		if n, err = strconv.Atoi(strings.ReplaceAll(v, "_", "")); err != nil || n < 2000 {
			b.Fatalf("KANRI_BENCH_MEMBERS=%q: want a whole number of at least 2000", v)
		}
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		b.Run(engine, func(b *testing.B) {
			url := filepath.Join(b.TempDir(), "kanri.db")
			if engine == "postgres" {
				url = storetest.PostgresURL(b)
			}
			fn(b, storetest.Open(b, url), engine, n)
		})
	}
}
