package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/store"
	"github.com/kanri/kanri/internal/store/storetest"
)

func newInvoice(env *storetest.Env, tenantID, reason string) *billing.Invoice {
	now := env.Clock.Now()
	day := time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC)
	return &billing.Invoice{ID: env.IDs.New("inv"), TenantID: tenantID, Number: "KNR", Kind: billing.KindInvoice, Period: "2026-03-15/2027-03-15",
		Reason: reason, Status: billing.InvoiceOpen, Currency: "JPY", Subtotal: 315, Taxes: []billing.TaxAmount{{Percent: 10, Base: 315, Tax: 31}},
		Tax: 31, Total: 346, IssuerName: "株式会社カンリ", IssuerRegistration: "T7123456789012", RecipientName: "Company", IssuedAt: now,
		Lines: []billing.Line{{Description: "x", PeriodStart: day, PeriodEnd: day.AddDate(1, 0, 0), Quantity: 3, UnitAmount: 105, Amount: 315, TaxPercent: 10}}}
}

// TestInvoiceNumbersAndImmutability: numbers go up by one per issuer, a
// rolled-back invoice leaves no gap, the same period and reason cannot be
// billed twice, and issued amounts cannot change (SPEC §8), on both engines.
func TestInvoiceNumbersAndImmutability(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		ten := storetest.NewTenant(t, env, "acme")
		first := newInvoice(env, ten.ID, "quote a")
		must(t, "create", env.DB.CreateInvoice(ctx, first))
		rollback := errors.New("roll back")
		err := env.DB.InTx(ctx, func(ctx context.Context) error {
			if err := env.DB.CreateInvoice(ctx, newInvoice(env, ten.ID, "quote b")); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatalf("rolled-back invoice: %v", err)
		}
		if err := env.DB.CreateInvoice(ctx, newInvoice(env, ten.ID, "quote a")); !errs.Is(err, errs.Conflict) {
			t.Errorf("the same period and reason again: %v, want Conflict", err)
		}
		second := newInvoice(env, ten.ID, "quote c")
		must(t, "create", env.DB.CreateInvoice(ctx, second))
		if first.Number != "KNR-000001" || second.Number != "KNR-000002" {
			t.Errorf("numbers %s, %s; want KNR-000001, KNR-000002 (no gap)", first.Number, second.Number)
		}
		got, err := env.DB.GetInvoice(ctx, ten.ID, second.ID)
		must(t, "get", err)
		if got.Total != 346 || len(got.Lines) != 1 || got.Lines[0].Amount != 315 || got.Taxes[0].Tax != 31 {
			t.Errorf("stored invoice = %+v", got)
		}
		got.Status, got.PaidAt = billing.InvoicePaid, env.Clock.Now()
		must(t, "record payment", env.DB.UpdateInvoicePayment(ctx, got))
		for name, q := range map[string]string{
			"amount": `UPDATE invoices SET total = 1 WHERE id = ?`,
			"line":   `UPDATE invoice_lines SET amount = 1 WHERE invoice_id = ?`,
			"delete": `DELETE FROM invoice_lines WHERE invoice_id = ?`,
		} {
			if _, err := env.DB.Writer().ExecContext(ctx, store.Rebind(q), second.ID); err == nil || !strings.Contains(err.Error(), "immutable") {
				t.Errorf("%s of an issued invoice: %v, want refused as immutable", name, err)
			}
		}
	})
}

// TestInvoiceNumbersUnderRace: 64 invoices issued at once, half of them in
// transactions that roll back afterwards (on SQLite, savepoints of one
// batched commit), leave the other half numbered 1 to 32 without a gap
// (SPEC §8), on both engines.
func TestInvoiceNumbersUnderRace(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.NewTenant(t, env, "acme")
		const n = 64
		kept := make([]*billing.Invoice, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				inv := newInvoice(env, ten.ID, fmt.Sprintf("quote %02d", i))
				err := env.DB.InTx(t.Context(), func(ctx context.Context) error {
					if err := env.DB.CreateInvoice(ctx, inv); err != nil {
						return err
					}
					if i%2 == 1 {
						return errors.New("roll back")
					}
					return nil
				})
				if err == nil {
					kept[i] = inv
				} else if i%2 == 0 {
					t.Errorf("invoice %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		var numbers []string
		for _, inv := range kept {
			if inv != nil {
				numbers = append(numbers, inv.Number)
			}
		}
		slices.Sort(numbers)
		for i, got := range numbers {
			if want := fmt.Sprintf("KNR-%06d", i+1); got != want {
				t.Fatalf("numbers %v: number %d is %s, want %s (no gap)", numbers, i+1, got, want)
			}
		}
		if len(numbers) != n/2 {
			t.Errorf("%d invoices kept, want %d", len(numbers), n/2)
		}
	})
}
