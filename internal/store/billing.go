package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
)

const subscriptionColumns = `tenant_id, plan, contract, licenses, mail_domain, status, channel, period_start, period_end, segment_start, paid_through,
	next_plan, next_contract, next_licenses, cancel_at, version, created_at, updated_at`

func scanSubscription(row scanner) (*billing.Subscription, error) {
	var s billing.Subscription
	var nextPlan, nextContract sql.NullString
	var nextLicenses sql.NullInt64
	err := row.Scan(&s.TenantID, &s.Plan, &s.Contract, &s.Licenses, &s.MailDomain, &s.Status, &s.Channel, dayScanner{&s.PeriodStart},
		dayScanner{&s.PeriodEnd}, dayScanner{&s.SegmentStart}, dayScanner{&s.PaidThrough}, &nextPlan, &nextContract, &nextLicenses,
		dayScanner{&s.CancelAt}, &s.Version, scanTime(&s.CreatedAt), scanTime(&s.UpdatedAt))
	if nextPlan.Valid {
		s.Next = &billing.Terms{Plan: nextPlan.String, Contract: nextContract.String, Licenses: int(nextLicenses.Int64)}
	}
	return &s, err
}

// GetSubscription returns tenantID's subscription, locked in a
// transaction. Errors: NotFound (the tenant is on the free plan).
func (db *DB) GetSubscription(ctx context.Context, tenantID string) (*billing.Subscription, error) {
	s, err := scanSubscription(db.queryRow(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE tenant_id = ?`+db.forUpdate(ctx), tenantID))
	return s, db.fail(err, "store.thing.subscription")
}

// PutSubscription inserts s at version 1 or updates it from version
// s.Version-1. Errors: Conflict (the stored version is another).
func (db *DB) PutSubscription(ctx context.Context, s *billing.Subscription) error {
	var next [3]any
	if s.Next != nil {
		next = [3]any{s.Next.Plan, s.Next.Contract, s.Next.Licenses}
	}
	args := []any{s.Plan, s.Contract, s.Licenses, s.MailDomain, s.Status, s.Channel, day(s.PeriodStart), day(s.PeriodEnd), day(s.SegmentStart),
		nullDay(s.PaidThrough), next[0], next[1], next[2], nullDay(s.CancelAt), s.Version, ts(s.UpdatedAt)}
	if s.Version == 1 {
		_, err := db.exec(ctx, `INSERT INTO subscriptions (plan, contract, licenses, mail_domain, status, channel, period_start, period_end, segment_start,
			paid_through, next_plan, next_contract, next_licenses, cancel_at, version, updated_at, tenant_id, created_at) VALUES `+placeholders(18),
			append(args, s.TenantID, ts(s.CreatedAt))...)
		return db.fail(err, "store.thing.subscription")
	}
	res, err := db.exec(ctx, `UPDATE subscriptions SET plan = ?, contract = ?, licenses = ?, mail_domain = ?, status = ?, channel = ?, period_start = ?,
		period_end = ?, segment_start = ?, paid_through = ?, next_plan = ?, next_contract = ?, next_licenses = ?, cancel_at = ?, version = ?,
		updated_at = ? WHERE tenant_id = ? AND version = ?`, append(args, s.TenantID, s.Version-1)...)
	if err == nil {
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.Conflict, "store.subscription_changed")
		}
	}
	return db.fail(err, "store.thing.subscription")
}

// DueSubscriptions returns up to limit subscriptions with a period end, an
// instalment or a cancellation on or before day, and not canceled, of
// tenants after the id after, in tenant id order (keyset batches: a
// subscription that stays due because it failed is not read again).
func (db *DB) DueSubscriptions(ctx context.Context, d time.Time, after string, limit int) ([]*billing.Subscription, error) {
	rows, err := db.query(ctx, `SELECT `+subscriptionColumns+` FROM subscriptions WHERE tenant_id > ? AND status <> 'canceled'
		AND (period_end <= ? OR (contract = 'annual_monthly' AND paid_through <= ?)) ORDER BY tenant_id LIMIT ?`, after, day(d), day(d), limit)
	if err != nil {
		return nil, db.fail(err, "store.thing.subscription")
	}
	subs, err := collect(rows, scanSubscription)
	return subs, db.fail(err, "store.thing.subscription")
}

// CreateQuote inserts q.
func (db *DB) CreateQuote(ctx context.Context, q *billing.Quote) error {
	body, err := json.Marshal(q)
	if err != nil {
		return fmt.Errorf("encode quote: %w", err)
	}
	_, err = db.exec(ctx, `INSERT INTO quotes (id, tenant_id, status, invoice_id, body, expires_at, created_at) VALUES `+placeholders(7),
		q.ID, q.TenantID, q.Status, nullStr(q.InvoiceID), string(body), ts(q.ExpiresAt), ts(q.CreatedAt))
	return db.fail(err, "store.thing.quote")
}

// scanQuote reads a quote: its body, with the status and invoice kept beside it.
func scanQuote(row scanner) (*billing.Quote, error) {
	var body, status string
	var invoiceID sql.NullString
	if err := row.Scan(&body, &status, &invoiceID); err != nil {
		return nil, err
	}
	var q billing.Quote
	if err := json.Unmarshal([]byte(body), &q); err != nil {
		return nil, fmt.Errorf("decode quote: %w", err)
	}
	q.Status, q.InvoiceID = status, invoiceID.String
	return &q, nil
}

// GetQuote returns one of tenantID's quotes, locked in a transaction. Errors: NotFound.
func (db *DB) GetQuote(ctx context.Context, tenantID, id string) (*billing.Quote, error) {
	q, err := scanQuote(db.queryRow(ctx, `SELECT body, status, invoice_id FROM quotes WHERE tenant_id = ? AND id = ?`+db.forUpdate(ctx), tenantID, id))
	return q, db.fail(err, "store.thing.quote")
}

// ApplyingQuotes returns tenantID's quotes whose payment is being taken.
func (db *DB) ApplyingQuotes(ctx context.Context, tenantID string) ([]*billing.Quote, error) {
	return db.quotes(ctx, `SELECT body, status, invoice_id FROM quotes WHERE tenant_id = ? AND status = 'applying'`, tenantID)
}

func (db *DB) quotes(ctx context.Context, query string, args ...any) ([]*billing.Quote, error) {
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, db.fail(err, "store.thing.quote")
	}
	qs, err := collect(rows, scanQuote)
	return qs, db.fail(err, "store.thing.quote")
}

// MailDomains returns tenantID's verified domain names, the primary first.
func (db *DB) MailDomains(ctx context.Context, tenantID string) ([]string, error) {
	rows, err := db.query(ctx, `SELECT name FROM domains WHERE tenant_id = ? AND status IN ('active', 'primary_changing')
		ORDER BY is_primary DESC, name`, tenantID)
	if err != nil {
		return nil, db.fail(err, "store.thing.domain")
	}
	names, err := collect(rows, scanString)
	return names, db.fail(err, "store.thing.domain")
}

// UpdateQuote stores q's status and invoice. Errors: NotFound.
func (db *DB) UpdateQuote(ctx context.Context, q *billing.Quote) error {
	res, err := db.exec(ctx, `UPDATE quotes SET status = ?, invoice_id = ?, applying_at = ? WHERE tenant_id = ? AND id = ?`, q.Status,
		nullStr(q.InvoiceID), nullTS(q.ApplyingAt), q.TenantID, q.ID)
	return db.affected(res, err, "store.thing.quote")
}

const lineColumns = `description, period_start, period_end, quantity, unit_amount, amount, tax_percent, unit_per_month, days, period_days`

func lineArgs(l billing.Line) []any {
	return []any{l.Description, day(l.PeriodStart), day(l.PeriodEnd), l.Quantity, l.UnitAmount, l.Amount, l.TaxPercent,
		l.UnitPerMonth, l.Days, l.PeriodDays}
}

func scanLine(row scanner) (billing.Line, error) {
	var l billing.Line
	err := row.Scan(&l.Description, dayScanner{&l.PeriodStart}, dayScanner{&l.PeriodEnd}, &l.Quantity, &l.UnitAmount, &l.Amount, &l.TaxPercent,
		&l.UnitPerMonth, &l.Days, &l.PeriodDays)
	return l, err
}

// AddPendingLines keeps lines for tenantID's next regular invoice.
func (db *DB) AddPendingLines(ctx context.Context, tenantID string, lines []billing.Line) error {
	var n int
	if err := db.queryRow(ctx, `SELECT COALESCE(MAX(n), 0) FROM pending_lines WHERE tenant_id = ?`, tenantID).Scan(&n); err != nil {
		return db.fail(err, "store.thing.pending_line")
	}
	for i, l := range lines {
		_, err := db.exec(ctx, `INSERT INTO pending_lines (tenant_id, n, `+lineColumns+`) VALUES `+placeholders(12),
			append([]any{tenantID, n + i + 1}, lineArgs(l)...)...)
		if err != nil {
			return db.fail(err, "store.thing.pending_line")
		}
	}
	return nil
}

// PendingLines returns tenantID's pending lines, oldest first.
func (db *DB) PendingLines(ctx context.Context, tenantID string) ([]billing.Line, error) {
	rows, err := db.query(ctx, `SELECT `+lineColumns+` FROM pending_lines WHERE tenant_id = ? ORDER BY n`, tenantID)
	if err != nil {
		return nil, db.fail(err, "store.thing.pending_line")
	}
	lines, err := collect(rows, scanLine)
	return lines, db.fail(err, "store.thing.pending_line")
}

// TakePendingLines removes and returns tenantID's pending lines, oldest first.
func (db *DB) TakePendingLines(ctx context.Context, tenantID string) ([]billing.Line, error) {
	lines, err := db.PendingLines(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	_, err = db.exec(ctx, `DELETE FROM pending_lines WHERE tenant_id = ?`, tenantID)
	return lines, db.fail(err, "store.thing.pending_line")
}

// StuckQuotes returns up to limit quotes still applying that expired
// before now or began applying before since, with ids after after, in id
// order.
func (db *DB) StuckQuotes(ctx context.Context, now, since time.Time, after string, limit int) ([]*billing.Quote, error) {
	return db.quotes(ctx, `SELECT body, status, invoice_id FROM quotes WHERE status = 'applying' AND (expires_at < ? OR applying_at < ?)
		AND id > ? ORDER BY id LIMIT ?`, ts(now), ts(since), after, limit)
}

const methodColumns = `id, tenant_id, kind, status, is_default, token, brand, last4, exp_month, exp_year, created_at, approved_at`

func scanMethod(row scanner) (*billing.PaymentMethod, error) {
	var m billing.PaymentMethod
	err := row.Scan(&m.ID, &m.TenantID, &m.Kind, &m.Status, &m.Default, &m.Token, &m.Brand, &m.Last4, &m.ExpMonth, &m.ExpYear,
		scanTime(&m.CreatedAt), scanTime(&m.ApprovedAt))
	return &m, err
}

// CreatePaymentMethod inserts m. Errors: Conflict (a second invoice payment).
func (db *DB) CreatePaymentMethod(ctx context.Context, m *billing.PaymentMethod) error {
	_, err := db.exec(ctx, `INSERT INTO payment_methods (`+methodColumns+`) VALUES `+placeholders(12), m.ID, m.TenantID, m.Kind, m.Status,
		m.Default, m.Token, m.Brand, m.Last4, m.ExpMonth, m.ExpYear, ts(m.CreatedAt), nullTS(m.ApprovedAt))
	return db.fail(err, "store.thing.payment_method")
}

// GetPaymentMethod returns one of tenantID's methods. Errors: NotFound.
func (db *DB) GetPaymentMethod(ctx context.Context, tenantID, id string) (*billing.PaymentMethod, error) {
	m, err := scanMethod(db.queryRow(ctx, `SELECT `+methodColumns+` FROM payment_methods WHERE tenant_id = ? AND id = ?`+db.forUpdate(ctx), tenantID, id))
	return m, db.fail(err, "store.thing.payment_method")
}

// ListPaymentMethods returns tenantID's methods, the default first.
func (db *DB) ListPaymentMethods(ctx context.Context, tenantID string) ([]*billing.PaymentMethod, error) {
	rows, err := db.query(ctx, `SELECT `+methodColumns+` FROM payment_methods WHERE tenant_id = ? ORDER BY is_default DESC, id`, tenantID)
	if err != nil {
		return nil, db.fail(err, "store.thing.payment_method")
	}
	ms, err := collect(rows, scanMethod)
	return ms, db.fail(err, "store.thing.payment_method")
}

// UpdatePaymentMethod stores m's status and default flag. Errors: NotFound.
func (db *DB) UpdatePaymentMethod(ctx context.Context, m *billing.PaymentMethod) error {
	res, err := db.exec(ctx, `UPDATE payment_methods SET status = ?, is_default = ?, approved_at = ? WHERE tenant_id = ? AND id = ?`,
		m.Status, m.Default, nullTS(m.ApprovedAt), m.TenantID, m.ID)
	return db.affected(res, err, "store.thing.payment_method")
}

// DeletePaymentMethod removes one of tenantID's methods. Errors: NotFound.
func (db *DB) DeletePaymentMethod(ctx context.Context, tenantID, id string) error {
	res, err := db.exec(ctx, `DELETE FROM payment_methods WHERE tenant_id = ? AND id = ?`, tenantID, id)
	return db.affected(res, err, "store.thing.payment_method")
}

// PutClosure stores a closed tenant's retention.
func (db *DB) PutClosure(ctx context.Context, c *billing.Closure) error {
	_, err := db.exec(ctx, `INSERT INTO closures (tenant_id, closed_at, purge_after, purged_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (tenant_id) DO UPDATE SET purged_at = excluded.purged_at`, c.TenantID, ts(c.ClosedAt), ts(c.PurgeAfter), nullTS(c.PurgedAt))
	return db.fail(err, "store.thing.closure")
}

// DueClosures returns closures not purged whose retention ended by now.
func (db *DB) DueClosures(ctx context.Context, now time.Time) ([]*billing.Closure, error) {
	rows, err := db.query(ctx, `SELECT tenant_id, closed_at, purge_after, purged_at FROM closures WHERE purged_at IS NULL AND purge_after <= ?
		ORDER BY purge_after`, ts(now))
	if err != nil {
		return nil, db.fail(err, "store.thing.closure")
	}
	cs, err := collect(rows, func(row scanner) (*billing.Closure, error) {
		var c billing.Closure
		return &c, row.Scan(&c.TenantID, scanTime(&c.ClosedAt), scanTime(&c.PurgeAfter), scanTime(&c.PurgedAt))
	})
	return cs, db.fail(err, "store.thing.closure")
}

// purgeTables lists what a closed tenant leaves behind, children first.
// Invoices, their lines, the tenant row and its subscription stay: invoices
// are kept 7 years (SPEC §4); so does the append-only audit trail.
var purgeTables = []string{
	`DELETE FROM member_roles WHERE tenant_id = ?`,
	`DELETE FROM sessions WHERE tenant_id = ?`,
	`DELETE FROM group_members WHERE tenant_id = ?`,
	`DELETE FROM member_field_values WHERE tenant_id = ?`,
	`DELETE FROM members WHERE tenant_id = ?`,
	`DELETE FROM rule_roles WHERE tenant_id = ?`,
	`DELETE FROM assignment_rules WHERE tenant_id = ?`,
	`DELETE FROM roles WHERE tenant_id = ?`,
	`DELETE FROM member_fields WHERE tenant_id = ?`,
	`DELETE FROM directory_groups WHERE tenant_id = ?`,
	`DELETE FROM departments WHERE tenant_id = ?`,
	`DELETE FROM positions WHERE tenant_id = ?`,
	`DELETE FROM domain_changes WHERE tenant_id = ?`,
	`DELETE FROM domains WHERE tenant_id = ?`,
	`DELETE FROM billable_daily WHERE tenant_id = ?`,
	`DELETE FROM payment_methods WHERE tenant_id = ?`,
	`DELETE FROM pending_lines WHERE tenant_id = ?`,
	`DELETE FROM quotes WHERE tenant_id = ?`,
	`DELETE FROM mails WHERE tenant_id = ?`,
}

// PurgeTenant deletes a closed tenant's data but its invoices.
func (db *DB) PurgeTenant(ctx context.Context, tenantID string) error {
	for _, q := range purgeTables {
		if _, err := db.exec(ctx, q, tenantID); err != nil {
			return db.fail(err, "store.thing.tenant_data")
		}
	}
	return nil
}
