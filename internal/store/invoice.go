package store

import (
	"context"
	"database/sql"
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
	err := row.Scan(&inv.ID, &inv.TenantID, scanStr(&inv.Number), &inv.Kind, scanStr(&inv.OriginalID), &inv.Period, &inv.Reason, &inv.Status,
		&inv.Currency, &inv.Subtotal, &taxes, &inv.Tax, &inv.Total, &inv.IssuerName, &inv.IssuerRegistration, &inv.RecipientName,
		&inv.RecipientEmail, &inv.PaymentKind, &inv.ChargeID, &inv.BankDetails, dayScanner{&inv.DueAt}, &inv.Attempts,
		scanTime(&inv.NextAttemptAt), scanTime(&inv.IssuedAt), scanTime(&inv.PaidAt))
	if err == nil {
		err = json.Unmarshal([]byte(taxes), &inv.Taxes)
	}
	return &inv, err
}

// CreateInvoice inserts inv with its lines, in the caller's transaction,
// numbered from its issuer's counter (inv.Number holds the prefix: "KNR"
// becomes "KNR-000042"), whose row stays locked to the commit so that a
// rollback leaves no gap. On SQLite that holds nobody up (one writer). On
// PostgreSQL it would make every other invoice of the issuer wait for this
// whole transaction: while another transaction holds the row, inv is
// inserted without a number (inv.Number becomes ""), for NumberInvoices
// once it has committed. Errors: Conflict (the period and reason are billed).
func (db *DB) CreateInvoice(ctx context.Context, inv *billing.Invoice) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		taxes, err := json.Marshal(inv.Taxes)
		if err != nil {
			return fmt.Errorf("encode taxes: %w", err)
		}
		args := []any{inv.ID, inv.TenantID, inv.Number, inv.Kind, nullStr(inv.OriginalID), inv.Period, inv.Reason, inv.Status, inv.Currency,
			inv.Subtotal, string(taxes), inv.Tax, inv.Total, inv.IssuerName, inv.IssuerRegistration, inv.RecipientName, inv.RecipientEmail,
			inv.PaymentKind, inv.ChargeID, inv.BankDetails, nullDay(inv.DueAt), inv.Attempts, nullTS(inv.NextAttemptAt), ts(inv.IssuedAt),
			nullTS(inv.PaidAt)}
		if db.postgres {
			// One round trip: the number of a counter nobody holds (none
			// before the first numbering), or NULL.
			var number sql.NullString
			values := strings.Replace(placeholders(len(args)), "?, ?, ?",
				"?, ?, (SELECT ?::text || '-' || lpad(last::text, greatest(6, length(last::text)), '0') FROM n)", 1)
			if err := db.queryRow(ctx, `WITH n AS (UPDATE invoice_counters SET last = last + 1 WHERE issuer =
				(SELECT issuer FROM invoice_counters WHERE issuer = ? FOR UPDATE SKIP LOCKED) RETURNING last)
				INSERT INTO invoices (`+invoiceColumns+`) VALUES `+values+` RETURNING number`,
				append([]any{inv.IssuerRegistration}, args...)...).Scan(&number); err != nil {
				return db.fail(err, "store.thing.invoice")
			}
			inv.Number = number.String
		} else {
			var n int64
			if err := db.queryRow(ctx, `INSERT INTO invoice_counters (issuer, last) VALUES (?, 1)
				ON CONFLICT (issuer) DO UPDATE SET last = invoice_counters.last + 1 RETURNING last`, inv.IssuerRegistration).Scan(&n); err != nil {
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

// NumberInvoices numbers up to limit of issuer's committed invoices that
// have no number yet, in the order they were issued, from the issuer's
// gapless counter (prefix "KNR" gives "KNR-000042"), in the caller's
// transaction, and returns them with their lines: those PostgreSQL's
// CreateInvoice left without one. The counter row stays
// locked until the commit: numbering waits for numbering only, and a
// rollback leaves no gap.
func (db *DB) NumberInvoices(ctx context.Context, issuer, prefix string, limit int) ([]*billing.Invoice, error) {
	var invs []*billing.Invoice
	err := db.InTx(ctx, func(ctx context.Context) error {
		var last int64
		if err := db.queryRow(ctx, `INSERT INTO invoice_counters (issuer, last) VALUES (?, 0)
			ON CONFLICT (issuer) DO UPDATE SET last = invoice_counters.last RETURNING last`, issuer).Scan(&last); err != nil {
			return db.fail(err, "store.thing.invoice_counter")
		}
		// After the lock: this statement sees every invoice committed before
		// it, and none another numbering has numbered.
		var err error
		if invs, err = db.invoices(ctx, `SELECT `+invoiceColumns+` FROM invoices WHERE issuer_registration = ? AND number IS NULL
			ORDER BY issued_at, id LIMIT ?`, issuer, limit); err != nil || len(invs) == 0 {
			return err
		}
		var numbers, ids []any
		byID := map[string]*billing.Invoice{}
		for _, inv := range invs {
			last++
			inv.Number = fmt.Sprintf("%s-%06d", prefix, last)
			numbers, ids, byID[inv.ID] = append(numbers, inv.ID, inv.Number), append(ids, inv.ID), inv
		}
		if _, err := db.exec(ctx, `UPDATE invoices SET number = v.column2 FROM (VALUES `+rows(2, len(invs))+`) AS v
			WHERE invoices.id = v.column1`, numbers...); err != nil {
			return db.fail(err, "store.thing.invoice")
		}
		if _, err := db.exec(ctx, `UPDATE invoice_counters SET last = ? WHERE issuer = ?`, last, issuer); err != nil {
			return db.fail(err, "store.thing.invoice_counter")
		}
		rows, err := db.query(ctx, `SELECT `+lineColumns+`, invoice_id FROM invoice_lines WHERE invoice_id IN `+placeholders(len(ids))+
			` ORDER BY invoice_id, n`, ids...)
		if err != nil {
			return db.fail(err, "store.thing.invoice_line")
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			l, err := scanLine(alsoScan{rows, []any{&id}})
			if err != nil {
				return db.fail(err, "store.thing.invoice_line")
			}
			byID[id].Lines = append(byID[id].Lines, l)
		}
		return db.fail(rows.Err(), "store.thing.invoice_line")
	})
	return invs, err
}

// InvoiceNumber returns invoice id's number ("" until it is numbered).
// Errors: NotFound.
func (db *DB) InvoiceNumber(ctx context.Context, id string) (string, error) {
	var n sql.NullString
	err := db.queryRow(ctx, `SELECT number FROM invoices WHERE id = ?`, id).Scan(&n)
	return n.String, db.fail(err, "store.thing.invoice")
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
		AND next_attempt_at <= ? AND number IS NOT NULL AND id > ? ORDER BY id LIMIT ?`, ts(now), after, limit)
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
