package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/notify"
)

const mailColumns = `id, tenant_id, to_addr, to_name, language, template, subject, text_body, html_body, status, attempts, last_error, created_at, sent_at,
	bulk, due_at`

func scanMail(row scanner) (*notify.Mail, error) {
	var m notify.Mail
	err := row.Scan(&m.ID, scanStr(&m.TenantID), &m.To, &m.ToName, &m.Language, &m.Template, &m.Subject, &m.Text, &m.HTML,
		&m.Status, &m.Attempts, &m.LastError, scanTime(&m.CreatedAt), scanTime(&m.SentAt), &m.Bulk, scanTime(&m.DueAt))
	return &m, err
}

// CreateMails inserts mails, many per statement.
func (db *DB) CreateMails(ctx context.Context, ms ...*notify.Mail) error {
	const perRow = 16
	for start := 0; start < len(ms); start += memberBatch {
		chunk := ms[start:min(start+memberBatch, len(ms))]
		args := make([]any, 0, perRow*len(chunk))
		for _, m := range chunk {
			args = append(args, m.ID, nullStr(m.TenantID), m.To, m.ToName, m.Language, m.Template, m.Subject, m.Text, m.HTML, m.Status,
				m.Attempts, m.LastError, ts(m.CreatedAt), nullTS(m.SentAt), m.Bulk, nullTS(m.DueAt))
		}
		_, err := db.exec(ctx, `INSERT INTO mails (`+mailColumns+`) VALUES `+rows(perRow, len(chunk)), args...)
		if err != nil {
			return db.fail(err, "store.thing.mail")
		}
	}
	return nil
}

// GetMail returns the mail id. Errors: NotFound.
func (db *DB) GetMail(ctx context.Context, id string) (*notify.Mail, error) {
	m, err := scanMail(db.queryRow(ctx, `SELECT `+mailColumns+` FROM mails WHERE id = ?`, id))
	return m, db.fail(err, "store.thing.mail")
}

// ListMails returns mails, newest first, before the cursor id.
func (db *DB) ListMails(ctx context.Context, p notify.Page) ([]*notify.Mail, error) {
	q, args := `SELECT `+mailColumns+` FROM mails`, []any{}
	if p.After != "" {
		q, args = q+` WHERE id < ?`, append(args, p.After)
	}
	rows, err := db.query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, p.Limit)...)
	if err != nil {
		return nil, db.fail(err, "store.thing.mail")
	}
	return collect(rows, scanMail)
}

// UpdateMail stores m's delivery state while the mail is pending and ends
// its claim; an attempt that another one finished meanwhile is a Conflict
// (notify.Store).
func (db *DB) UpdateMail(ctx context.Context, m *notify.Mail) error {
	res, err := db.exec(ctx, `UPDATE mails SET status = ?, attempts = ?, last_error = ?, sent_at = ?, due_at = ?, claimed_until = NULL
		WHERE id = ? AND status = 'pending'`, m.Status, m.Attempts, m.LastError, nullTS(m.SentAt), nullTS(m.DueAt), m.ID)
	return db.stillPending(res, err, "store.thing.mail")
}

// ClaimMails claims up to n due mails until until (notify.Store). The
// partial index mails_queue holds only pending mails, in the order taken;
// on PostgreSQL, workers of several instances skip each other's rows.
func (db *DB) ClaimMails(ctx context.Context, now, until time.Time, by string, n int) ([]*notify.Mail, error) {
	skip := ""
	if db.postgres {
		skip = " FOR UPDATE SKIP LOCKED"
	}
	rows, err := db.q(ctx, db.write).QueryContext(ctx, db.rebind(`UPDATE mails SET claimed_until = ?, claimed_by = ? WHERE id IN (
		SELECT id FROM mails WHERE status = 'pending' AND (due_at IS NULL OR due_at <= ?) AND (claimed_until IS NULL OR claimed_until <= ?)
		ORDER BY bulk, id LIMIT ?`+skip+`) RETURNING `+mailColumns), ts(until), by, ts(now), ts(now), n)
	if err != nil {
		return nil, db.fail(err, "store.thing.mail")
	}
	ms, err := collect(rows, scanMail)
	slices.SortFunc(ms, func(a, b *notify.Mail) int { // RETURNING keeps no order
		switch {
		case a.Bulk == b.Bulk:
		case b.Bulk:
			return -1
		default:
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
	return ms, db.fail(err, "store.thing.mail")
}

// MailClaimants returns the instances whose claims hold at now (notify.Store).
func (db *DB) MailClaimants(ctx context.Context, now time.Time) ([]string, error) {
	rows, err := db.query(ctx, `SELECT DISTINCT claimed_by FROM mails WHERE status = 'pending' AND claimed_until > ? AND claimed_by <> ''`, ts(now))
	if err != nil {
		return nil, db.fail(err, "store.thing.mail")
	}
	ids, err := collect(rows, func(r scanner) (string, error) {
		var id string
		return id, r.Scan(&id)
	})
	return ids, db.fail(err, "store.thing.mail")
}

// ReleaseClaimsOf ends the claims of instances (notify.Store).
func (db *DB) ReleaseClaimsOf(ctx context.Context, instances ...string) error {
	_, err := db.exec(ctx, `UPDATE mails SET claimed_until = NULL, claimed_by = '' WHERE status = 'pending' AND claimed_by IN `+placeholders(len(instances)),
		anys(instances)...)
	return db.fail(err, "store.thing.mail")
}

// FinishMails marks pending mails sent or kept (notify.Store).
func (db *DB) FinishMails(ctx context.Context, status string, at time.Time, ids ...string) error {
	args := append([]any{status, nullTS(at)}, anys(ids)...)
	_, err := db.exec(ctx, `UPDATE mails SET status = ?, sent_at = ?, attempts = attempts + 1, last_error = '', claimed_until = NULL
		WHERE status = 'pending' AND id IN `+placeholders(len(ids)), args...)
	return db.fail(err, "store.thing.mail")
}

// ReleaseMails ends claims (notify.Store).
func (db *DB) ReleaseMails(ctx context.Context, ids ...string) error {
	_, err := db.exec(ctx, `UPDATE mails SET claimed_until = NULL WHERE status = 'pending' AND id IN `+placeholders(len(ids)), anys(ids)...)
	return db.fail(err, "store.thing.mail")
}

// stillPending reports an update of a mail or delivery that was no longer
// pending as a Conflict.
func (db *DB) stillPending(res sql.Result, err error, what i18n.Term) error {
	if err != nil {
		return db.fail(err, what)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errs.E(errs.Conflict, "store.no_longer_pending", "thing", what)
	}
	return nil
}

const endpointColumns = `id, url, description, event_types, secrets, disabled_at, disabled_cause, created_at`

func scanEndpoint(row scanner) (*notify.Endpoint, error) {
	var e notify.Endpoint
	var types, secrets string
	err := row.Scan(&e.ID, &e.URL, &e.Description, &types, &secrets, scanTime(&e.DisabledAt), &e.DisabledCause, scanTime(&e.CreatedAt))
	e.EventTypes, e.Secrets = strings.Fields(types), strings.Fields(secrets)
	return &e, err
}

// CreateEndpoint inserts e.
func (db *DB) CreateEndpoint(ctx context.Context, e *notify.Endpoint) error {
	_, err := db.exec(ctx, `INSERT INTO webhook_endpoints (`+endpointColumns+`) VALUES `+placeholders(8), e.ID, e.URL, e.Description,
		strings.Join(e.EventTypes, " "), strings.Join(e.Secrets, " "), nullTS(e.DisabledAt), e.DisabledCause, ts(e.CreatedAt))
	return db.fail(err, "store.thing.webhook_endpoint")
}

// GetEndpoint returns the endpoint id. Errors: NotFound.
func (db *DB) GetEndpoint(ctx context.Context, id string) (*notify.Endpoint, error) {
	e, err := scanEndpoint(db.queryRow(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE id = ?`+db.forUpdate(ctx), id))
	return e, db.fail(err, "store.thing.webhook_endpoint")
}

// ListEndpoints returns every endpoint in creation order.
func (db *DB) ListEndpoints(ctx context.Context) ([]*notify.Endpoint, error) {
	rows, err := db.query(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints ORDER BY id`)
	if err != nil {
		return nil, db.fail(err, "store.thing.webhook_endpoint")
	}
	return collect(rows, scanEndpoint)
}

// UpdateEndpoint stores e's changeable fields.
func (db *DB) UpdateEndpoint(ctx context.Context, e *notify.Endpoint) error {
	res, err := db.exec(ctx, `UPDATE webhook_endpoints SET url = ?, description = ?, event_types = ?, secrets = ?, disabled_at = ?,
		disabled_cause = ? WHERE id = ?`, e.URL, e.Description, strings.Join(e.EventTypes, " "), strings.Join(e.Secrets, " "),
		nullTS(e.DisabledAt), e.DisabledCause, e.ID)
	return db.affected(res, err, "store.thing.webhook_endpoint")
}

const deliveryColumns = `id, endpoint_id, event_id, event_type, tenant_id, payload, status, attempts, last_status, last_error, created_at, delivered_at`

func scanDelivery(row scanner) (*notify.Delivery, error) {
	var d notify.Delivery
	err := row.Scan(&d.ID, &d.EndpointID, &d.EventID, &d.EventType, scanStr(&d.TenantID), &d.Payload, &d.Status, &d.Attempts,
		&d.LastStatus, &d.LastError, scanTime(&d.CreatedAt), scanTime(&d.DeliveredAt))
	return &d, err
}

// CreateDelivery inserts d.
func (db *DB) CreateDelivery(ctx context.Context, d *notify.Delivery) error {
	_, err := db.exec(ctx, `INSERT INTO webhook_deliveries (`+deliveryColumns+`) VALUES `+placeholders(12), d.ID, d.EndpointID, d.EventID,
		d.EventType, nullStr(d.TenantID), d.Payload, d.Status, d.Attempts, d.LastStatus, d.LastError, ts(d.CreatedAt), nullTS(d.DeliveredAt))
	return db.fail(err, "store.thing.webhook_delivery")
}

// GetDelivery returns the delivery id. Errors: NotFound.
func (db *DB) GetDelivery(ctx context.Context, id string) (*notify.Delivery, error) {
	d, err := scanDelivery(db.queryRow(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = ?`, id))
	return d, db.fail(err, "store.thing.webhook_delivery")
}

// ListDeliveries returns an endpoint's deliveries, newest first, before the cursor id.
func (db *DB) ListDeliveries(ctx context.Context, endpointID string, p notify.Page) ([]*notify.Delivery, error) {
	q, args := `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE endpoint_id = ?`, []any{endpointID}
	if p.After != "" {
		q, args = q+` AND id < ?`, append(args, p.After)
	}
	rows, err := db.query(ctx, q+` ORDER BY id DESC LIMIT ?`, append(args, p.Limit)...)
	if err != nil {
		return nil, db.fail(err, "store.thing.webhook_delivery")
	}
	return collect(rows, scanDelivery)
}

// UpdateDelivery stores d's delivery state while the delivery is pending;
// an attempt that another one finished meanwhile is a Conflict.
func (db *DB) UpdateDelivery(ctx context.Context, d *notify.Delivery) error {
	res, err := db.exec(ctx, `UPDATE webhook_deliveries SET status = ?, attempts = ?, last_status = ?, last_error = ?, delivered_at = ?
		WHERE id = ? AND status = 'pending'`, d.Status, d.Attempts, d.LastStatus, d.LastError, nullTS(d.DeliveredAt), d.ID)
	return db.stillPending(res, err, "store.thing.webhook_delivery")
}

// Enqueue writes an outbox row per refID that starts a job of kind for it
// once the transaction commits.
func (db *DB) Enqueue(ctx context.Context, kind string, now time.Time, refIDs ...string) error {
	for start := 0; start < len(refIDs); start += memberBatch {
		chunk := refIDs[start:min(start+memberBatch, len(refIDs))]
		args := make([]any, 0, 4*len(chunk))
		for _, ref := range chunk {
			args = append(args, db.ids.New("obx"), kind, ref, ts(now))
		}
		if _, err := db.exec(ctx, `INSERT INTO outbox (id, kind, ref_id, created_at) VALUES `+rows(4, len(chunk)), args...); err != nil {
			return db.fail(err, "store.thing.outbox")
		}
	}
	return nil
}

// Purge deletes what has expired by now: idempotency keys, rate-limit
// windows, second sign-in steps and leases of dead instances older than a
// day, sessions that ended more than 30 days ago and expired password-reset
// links.
func (db *DB) Purge(ctx context.Context, now time.Time) error {
	day, month := ts(now.Add(-24*time.Hour)), ts(now.Add(-30*24*time.Hour))
	_, err := db.exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < ?`, day)
	if err == nil {
		_, err = db.exec(ctx, `DELETE FROM login_failures WHERE window_start < ?`, day)
	}
	if err == nil {
		_, err = db.exec(ctx, `DELETE FROM pending_sign_ins WHERE expires_at < ?`, day)
	}
	if err == nil {
		_, err = db.exec(ctx, `DELETE FROM instances WHERE lease_until < ?`, day)
	}
	if err == nil {
		_, err = db.exec(ctx, `DELETE FROM sessions WHERE revoked_at < ? OR expires_at < ?`, month, month)
	}
	if err == nil {
		_, err = db.exec(ctx, `DELETE FROM password_resets WHERE expires_at < ?`, ts(now))
	}
	return db.fail(err, "store.thing.purge")
}

// Writer is the pool that writes: River's SQLite driver works on it, so
// that the relay's transactions queue with every other writer.
func (db *DB) Writer() *sql.DB { return db.write }
