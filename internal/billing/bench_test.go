package billing_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/store/storetest"
	"github.com/kanri/kanri/internal/testcard"
)

// BenchmarkQuoteApply prices and applies a contract change (one more
// license on an annual contract: an invoice issued, numbered, charged to
// the test card and mailed) on a SQLite file, one after another, and
// reports the latency of quote + apply. Target: ≥ 500/s, p99 < 20 ms.
//
//	go test -run '^$' -bench QuoteApply -benchtime 2000x ./internal/billing/
func BenchmarkQuoteApply(b *testing.B) {
	env := storetest.Open(b, filepath.Join(b.TempDir(), "kanri.db"))
	svc := env.BillingService()
	ten := storetest.SignUp(b, env, "acme")
	if _, err := svc.AddCard(ten.Ctx, ten.ID, billingCard(testcard.Visa)); err != nil {
		b.Fatal(err)
	}
	lat := make(apptest.Latencies, 0, b.N)
	n := 1
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		q, err := svc.Quote(ten.Ctx, ten.ID, standardAnnual(n))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := svc.Apply(ten.Ctx, ten.ID, q.ID); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		n++
		env.Clock.Advance(time.Millisecond)
	}
	b.StopTimer()
	lat.Report(b)
	b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "changes/s")
}
