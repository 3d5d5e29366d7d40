// Package jobs runs Kanri's background work on River: it moves the outbox's
// rows into River's queue (the relay), works the jobs with retries, and sends
// the mails the mails table holds (the senders: a batch per SMTP connection).
// Domain code never sees River: it writes outbox rows in its own
// transaction, and the Handler here does the work.
package jobs

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"

	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/password"
)

// Handler does the work of each job kind.
type Handler interface {
	// DeliverMails sends up to n due mails over one connection and returns
	// how many it took; a failed one is retried after retryIn(attempts).
	DeliverMails(ctx context.Context, n int, retryIn func(attempts int) time.Duration) (int, error)
	// ReleaseDeadClaims frees the mails claimed by instances that lapsed
	// says have died.
	ReleaseDeadClaims(ctx context.Context, lapsed func(ctx context.Context, ids []string) ([]string, error)) error
	// DeliverWebhook delivers one event; final says no retry follows.
	DeliverWebhook(ctx context.Context, id string, final bool) error
	// Cleanup purges expired rows (sessions, rate-limit windows, idempotency keys).
	Cleanup(ctx context.Context) error
	// ChangeDomain works a primary-domain change to its end.
	ChangeDomain(ctx context.Context, changeID string) error
	// CheckDomains looks up pending domains, expires overdue ones and
	// finishes primary-domain changes a crash interrupted.
	CheckDomains(ctx context.Context) error
	// RunBilling bills ended periods, retries open card invoices and purges
	// closed tenants past their retention.
	RunBilling(ctx context.Context) error
	// ResumeApplies finishes the applies a crash cut off after the charge,
	// and numbers the invoices a crash left without their number.
	ResumeApplies(ctx context.Context) error
	// SendPasswordReset works a "forgot password" request.
	SendPasswordReset(ctx context.Context, r password.Request) error
	// SettleInvoice charges the card for an invoice, or refunds a credit
	// note, that a member change issued.
	SettleInvoice(ctx context.Context, invoiceID string) error
}

// QueueWebhooks is River's queue of webhook deliveries. Everything else
// (domain changes, the billing run, settlements, the periodic jobs) runs
// on river.QueueDefault, so a flood of webhooks never holds them up; mails
// are no River jobs at all (Runner.Run's senders).
const QueueWebhooks = "webhooks"

// WebhookArgs is a webhook delivery to attempt.
type WebhookArgs struct {
	DeliveryID string `json:"delivery_id"`
}

// Kind names the job kind.
func (WebhookArgs) Kind() string { return "deliver_webhook" }

// InsertOpts gives one attempt more than the retry schedule has waits, on
// the webhooks' own queue.
func (WebhookArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: len(WebhookSchedule) + 1, Queue: QueueWebhooks}
}

// CleanupArgs is the periodic purge.
type CleanupArgs struct{}

// Kind names the job kind.
func (CleanupArgs) Kind() string { return "cleanup" }

// DomainChangeArgs is a primary-domain change to work.
type DomainChangeArgs struct {
	ChangeID string `json:"change_id"`
}

// Kind names the job kind.
func (DomainChangeArgs) Kind() string { return "domain_change" }

// InsertOpts: a change's job resumes where it stopped, so retrying is safe.
func (DomainChangeArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 25} }

// DomainCheckArgs is the periodic check of pending domains.
type DomainCheckArgs struct{}

// Kind names the job kind.
func (DomainCheckArgs) Kind() string { return "domain_check" }

// WebhookSchedule is the wait before each retry of a webhook delivery: about
// three days in all, after which the endpoint is disabled.
var WebhookSchedule = []time.Duration{5 * time.Second, time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour,
	5 * time.Hour, 10 * time.Hour, 14 * time.Hour, 20 * time.Hour, 20 * time.Hour}

// jitter spreads d by ±20% so retries of many deliveries do not stampede.
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// MailDelay backs off exponentially from 20 seconds up to 6 hours.
func MailDelay(attempt int) time.Duration {
	return jitter(min(10*time.Second<<min(attempt, 20), 6*time.Hour))
}

type webhookWorker struct {
	river.WorkerDefaults[WebhookArgs]
	h     Handler
	delay func(attempt int) time.Duration
}

func (w *webhookWorker) Work(ctx context.Context, job *river.Job[WebhookArgs]) error {
	err := w.h.DeliverWebhook(ctx, job.Args.DeliveryID, job.Attempt >= job.MaxAttempts)
	if errors.Is(err, notify.ErrGone) {
		return river.JobCancel(err)
	}
	return err
}

func (w *webhookWorker) NextRetry(job *river.Job[WebhookArgs]) time.Time {
	return time.Now().Add(w.delay(job.Attempt))
}

// WebhookDelay follows WebhookSchedule with jitter.
func WebhookDelay(attempt int) time.Duration {
	return jitter(WebhookSchedule[min(max(attempt-1, 0), len(WebhookSchedule)-1)])
}

// Timeout bounds one webhook attempt.
func (w *webhookWorker) Timeout(*river.Job[WebhookArgs]) time.Duration { return 30 * time.Second }

type cleanupWorker struct {
	river.WorkerDefaults[CleanupArgs]
	h Handler
}

func (w *cleanupWorker) Work(ctx context.Context, _ *river.Job[CleanupArgs]) error {
	return w.h.Cleanup(ctx)
}

type domainChangeWorker struct {
	river.WorkerDefaults[DomainChangeArgs]
	h Handler
}

func (w *domainChangeWorker) Work(ctx context.Context, job *river.Job[DomainChangeArgs]) error {
	return w.h.ChangeDomain(ctx, job.Args.ChangeID)
}

// Timeout lets a change of a very large tenant mail everyone in one run.
func (w *domainChangeWorker) Timeout(*river.Job[DomainChangeArgs]) time.Duration { return time.Hour }

type domainCheckWorker struct {
	river.WorkerDefaults[DomainCheckArgs]
	h Handler
}

func (w *domainCheckWorker) Work(ctx context.Context, _ *river.Job[DomainCheckArgs]) error {
	return w.h.CheckDomains(ctx)
}

// Timeout leaves room for many lookups that time out.
func (w *domainCheckWorker) Timeout(*river.Job[DomainCheckArgs]) time.Duration {
	return 30 * time.Minute
}

func workers(h Handler, o Options) *river.Workers {
	ws := river.NewWorkers()
	river.AddWorker(ws, &webhookWorker{h: h, delay: o.WebhookDelay})
	river.AddWorker(ws, &cleanupWorker{h: h})
	river.AddWorker(ws, &domainChangeWorker{h: h})
	river.AddWorker(ws, &domainCheckWorker{h: h})
	river.AddWorker(ws, &billingRunWorker{h: h})
	river.AddWorker(ws, &resumeWorker{h: h})
	river.AddWorker(ws, &passwordResetWorker{h: h})
	river.AddWorker(ws, &settleWorker{h: h})
	return ws
}

// BillingRunArgs is the periodic billing run.
type BillingRunArgs struct{}

// Kind names the job.
func (BillingRunArgs) Kind() string { return "billing_run" }

// InsertOpts: a run that met problems is not retried as a whole; the next
// periodic run takes up what failed (each step is safe to repeat).
func (BillingRunArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 1} }

type billingRunWorker struct {
	river.WorkerDefaults[BillingRunArgs]
	h Handler
}

func (w *billingRunWorker) Work(ctx context.Context, _ *river.Job[BillingRunArgs]) error {
	return w.h.RunBilling(ctx)
}

// Timeout leaves room for a run after days of downtime.
func (w *billingRunWorker) Timeout(*river.Job[BillingRunArgs]) time.Duration { return 30 * time.Minute }

// ResumeAppliesArgs is the minutely resumption of applies (and invoice
// numbering) a crash cut off.
type ResumeAppliesArgs struct{}

// Kind names the job.
func (ResumeAppliesArgs) Kind() string { return "resume_applies" }

// InsertOpts: the next minute's run retries.
func (ResumeAppliesArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 1} }

type resumeWorker struct {
	river.WorkerDefaults[ResumeAppliesArgs]
	h Handler
}

func (w *resumeWorker) Work(ctx context.Context, _ *river.Job[ResumeAppliesArgs]) error {
	return w.h.ResumeApplies(ctx)
}

// periodicJobs run on start too: the domain check then finishes a change
// that a crash interrupted.
func periodicJobs(o Options) []*river.PeriodicJob {
	start := &river.PeriodicJobOpts{RunOnStart: true}
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) { return CleanupArgs{}, nil }, start),
		river.NewPeriodicJob(river.PeriodicInterval(o.DomainCheckEvery), func() (river.JobArgs, *river.InsertOpts) { return DomainCheckArgs{}, nil }, start),
		river.NewPeriodicJob(river.PeriodicInterval(o.BillingEvery), func() (river.JobArgs, *river.InsertOpts) { return BillingRunArgs{}, nil }, start),
		river.NewPeriodicJob(river.PeriodicInterval(time.Minute), func() (river.JobArgs, *river.InsertOpts) { return ResumeAppliesArgs{}, nil }, start),
	}
}

// PasswordResetArgs is a "forgot password" request to work. The request
// inserts it directly (Runner.Insert): it writes nothing else, so it needs
// no outbox row, and does the same work whether or not the login id exists.
type PasswordResetArgs struct {
	password.Request
}

// Kind names the job.
func (PasswordResetArgs) Kind() string { return "password_reset_request" }

// InsertOpts: River's retries take a few minutes; the link is worth
// mailing only within its 30 minutes, and a run again mails nothing twice.
func (PasswordResetArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

type passwordResetWorker struct {
	river.WorkerDefaults[PasswordResetArgs]
	h Handler
}

func (w *passwordResetWorker) Work(ctx context.Context, job *river.Job[PasswordResetArgs]) error {
	return w.h.SendPasswordReset(ctx, job.Args.Request)
}

// SettleArgs is an invoice of a member change to charge, or a credit note
// to refund, once the change committed.
type SettleArgs struct {
	InvoiceID string `json:"invoice_id"`
}

// Kind names the job.
func (SettleArgs) Kind() string { return "billing_settle" }

// InsertOpts: a few tries while the gateway is down; the billing run
// retries later, and a charge or refund is keyed, so a retry takes it once.
func (SettleArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 5} }

type settleWorker struct {
	river.WorkerDefaults[SettleArgs]
	h Handler
}

func (w *settleWorker) Work(ctx context.Context, job *river.Job[SettleArgs]) error {
	return w.h.SettleInvoice(ctx, job.Args.InvoiceID)
}
