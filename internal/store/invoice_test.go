package store_test

import (
	"context"
	"database/sql"
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

// numberAll numbers every committed invoice of the test issuer, a few to a
// transaction, as billing.Service.NumberInvoices does, and returns them.
func numberAll(ctx context.Context, env *storetest.Env) ([]*billing.Invoice, error) {
	var all []*billing.Invoice
	for {
		var invs []*billing.Invoice
		err := env.DB.InTx(ctx, func(ctx context.Context) error {
			var err error
			invs, err = env.DB.NumberInvoices(ctx, "T7123456789012", "KNR", 5)
			return err
		})
		if all = append(all, invs...); err != nil || len(invs) < 5 {
			return all, err
		}
	}
}

// TestInvoiceNumbersAndImmutability: numbers go up by one per issuer (on
// PostgreSQL once invoices are committed), a rolled-back invoice leaves no gap, the same period and reason cannot be
// billed twice, and issued amounts cannot change (SPEC §8), on both engines.
func TestInvoiceNumbersAndImmutability(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ctx := t.Context()
		ten := storetest.NewTenant(t, env, "acme")
		first := newInvoice(env, ten.ID, "quote a")
		must(t, "create", env.DB.CreateInvoice(ctx, first))
		postgres := store.IsPostgres(env.URL)
		if n, err := env.DB.InvoiceNumber(ctx, first.ID); err != nil || (n != "") != !postgres || n != first.Number {
			t.Fatalf("number as created = %q (%q), %v; want none on PostgreSQL, KNR-000001 on SQLite", n, first.Number, err)
		}
		numbered, err := numberAll(ctx, env)
		must(t, "number", err)
		if postgres && (len(numbered) != 1 || numbered[0].Number != "KNR-000001" || len(numbered[0].Lines) != 1) {
			t.Fatalf("numbered %+v; want the first invoice as KNR-000001 with its line", numbered)
		}
		if !postgres && len(numbered) != 0 {
			t.Fatalf("numbered %+v on SQLite, where invoices are numbered as they are created", numbered)
		}
		rollback := errors.New("roll back")
		err = env.DB.InTx(ctx, func(ctx context.Context) error {
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
		numbered, err = numberAll(ctx, env)
		must(t, "number", err)
		got, err := env.DB.GetInvoice(ctx, ten.ID, second.ID)
		must(t, "get", err)
		if got.Number != "KNR-000002" {
			t.Errorf("the second invoice is %q (numbered %d); want KNR-000002 (no gap)", got.Number, len(numbered))
		}
		if got.Total != 346 || len(got.Lines) != 1 || got.Lines[0].Amount != 315 || got.Taxes[0].Tax != 31 {
			t.Errorf("stored invoice = %+v", got)
		}
		got.Status, got.PaidAt = billing.InvoicePaid, env.Clock.Now()
		must(t, "record payment", env.DB.UpdateInvoicePayment(ctx, got))
		for name, q := range map[string]string{
			"amount":   `UPDATE invoices SET total = 1 WHERE id = ?`,
			"number":   `UPDATE invoices SET number = 'KNR-000009' WHERE id = ?`,
			"unnumber": `UPDATE invoices SET number = NULL WHERE id = ?`,
			"line":     `UPDATE invoice_lines SET amount = 1 WHERE invoice_id = ?`,
			"delete":   `DELETE FROM invoice_lines WHERE invoice_id = ?`,
		} {
			// SQLite's number is NOT NULL (numbered as created): refused for that.
			_, err := env.DB.Writer().ExecContext(ctx, store.Rebind(q), second.ID)
			if err == nil || !strings.Contains(err.Error(), "immutable") && !(name == "unnumber" && strings.Contains(err.Error(), "NOT NULL")) {
				t.Errorf("%s of an issued invoice: %v, want refused as immutable", name, err)
			}
		}
	})
}

// TestInvoiceNumbersUnderRace: 64 invoices issued at once, half of them in
// transactions that roll back afterwards (on SQLite, savepoints of one
// batched commit), each committed one numbered by its own caller at once,
// leave the other half numbered 1 to 32 without a gap (SPEC §8), each
// numbered once, on both engines. (Numbers follow the commits: an invoice
// committed later than a newer one's numbering gets the next number.)
func TestInvoiceNumbersUnderRace(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, env *storetest.Env) {
		t.Parallel()
		ten := storetest.NewTenant(t, env, "acme")
		const n = 64
		kept := make([]*billing.Invoice, n)
		var mu sync.Mutex
		given := map[string]int{} // how many times each invoice was numbered
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
				if err != nil {
					if i%2 == 0 {
						t.Errorf("invoice %d: %v", i, err)
					}
					return
				}
				kept[i] = inv
				invs, err := numberAll(t.Context(), env)
				if err != nil {
					t.Errorf("numbering after invoice %d: %v", i, err)
				}
				mu.Lock()
				if inv.Number != "" { // SQLite's, numbered as created
					given[inv.ID]++
				}
				for _, inv := range invs {
					given[inv.ID]++
				}
				mu.Unlock()
			})
		}
		wg.Wait()
		after := 0 // numbered after the commit (PostgreSQL, when the counter was held)
		for _, inv := range kept {
			if inv != nil && inv.Number == "" {
				after++
			}
		}
		t.Logf("%d of %d numbered after their commit", after, n/2)
		if store.IsPostgres(env.URL) && after == 0 {
			t.Error("no invoice numbered after its commit on PostgreSQL: the first finds no counter row")
		}
		var numbers []string
		for _, inv := range kept {
			if inv == nil {
				continue
			}
			got, err := env.DB.InvoiceNumber(t.Context(), inv.ID)
			must(t, "number", err)
			if given[inv.ID] != 1 {
				t.Errorf("invoice %s (%s) numbered %d times, want once", inv.ID, got, given[inv.ID])
			}
			numbers = append(numbers, got)
		}
		slices.Sort(numbers)
		for i, got := range numbers {
			if want := fmt.Sprintf("KNR-%06d", i+1); got != want {
				t.Fatalf("numbers %v: number %d is %s, want %s (no gap)", numbers, i+1, got, want)
			}
		}
		if len(numbers) != n/2 || len(given) != n/2 {
			t.Errorf("%d invoices kept, %d numbered; want %d", len(numbers), len(given), n/2)
		}
	})
}

// TestMigrateInvoiceNumbering: after migration 0029 (PostgreSQL: an
// invoice may wait for its number) the invoices, credit notes and lines
// issued before keep their numbers and references, a number is given
// once, a line of no invoice is still refused, and numbering goes on from
// the counter.
func TestMigrateInvoiceNumbering(t *testing.T) {
	for _, e := range migrationEngines {
		t.Run(e.name, func(t *testing.T) {
			url := e.url(t)
			migrateTo(t, url, 28, func(t *testing.T, db *sql.DB) {
				const at = "2026-03-01T00:00:00Z"
				for _, q := range []string{
					`INSERT INTO tenants (id, works_group, company_name, language, notices_enabled, notice_recipients, channel, status,
						created_at, updated_at) VALUES ('ten_old', 'old', 'Old', 'ja', true, 'admins', 'direct', 'active', '` + at + `', '` + at + `')`,
					`INSERT INTO invoices (` + store.InvoiceColumns + `) VALUES ('inv_a', 'ten_old', 'KNR-000001', 'invoice', NULL, 'p', 'r1',
						'paid', 'JPY', 100, '[]', 10, 110, 'K', 'T7123456789012', 'Old', 'a@old.example', 'card', 'ch_1', '', NULL, 0, NULL, '` + at + `', '` + at + `')`,
					`INSERT INTO invoices (` + store.InvoiceColumns + `) VALUES ('inv_b', 'ten_old', 'KNR-000002', 'credit_note', 'inv_a', 'p', 'r2',
						'credited', 'JPY', -100, '[]', -10, -110, 'K', 'T7123456789012', 'Old', 'a@old.example', '', '', '', NULL, 0, NULL, '` + at + `', NULL)`,
					`INSERT INTO invoice_counters (issuer, last) VALUES ('T7123456789012', 2)`,
					`INSERT INTO invoice_lines (invoice_id, n, description, period_start, period_end, quantity, unit_amount, amount, tax_percent)
						VALUES ('inv_a', 1, 'x', '2026-03-01', '2026-04-01', 1, 100, 100, 10)`,
				} {
					_, err := db.ExecContext(t.Context(), store.Rebind(q))
					must(t, "seed", err)
				}
			})
			env := storetest.Open(t, url)
			ctx := t.Context()
			a, err := env.DB.GetInvoice(ctx, "ten_old", "inv_a")
			must(t, "invoice", err)
			b, err := env.DB.GetInvoice(ctx, "ten_old", "inv_b")
			must(t, "credit note", err)
			if a.Number != "KNR-000001" || len(a.Lines) != 1 || a.Lines[0].Amount != 100 || b.Number != "KNR-000002" || b.OriginalID != "inv_a" {
				t.Fatalf("after the migration: %+v, %+v", a, b)
			}
			w := env.DB.Writer()
			if _, err := w.ExecContext(ctx, store.Rebind(`UPDATE invoices SET number = 'KNR-000009' WHERE id = 'inv_a'`)); err == nil {
				t.Error("a number changed after the migration")
			}
			if _, err := w.ExecContext(ctx, store.Rebind(`INSERT INTO invoice_lines (invoice_id, n, description, period_start, period_end,
				quantity, unit_amount, amount, tax_percent) VALUES ('inv_none', 1, 'x', '2026-03-01', '2026-04-01', 1, 1, 1, 10)`)); err == nil {
				t.Error("a line of no invoice was stored after the migration")
			}
			inv := newInvoice(env, "ten_old", "later")
			must(t, "create", env.DB.CreateInvoice(ctx, inv))
			_, err = numberAll(ctx, env)
			must(t, "number", err)
			if n, err := env.DB.InvoiceNumber(ctx, inv.ID); err != nil || n != "KNR-000003" {
				t.Errorf("the new invoice is %q, %v; want KNR-000003", n, err)
			}
		})
	}
}
