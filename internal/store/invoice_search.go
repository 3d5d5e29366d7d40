package store

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/billing"
)

var _ billing.Store = (*DB)(nil)

// prefixed qualifies each of a column list's columns with a table alias.
func prefixed(alias, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = alias + "." + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}

// SearchInvoices returns up to f.Limit invoices of every tenant matching f
// with their tenant's works group and company name, newest first by
// keyset on (issued_at, id), which invoices_issued_id orders.
func (db *DB) SearchInvoices(ctx context.Context, f billing.InvoiceSearch) ([]*billing.FoundInvoice, error) {
	var where []string
	var args []any
	add := func(cond string, v ...any) { where, args = append(where, cond), append(args, v...) }
	if !f.From.IsZero() {
		add("i.issued_at >= ?", ts(f.From))
	}
	if !f.To.IsZero() {
		add("i.issued_at < ?", ts(f.To))
	}
	if f.MinTotal != nil {
		add("i.total >= ?", *f.MinTotal)
	}
	if f.MaxTotal != nil {
		add("i.total <= ?", *f.MaxTotal)
	}
	if f.Number != "" {
		add(`LOWER(i.number) LIKE ? ESCAPE '\'`, "%"+likeEscape(f.Number)+"%")
	}
	if f.Counterparty != "" {
		p := "%" + likeEscape(f.Counterparty) + "%"
		add(`(LOWER(i.recipient_name) LIKE ? ESCAPE '\' OR LOWER(t.company_name) LIKE ? ESCAPE '\' OR LOWER(t.works_group) LIKE ? ESCAPE '\')`, p, p, p)
	}
	if f.Status != "" {
		add("i.status = ?", f.Status)
	}
	if f.Kind != "" {
		add("i.kind = ?", f.Kind)
	}
	dueRange(f, add)
	if !f.BeforeTime.IsZero() {
		add("(i.issued_at, i.id) < (?, ?)", ts(f.BeforeTime), f.BeforeID)
	}
	q := `SELECT ` + prefixed("i", invoiceColumns) + `, t.works_group, t.company_name FROM invoices i JOIN tenants t ON t.id = i.tenant_id`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	rows, err := db.query(ctx, q+` ORDER BY i.issued_at DESC, i.id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, db.fail(err, "store.thing.invoice")
	}
	found, err := collect(rows, func(row scanner) (*billing.FoundInvoice, error) {
		var fi billing.FoundInvoice
		inv, err := scanInvoice(alsoScan{row, []any{&fi.WorksGroup, &fi.CompanyName}})
		if inv != nil {
			fi.Invoice = *inv
		}
		return &fi, err
	})
	return found, db.fail(err, "store.thing.invoice")
}

// dueRange adds the conditions of f's due days.
func dueRange(f billing.InvoiceSearch, add func(cond string, v ...any)) {
	switch {
	case !f.DueFrom.IsZero() && f.Undated:
		add("(i.due_at >= ? OR i.due_at IS NULL)", day(f.DueFrom))
	case !f.DueFrom.IsZero():
		add("i.due_at >= ?", day(f.DueFrom))
	}
	if !f.DueTo.IsZero() {
		add("i.due_at < ?", day(f.DueTo))
	}
}

// OpenInvoicesByDue counts and sums the open invoices per bucket of due
// day and currency, in bucket and currency order. The partial index
// invoices_open holds exactly the open invoices.
func (db *DB) OpenInvoicesByDue(ctx context.Context, edges []time.Time) ([]billing.DueTally, error) {
	bucket := `CASE WHEN due_at IS NULL OR due_at >= ? THEN 0`
	args := []any{day(edges[0])}
	for i, e := range edges[1:] {
		bucket += ` WHEN due_at >= ? THEN ` + strconv.Itoa(i+1)
		args = append(args, day(e))
	}
	bucket += ` ELSE ` + strconv.Itoa(len(edges)) + ` END`
	rows, err := db.query(ctx, `SELECT b, currency, COUNT(*), CAST(SUM(total) AS BIGINT) FROM (SELECT `+bucket+` AS b, currency, total
		FROM invoices WHERE status = 'open') o GROUP BY b, currency ORDER BY b, currency`, args...)
	if err != nil {
		return nil, db.fail(err, "store.thing.invoice")
	}
	tallies, err := collect(rows, func(row scanner) (billing.DueTally, error) {
		var t billing.DueTally
		return t, row.Scan(&t.Bucket, &t.Currency, &t.Count, &t.Total)
	})
	return tallies, db.fail(err, "store.thing.invoice")
}

const runColumns = `id, started_at, finished_at, actor_kind, actor_id, actor_name, renewed, issued, charged, declined, purged, failed`

func scanRun(row scanner) (*billing.RunRecord, error) {
	var r billing.RunRecord
	err := row.Scan(&r.ID, scanTime(&r.StartedAt), scanTime(&r.FinishedAt), &r.ActorKind, &r.ActorID, &r.ActorName,
		&r.Renewed, &r.Issued, &r.Charged, &r.Declined, &r.Purged, &r.Failed)
	return &r, err
}

// CreateBillingRun records a run that started.
func (db *DB) CreateBillingRun(ctx context.Context, r *billing.RunRecord) error {
	_, err := db.exec(ctx, `INSERT INTO billing_runs (`+runColumns+`) VALUES `+placeholders(12), r.ID, ts(r.StartedAt), nullTS(r.FinishedAt),
		r.ActorKind, r.ActorID, r.ActorName, r.Renewed, r.Issued, r.Charged, r.Declined, r.Purged, r.Failed)
	return db.fail(err, "store.thing.billing_run")
}

// FinishBillingRun records what run r did and its failures, in one
// transaction. Errors: NotFound.
func (db *DB) FinishBillingRun(ctx context.Context, r *billing.RunRecord) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		res, err := db.exec(ctx, `UPDATE billing_runs SET finished_at = ?, renewed = ?, issued = ?, charged = ?, declined = ?, purged = ?,
			failed = ? WHERE id = ?`, nullTS(r.FinishedAt), r.Renewed, r.Issued, r.Charged, r.Declined, r.Purged, r.Failed, r.ID)
		if err := db.affected(res, err, "store.thing.billing_run"); err != nil || len(r.Failures) == 0 {
			return err
		}
		var args []any
		for i, f := range r.Failures {
			args = append(args, r.ID, i+1, f.Step, f.TenantID, f.Ref, f.Reason["ja"], f.Reason["en"], f.Detail)
		}
		_, err = db.exec(ctx, `INSERT INTO billing_run_failures (run_id, n, step, tenant_id, ref, reason_ja, reason_en, detail) VALUES `+
			rows(8, len(r.Failures)), args...)
		return db.fail(err, "store.thing.billing_run_failure")
	})
}

// ListBillingRuns returns up to limit runs with ids before before ("":
// the newest), newest first: ids follow the start time. Their failures
// come in one more query.
func (db *DB) ListBillingRuns(ctx context.Context, before string, limit int) ([]*billing.RunRecord, error) {
	q, args := `SELECT `+runColumns+` FROM billing_runs`, []any{}
	if before != "" {
		q, args = q+` WHERE id < ?`, append(args, before)
	}
	rs, err := db.query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, db.fail(err, "store.thing.billing_run")
	}
	runs, err := collect(rs, scanRun)
	if err != nil || len(runs) == 0 {
		return runs, db.fail(err, "store.thing.billing_run")
	}
	byID := make(map[string]*billing.RunRecord, len(runs))
	ids := make([]any, len(runs))
	for i, r := range runs {
		byID[r.ID], ids[i] = r, r.ID
	}
	fs, err := db.query(ctx, `SELECT run_id, step, tenant_id, ref, reason_ja, reason_en, detail FROM billing_run_failures
		WHERE run_id IN `+placeholders(len(ids))+` ORDER BY run_id, n`, ids...)
	if err != nil {
		return nil, db.fail(err, "store.thing.billing_run_failure")
	}
	defer fs.Close()
	for fs.Next() {
		var runID, ja, en string
		var f billing.RunFailure
		if err := fs.Scan(&runID, &f.Step, &f.TenantID, &f.Ref, &ja, &en, &f.Detail); err != nil {
			return nil, db.fail(err, "store.thing.billing_run_failure")
		}
		if ja != "" {
			f.Reason = billing.Names{"ja": ja, "en": en}
		}
		byID[runID].Failures = append(byID[runID].Failures, f)
	}
	return runs, db.fail(fs.Err(), "store.thing.billing_run_failure")
}
