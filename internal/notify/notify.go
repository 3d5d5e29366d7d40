// Package notify tells people and the vendor's product what happened: mails
// and signed webhooks, both written to an outbox in the transaction of the
// change that caused them and delivered by background jobs with retries.
package notify

import (
	"context"
	"time"

	"github.com/kanri/kanri/internal/clock"
	"github.com/kanri/kanri/internal/id"
)

// Mail is one rendered message to one recipient.
type Mail struct {
	ID        string
	TenantID  string
	To        string
	ToName    string
	Language  string
	Template  string
	Subject   string
	Text      string
	HTML      string
	Status    string // pending, sent, kept (no SMTP: stays in the mailbox), failed
	Attempts  int
	LastError string
	CreatedAt time.Time
	SentAt    time.Time
	// Bulk mails (more than BulkAbove written at once) are sent after the others.
	Bulk bool
	// DueAt is when a failed attempt's retry is due (the real clock); zero: at once.
	DueAt time.Time
}

// The mail statuses.
const (
	MailPending = "pending"
	MailSent    = "sent"
	MailKept    = "kept"
	MailFailed  = "failed"
)

// Endpoint is a URL of the vendor's product that receives events.
type Endpoint struct {
	ID            string
	URL           string
	Description   string
	EventTypes    []string // "*" for every type
	Secrets       []string // newest first; more than one while rotating
	DisabledAt    time.Time
	DisabledCause string
	CreatedAt     time.Time
}

// Delivery is one event to one endpoint, with its attempts so far.
type Delivery struct {
	ID          string
	EndpointID  string
	EventID     string // the webhook-id: the same for every attempt
	EventType   string
	TenantID    string
	Payload     string
	Status      string // pending, delivered, failed, canceled
	Attempts    int
	LastStatus  int
	LastError   string
	CreatedAt   time.Time
	DeliveredAt time.Time
}

// The delivery statuses.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
	DeliveryCanceled  = "canceled"
)

// KindWebhook is the outbox kind of a webhook delivery: its row starts a job.
// Mails need no row: the mails table is their queue (DeliverMails).
const KindWebhook = "webhook"

// Page selects a page of a list in id order after a cursor.
type Page struct {
	After string
	Limit int
}

// Store is what notify needs from the database. Get methods return NotFound.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// CreateMails inserts mails.
	CreateMails(ctx context.Context, ms ...*Mail) error
	GetMail(ctx context.Context, id string) (*Mail, error)
	ListMails(ctx context.Context, p Page) ([]*Mail, error)
	// ClaimMails claims up to n mails due at now (pending, past their
	// DueAt, not claimed) for instance by until until, others before bulk
	// ones, oldest first; a claim keeps other workers off them, and lapses
	// if its worker dies.
	ClaimMails(ctx context.Context, now, until time.Time, by string, n int) ([]*Mail, error)
	// MailClaimants returns the instances whose claims still hold at now.
	MailClaimants(ctx context.Context, now time.Time) ([]string, error)
	// ReleaseClaimsOf ends every claim of the given instances.
	ReleaseClaimsOf(ctx context.Context, instances ...string) error
	// FinishMails marks pending mails sent (at at) or kept, each with one
	// attempt more, and ends their claims.
	FinishMails(ctx context.Context, status string, at time.Time, ids ...string) error
	// ReleaseMails ends the claims of mails no attempt was made for.
	ReleaseMails(ctx context.Context, ids ...string) error
	// UpdateMail and UpdateDelivery store an attempt's outcome while the
	// mail or delivery is pending (a mail's claim ends, its retry is due at
	// DueAt); once another attempt (of a process that seemed dead)
	// finished it, they return Conflict and change nothing.
	UpdateMail(ctx context.Context, m *Mail) error
	CreateEndpoint(ctx context.Context, e *Endpoint) error
	GetEndpoint(ctx context.Context, id string) (*Endpoint, error)
	ListEndpoints(ctx context.Context) ([]*Endpoint, error)
	UpdateEndpoint(ctx context.Context, e *Endpoint) error
	CreateDelivery(ctx context.Context, d *Delivery) error
	GetDelivery(ctx context.Context, id string) (*Delivery, error)
	ListDeliveries(ctx context.Context, endpointID string, p Page) ([]*Delivery, error)
	UpdateDelivery(ctx context.Context, d *Delivery) error
	// Enqueue writes an outbox row per refID that starts a job of kind for it.
	Enqueue(ctx context.Context, kind string, now time.Time, refIDs ...string) error
	OpsStore
}

// Service writes mails and events, and delivers them.
type Service struct {
	Store     Store
	Clock     clock.Clock
	IDs       id.Generator
	Templates *Templates
	// Send delivers mails over one SMTP connection and returns each one's
	// error (nil: sent); nil keeps every mail in the mailbox.
	Send func(ctx context.Context, ms []*Mail) []error
	// Wall times deliveries' claims and retries: the real clock (a test
	// clock may stand still or jump a year); nil is clock.System.
	Wall clock.Clock
	// Instance names this process on the mails its senders claim.
	Instance string
	// Post sends one signed webhook request and returns the HTTP status.
	Post func(ctx context.Context, e *Endpoint, d *Delivery) (int, error)
	// ConsoleURL is where mails send people.
	ConsoleURL string
}
