package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/notify"
)

var _ notify.Store = (*DB)(nil)

// SearchMails returns the mails f selects, newest first, before the cursor
// id (notify.OpsStore). A tenant is named by its id or its works-group name.
func (db *DB) SearchMails(ctx context.Context, f notify.MailFilter) ([]*notify.Mail, error) {
	var where []string
	var args []any
	add := func(cond string, vs ...any) {
		where = append(where, cond)
		args = append(args, vs...)
	}
	if f.Recipient != "" {
		like := "%" + likeEscape(f.Recipient) + "%"
		add(`(LOWER(to_addr) LIKE ? ESCAPE '\' OR LOWER(to_name) LIKE ? ESCAPE '\')`, like, like)
	}
	if f.Tenant != "" {
		add(`tenant_id IN (SELECT id FROM tenants WHERE id = ? OR works_group = ?)`, f.Tenant, strings.ToLower(f.Tenant))
	}
	if f.Template != "" {
		add(`template = ?`, f.Template)
	}
	if f.Status != "" {
		add(`status = ?`, f.Status)
	}
	if f.After != "" {
		add(`id < ?`, f.After)
	}
	q := `SELECT ` + mailColumns + ` FROM mails`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	rows, err := db.query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, db.fail(err, "store.thing.mail")
	}
	return collect(rows, scanMail)
}

// RequeueMail makes a failed mail pending and due again, keeping its attempts and
// last error until the next attempt writes its own (notify.OpsStore).
func (db *DB) RequeueMail(ctx context.Context, id string) error {
	res, err := db.exec(ctx, `UPDATE mails SET status = 'pending', due_at = NULL, claimed_until = NULL WHERE id = ? AND status = 'failed'`, id)
	return db.requeued(res, err, "store.thing.mail")
}

// RequeueDelivery makes a failed or canceled delivery pending again
// (notify.OpsStore).
func (db *DB) RequeueDelivery(ctx context.Context, id string) error {
	res, err := db.exec(ctx, `UPDATE webhook_deliveries SET status = 'pending' WHERE id = ? AND status IN ('failed', 'canceled')`, id)
	return db.requeued(res, err, "store.thing.webhook_delivery")
}

// requeued reports a requeue that changed no row as a Conflict: the caller
// read the row in its transaction, so another resend or retry came first.
func (db *DB) requeued(res sql.Result, err error, what i18n.Term) error {
	if err != nil {
		return db.fail(err, what)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errs.E(errs.Conflict, "store.requeued_meanwhile", "thing", what)
	}
	return nil
}
