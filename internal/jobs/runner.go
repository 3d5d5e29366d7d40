package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/domain"
	"github.com/kanri/kanri/internal/notify"
)

// Runner migrates River's tables, relays the outbox and works jobs.
type Runner interface {
	// Migrate creates or upgrades River's tables.
	Migrate(ctx context.Context) error
	// Run works jobs, relays the outbox and sends mail until ctx ends.
	Run(ctx context.Context) error
	// Relay moves every outbox row into River's queue once; Run does it
	// continually. It returns how many rows it moved.
	Relay(ctx context.Context) (int, error)
	// Insert queues one job at once, outside any transaction: for a
	// request that writes nothing else (PasswordResetArgs).
	Insert(ctx context.Context, args river.JobArgs) error
}

// Options tune a Runner.
type Options struct {
	// Logger receives River's logs and relay failures; nil discards them.
	Logger *slog.Logger
	// Poll is how often the relay and River look for new work.
	Poll time.Duration
	// Workers is how many jobs run at once on each queue.
	Workers int
	// MailSenders is how many SMTP connections send mail at once; default 4.
	MailSenders int
	// MailDelay and WebhookDelay give the wait before retry attempt+1;
	// default MailDelay and WebhookDelay (tests shorten them).
	MailDelay, WebhookDelay func(attempt int) time.Duration
	// DomainCheckEvery is how often pending domains are checked; default 10 minutes.
	DomainCheckEvery time.Duration
	// BillingEvery is how often the billing run runs; default 1 hour.
	BillingEvery time.Duration
	// ID names this process to River, which records it on every job it
	// runs; Lapsed returns those of the given ids whose processes have died.
	// With both set, jobs a dead process left running are run again at once
	// (rescue.go) instead of after RescueStuckJobsAfter.
	ID     string
	Lapsed func(ctx context.Context, ids []string) ([]string, error)
}

// outboxRow is one job to start.
type outboxRow struct{ id, kind, refID string }

// runner is a Runner for one engine's transaction type.
type runner[TTx any] struct {
	h       Handler
	driver  riverdriver.Driver[TTx]
	client  *river.Client[TTx]
	opts    Options
	begin   func(ctx context.Context) (TTx, error)
	commit  func(ctx context.Context, tx TTx) error
	discard func(ctx context.Context, tx TTx)
	claim   func(ctx context.Context, tx TTx, n int) ([]outboxRow, error)
	remove  func(ctx context.Context, tx TTx, ids []string) error
}

// NewSQLite returns a Runner on Kanri's SQLite write pool.
func NewSQLite(db *sql.DB, h Handler, opts Options) (Runner, error) {
	r := &runner[*sql.Tx]{h: h, driver: riversqlite.New(db), opts: opts,
		begin:   func(ctx context.Context) (*sql.Tx, error) { return db.BeginTx(ctx, nil) },
		commit:  func(_ context.Context, tx *sql.Tx) error { return tx.Commit() },
		discard: func(_ context.Context, tx *sql.Tx) { _ = tx.Rollback() },
		claim: func(ctx context.Context, tx *sql.Tx, n int) ([]outboxRow, error) {
			rows, err := tx.QueryContext(ctx, `SELECT id, kind, ref_id FROM outbox ORDER BY created_at, id LIMIT ?`, n)
			if err != nil {
				return nil, err
			}
			return scanOutbox(rows.Next, rows.Scan, rows.Err, rows.Close)
		},
		remove: func(ctx context.Context, tx *sql.Tx, ids []string) error {
			args := make([]any, len(ids))
			for i, id := range ids {
				args[i] = id
			}
			_, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ")+`)`, args...)
			return err
		},
	}
	return r, r.init(h)
}

// NewPostgres returns a Runner on its own pgx pool for url; River needs
// pgx transactions, so the relay's transactions run on this pool.
func NewPostgres(ctx context.Context, url string, h Handler, opts Options) (Runner, func(), error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, nil, fmt.Errorf("jobs: open postgres: %w", err)
	}
	r := &runner[pgx.Tx]{h: h, driver: riverpgxv5.New(pool), opts: opts,
		begin:   func(ctx context.Context) (pgx.Tx, error) { return pool.Begin(ctx) },
		commit:  func(ctx context.Context, tx pgx.Tx) error { return tx.Commit(ctx) },
		discard: func(ctx context.Context, tx pgx.Tx) { _ = tx.Rollback(context.WithoutCancel(ctx)) },
		claim: func(ctx context.Context, tx pgx.Tx, n int) ([]outboxRow, error) {
			// SKIP LOCKED: many instances relay at once without waiting on each other.
			rows, err := tx.Query(ctx, `SELECT id, kind, ref_id FROM outbox ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`, n)
			if err != nil {
				return nil, err
			}
			return scanOutbox(rows.Next, rows.Scan, rows.Err, func() error { rows.Close(); return nil })
		},
		remove: func(ctx context.Context, tx pgx.Tx, ids []string) error {
			_, err := tx.Exec(ctx, `DELETE FROM outbox WHERE id = ANY($1)`, ids)
			return err
		},
	}
	if err := r.init(h); err != nil {
		pool.Close()
		return nil, nil, err
	}
	return r, pool.Close, nil
}

func scanOutbox(next func() bool, scan func(...any) error, rowsErr, closeRows func() error) ([]outboxRow, error) {
	defer closeRows()
	var out []outboxRow
	for next() {
		var o outboxRow
		if err := scan(&o.id, &o.kind, &o.refID); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rowsErr()
}

func (r *runner[TTx]) init(h Handler) error {
	if r.opts.Logger == nil { // Run logs relay failures on it
		r.opts.Logger = slog.New(slog.DiscardHandler)
	}
	if r.opts.Poll <= 0 {
		r.opts.Poll = 250 * time.Millisecond
	}
	if r.opts.Workers <= 0 {
		r.opts.Workers = 10
	}
	if r.opts.MailSenders <= 0 {
		r.opts.MailSenders = 4
	}
	if r.opts.MailDelay == nil {
		r.opts.MailDelay = MailDelay
	}
	if r.opts.WebhookDelay == nil {
		r.opts.WebhookDelay = WebhookDelay
	}
	if r.opts.DomainCheckEvery <= 0 {
		r.opts.DomainCheckEvery = 10 * time.Minute
	}
	if r.opts.BillingEvery <= 0 {
		r.opts.BillingEvery = time.Hour
	}
	client, err := river.NewClient(r.driver, &river.Config{
		ID:                   r.opts.ID,
		JobTimeout:           JobTimeout,
		RescueStuckJobsAfter: RescueStuckJobsAfter,
		Logger:               r.opts.Logger,
		Queues: map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: r.opts.Workers},
			QueueWebhooks:      {MaxWorkers: r.opts.Workers},
		},
		Workers:           workers(h, r.opts),
		PeriodicJobs:      periodicJobs(r.opts),
		FetchPollInterval: r.opts.Poll,
		FetchCooldown:     min(r.opts.Poll, 100*time.Millisecond),
	})
	r.client = client
	return err
}

func (r *runner[TTx]) Migrate(ctx context.Context) error {
	m, err := rivermigrate.New(r.driver, &rivermigrate.Config{Logger: r.opts.Logger})
	if err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

// relayBatch is how many outbox rows one relay transaction moves.
const relayBatch = 500

func (r *runner[TTx]) Relay(ctx context.Context) (int, error) {
	moved := 0
	for {
		n, err := r.relayOnce(ctx)
		moved += n
		if err != nil || n < relayBatch {
			return moved, err
		}
	}
}

// relayOnce moves a batch: the River jobs are inserted and the outbox rows
// deleted in one transaction, so every row becomes exactly one job.
func (r *runner[TTx]) relayOnce(ctx context.Context) (int, error) {
	tx, err := r.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer r.discard(ctx, tx)
	rows, err := r.claim(ctx, tx, relayBatch)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	params := make([]river.InsertManyParams, len(rows))
	ids := make([]string, len(rows))
	for i, o := range rows {
		ids[i] = o.id
		switch o.kind {
		case notify.KindWebhook:
			params[i] = river.InsertManyParams{Args: WebhookArgs{DeliveryID: o.refID}}
		case domain.JobKind:
			params[i] = river.InsertManyParams{Args: DomainChangeArgs{ChangeID: o.refID}}
		case billing.SettleJobKind:
			params[i] = river.InsertManyParams{Args: SettleArgs{InvoiceID: o.refID}}
		default:
			return 0, fmt.Errorf("outbox row %s has unknown kind %q", o.id, o.kind)
		}
	}
	if _, err := r.client.InsertManyTx(ctx, tx, params); err != nil {
		return 0, fmt.Errorf("relay: insert jobs: %w", err)
	}
	if err := r.remove(ctx, tx, ids); err != nil {
		return 0, fmt.Errorf("relay: delete outbox rows: %w", err)
	}
	return len(rows), r.commit(ctx, tx)
}

func (r *runner[TTx]) Insert(ctx context.Context, args river.JobArgs) error {
	if _, err := r.client.Insert(ctx, args, nil); err != nil {
		return fmt.Errorf("queue %s: %w", args.Kind(), err)
	}
	return nil
}

func (r *runner[TTx]) Run(ctx context.Context) error {
	// River's services run on a context that outlives ctx: when ctx ends, Stop
	// lets running jobs finish instead of cutting them (and River's own
	// transactions) off mid-way.
	if err := r.client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start workers: %w", err)
	}
	var senders sync.WaitGroup
	for range r.opts.MailSenders {
		senders.Go(func() { r.sendMail(ctx) })
	}
	defer senders.Wait() // a batch being sent is recorded before Run returns
	tick := time.NewTicker(r.opts.Poll)
	defer tick.Stop()
	var rescued time.Time
	for {
		if _, err := r.Relay(ctx); err != nil && ctx.Err() == nil {
			r.opts.Logger.ErrorContext(ctx, "outbox relay failed; retrying", "err", err)
		}
		if time.Since(rescued) >= orphanEvery {
			rescued = time.Now()
			r.rescueOrphans(ctx)
		}
		select {
		case <-ctx.Done():
			stop, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if err := r.client.Stop(stop); err == nil {
				return nil
			}
			// Jobs still running after 10 s are cancelled; they will be retried.
			cut, cancelCut := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancelCut()
			return r.client.StopAndCancel(cut)
		case <-tick.C:
		}
	}
}

// mailBatch is how many mails one connection takes at a time: a few
// sending connections share a burst, and one batch takes a slow server
// well under a minute.
const mailBatch = 50

// sendMail sends due mails until ctx ends: batch after batch while there
// are more, else it looks again after Poll.
func (r *runner[TTx]) sendMail(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := r.h.DeliverMails(ctx, mailBatch, r.opts.MailDelay)
		if err != nil && ctx.Err() == nil {
			r.opts.Logger.ErrorContext(ctx, "mail delivery failed; retrying", "err", err)
		}
		if n == mailBatch && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
		case <-time.After(r.opts.Poll):
		}
	}
}
