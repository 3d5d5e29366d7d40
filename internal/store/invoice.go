package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/billing"
)

const invoiceColumns = `id, tenant_id, number, kind, original_id, period, reason, status, currency, subtotal, taxes, tax, total,
	issuer_name, issuer_registration, recipient_name, recipient_email, payment_kind, charge_id, bank_details, due_at, attempts,
	next_attempt_at, issued_at, paid_at`

func scanInvoice(row scanner) (*billing.Invoice, error) {
	var inv billing.Invoice
	var taxes string
	err := row.Scan(&inv.ID, &inv.TenantID, &inv.Number, &inv.Kind, scanStr(&inv.OriginalID), &inv.Period, &inv.Reason, &inv.Status,
		&inv.Currency, &inv.Subtotal, &taxes, &inv.Tax, &inv.Total, &inv.IssuerName, &inv.IssuerRegistration, &inv.RecipientName,
		&inv.RecipientEmail, &inv.PaymentKind, &inv.ChargeID, &inv.BankDetails, dayScanner{&inv.DueAt}, &inv.Attempts,
		scanTime(&inv.NextAttemptAt), scanTime(&inv.IssuedAt), scanTime(&inv.PaidAt))
	if err == nil {
		err = json.Unmarshal([]byte(taxes), &inv.Taxes)
	}
	return &inv, err
}

// CreateInvoice numbers inv from its issuer's counter, in the caller's
// transaction so that a rollback leaves no gap, and inserts it with its
// lines. Errors: Conflict (the tenant's period and reason are billed).
func (db *DB) CreateInvoice(ctx context.Context, inv *billing.Invoice) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		// The issuer's counter row stays locked until the commit: every
		// other invoice of the issuer waits for this transaction
		// (docs/PERFORMANCE.md), so callers create it last. On PostgreSQL one
		// round trip takes the number and inserts the invoice.
		taxes, err := json.Marshal(inv.Taxes)
		if err != nil {
			return fmt.Errorf("encode taxes: %w", err)
		}
		args := []any{inv.ID, inv.TenantID, inv.Number, inv.Kind, nullStr(inv.OriginalID), inv.Period, inv.Reason, inv.Status, inv.Currency,
			inv.Subtotal, string(taxes), inv.Tax, inv.Total, inv.IssuerName, inv.IssuerRegistration, inv.RecipientName, inv.RecipientEmail,
			inv.PaymentKind, inv.ChargeID, inv.BankDetails, nullDay(inv.DueAt), inv.Attempts, nullTS(inv.NextAttemptAt), ts(inv.IssuedAt), nullTS(inv.PaidAt)}
		const take = `INSERT INTO invoice_counters (issuer, last) VALUES (?, 1)
			ON CONFLICT (issuer) DO UPDATE SET last = invoice_counters.last + 1 RETURNING last`
		if db.postgres {
			values := strings.Replace(placeholders(len(args)), "?, ?, ?", "?, ?, ? || '-' || (SELECT lpad(last::text, greatest(6, length(last::text)), '0') FROM n)", 1)
			if err := db.queryRow(ctx, `WITH n AS (`+take+`) INSERT INTO invoices (`+invoiceColumns+`) VALUES `+values+` RETURNING number`,
				append([]any{inv.IssuerRegistration}, args...)...).Scan(&inv.Number); err != nil {
				return db.fail(err, "store.thing.invoice")
			}
		} else {
			var n int64
			if err := db.queryRow(ctx, take, inv.IssuerRegistration).Scan(&n); err != nil {
				return db.fail(err, "store.thing.invoice_counter")
			}
			inv.Number = fmt.Sprintf("%s-%06d", inv.Number, n)
			args[2] = inv.Number
			if _, err := db.exec(ctx, `INSERT INTO invoices (`+invoiceColumns+`) VALUES `+placeholders(len(args)), args...); err != nil {
				return db.fail(err, "store.thing.invoice")
			}
		}
		if len(inv.Lines) == 0 {
			return nil
		}
		var lines []any
		for i, l := range inv.Lines {
			lines = append(append(lines, inv.ID, i+1), lineArgs(l)...)
		}
		_, err = db.exec(ctx, `INSERT INTO invoice_lines (invoice_id, n, `+lineColumns+`) VALUES `+rows(12, len(inv.Lines)), lines...)
		return db.fail(err, "store.thing.invoice_line")
	})
}

// GetInvoice returns one invoice with its lines, locked in a transaction;
// tenantID "" finds any tenant's (operators). Errors: NotFound.
func (db *DB) GetInvoice(ctx context.Context, tenantID, id string) (*billing.Invoice, error) {
	inv, err := scanInvoice(db.queryRow(ctx, `SELECT `+invoiceColumns+` FROM invoices WHERE id = ? AND (tenant_id = ? OR ? = '')`+
		db.forUpdate(ctx), id, tenantID, tenantID))
	if err != nil {
		return nil, db.fail(err, "store.thing.invoice")
	}
	rows, err := db.query(ctx, `SELECT `+lineColumns+` FROM invoice_lines WHERE invoice_id = ? ORDER BY n`, id)
	if err != nil {
		return nil, db.fail(err, "store.thing.invoice_line")
	}
	inv.Lines, err = collect(rows, scanLine)
	return inv, db.fail(err, "store.thing.invoice_line")
}

// UpdateInvoicePayment stores inv's payment fields; the issued amounts
// cannot change (a trigger refuses it too). Errors: NotFound.
func (db *DB) UpdateInvoicePayment(ctx context.Context, inv *billing.Invoice) error {
	res, err := db.exec(ctx, `UPDATE invoices SET status = ?, charge_id = ?, attempts = ?, next_attempt_at = ?, paid_at = ? WHERE id = ?`,
		inv.Status, inv.ChargeID, inv.Attempts, nullTS(inv.NextAttemptAt), nullTS(inv.PaidAt), inv.ID)
	return db.affected(res, err, "store.thing.invoice")
}

// MarkRefunded records the refund of credit note id if it is still issued,
// and reports whether it did.
func (db *DB) MarkRefunded(ctx context.Context, id, refundID string, at time.Time) (bool, error) {
	res, err := db.exec(ctx, `UPDATE invoices SET status = 'refunded', charge_id = ?, paid_at = ? WHERE id = ? AND status = 'issued'`,
		refundID, ts(at), id)
	if err != nil {
		return false, db.fail(err, "store.thing.invoice")
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ListInvoices returns invoices matching f, newest first, without lines.
// Only the filters set become conditions, so that the tenant's index
// serves the query (a cached statement keeps one plan per text).
func (db *DB) ListInvoices(ctx context.Context, f billing.InvoiceFilter) ([]*billing.Invoice, error) {
	var where []string
	var args []any
	add := func(cond string, arg any) { where, args = append(where, cond), append(args, arg) }
	if f.TenantID != "" {
		add("tenant_id = ?", f.TenantID)
	}
	if !f.From.IsZero() {
		add("issued_at >= ?", ts(f.From))
	}
	if !f.To.IsZero() {
		add("issued_at < ?", ts(f.To))
	}
	if f.MinTotal != 0 {
		add("total >= ?", f.MinTotal)
	}
	if f.Status != "" {
		add("status = ?", f.Status)
	}
	if f.Kind != "" {
		add("kind = ?", f.Kind)
	}
	if f.Recipient != "" {
		add(`LOWER(recipient_name) LIKE ? ESCAPE '\'`, "%"+likeEscape(f.Recipient)+"%")
	}
	query := `SELECT ` + invoiceColumns + ` FROM invoices`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, " AND ")
	}
	return db.invoices(ctx, query+` ORDER BY issued_at DESC, id DESC LIMIT ?`, append(args, f.Limit)...)
}

// OverdueInvoices counts tenantID's open invoices due before d.
func (db *DB) OverdueInvoices(ctx context.Context, tenantID string, d time.Time) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM invoices WHERE tenant_id = ? AND status = 'open' AND due_at < ?`, tenantID, day(d)).Scan(&n)
	return n, db.fail(err, "store.thing.invoice")
}

// RetryableInvoices returns up to limit open card invoices whose next
// attempt is due, with ids after after, in id order.
func (db *DB) RetryableInvoices(ctx context.Context, now time.Time, after string, limit int) ([]*billing.Invoice, error) {
	return db.invoices(ctx, `SELECT `+invoiceColumns+` FROM invoices WHERE status = 'open' AND next_attempt_at IS NOT NULL
		AND next_attempt_at <= ? AND id > ? ORDER BY id LIMIT ?`, ts(now), after, limit)
}

// UnrefundedCreditNotes returns up to limit credit notes still issued,
// with ids after after, in id order.
func (db *DB) UnrefundedCreditNotes(ctx context.Context, after string, limit int) ([]*billing.Invoice, error) {
	return db.invoices(ctx, `SELECT `+invoiceColumns+` FROM invoices WHERE kind = ? AND status = ? AND id > ? ORDER BY id LIMIT ?`,
		billing.KindCreditNote, billing.InvoiceIssued, after, limit)
}

func (db *DB) invoices(ctx context.Context, query string, args ...any) ([]*billing.Invoice, error) {
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, db.fail(err, "store.thing.invoice")
	}
	invs, err := collect(rows, scanInvoice)
	return invs, db.fail(err, "store.thing.invoice")
}

// RetryOpenInvoices makes tenantID's open card invoices due for a charge
// at now: a new or newly default card pays what the old one could not.
func (db *DB) RetryOpenInvoices(ctx context.Context, tenantID string, now time.Time) error {
	_, err := db.exec(ctx, `UPDATE invoices SET next_attempt_at = ? WHERE tenant_id = ? AND status = 'open' AND payment_kind = 'card'`,
		ts(now), tenantID)
	return db.fail(err, "store.thing.invoice")
}
