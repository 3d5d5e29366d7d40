package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/store/storetest"
	"github.com/kanri/kanri/internal/tenant"
)

// TestTransactionsApart: 64 transactions at once (SQLite commits them a
// few at a time, each in a savepoint) stay apart: the writes of those that
// fail or panic are gone, the others' are kept, a panic reaches its own
// caller, and a transaction whose context ended never runs.
func TestTransactionsApart(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		now := env.Clock.Now()
		newTenant := func(i int) *tenant.Tenant {
			wg := fmt.Sprintf("apart%02d", i)
			return &tenant.Tenant{ID: fmt.Sprintf("ten_apart%02d", i), WorksGroup: wg, CompanyName: wg, Language: "ja", TimeZone: tenant.DefaultTimeZone,
				NoticesEnabled: true, NoticeRecipients: tenant.RecipientsAdmins, Channel: tenant.ChannelDirect, Status: tenant.StatusActive,
				PrimaryDomain: wg + ".works.example", CreatedAt: now, UpdatedAt: now}
		}
		errRefused := errors.New("refused after writing")
		const n = 64
		results := make([]error, n)
		panics := make([]any, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				defer func() { panics[i] = recover() }()
				results[i] = env.DB.InTx(t.Context(), func(ctx context.Context) error {
					if err := env.DB.CreateTenant(ctx, newTenant(i)); err != nil {
						return err
					}
					switch i % 4 {
					case 1:
						return errRefused
					case 2:
						if i == 2 {
							panic("boom")
						}
					}
					return nil
				})
			})
		}
		wg.Wait()
		for i := range n {
			_, err := env.DB.GetTenant(t.Context(), newTenant(i).ID)
			failed := i%4 == 1 || i == 2
			switch {
			case i == 2 && panics[i] != "boom":
				t.Errorf("transaction 2 panicked; its caller got %v, want the panic", panics[i])
			case i%4 == 1 && !errors.Is(results[i], errRefused):
				t.Errorf("transaction %d: got %v, want its own error", i, results[i])
			case !failed && (results[i] != nil || panics[i] != nil):
				t.Errorf("transaction %d: got %v (panic %v), want it committed", i, results[i], panics[i])
			case failed && !errs.Is(err, errs.NotFound):
				t.Errorf("transaction %d failed, yet its tenant is there (%v)", i, err)
			case !failed && err != nil:
				t.Errorf("transaction %d committed, yet its tenant is not there: %v", i, err)
			}
		}
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		ran := false
		if err := env.DB.InTx(ctx, func(context.Context) error { ran = true; return nil }); err == nil || ran {
			t.Errorf("a transaction whose context ended: got %v (ran %v), want the context's error and no run", err, ran)
		}
	})
}
