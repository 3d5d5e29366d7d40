package domain

import (
	"context"
	"time"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/tenant"
)

// Domain is one of a tenant's domains: the provided one or a custom one.
type Domain struct {
	ID          string
	TenantID    string
	Name        string // A-label form, lower case, no trailing dot
	Kind        string // KindProvided or KindCustom
	Status      string
	Primary     bool   // every login id ends with it (基本)
	Token       string // custom domains: the proof to publish
	Method      string // how ownership was proven: MethodTXT or MethodMX
	Deadline    time.Time
	VerifiedAt  time.Time
	LastCheckAt time.Time
	LastCheck   Finding // what the last check found
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// The domain kinds.
const (
	KindProvided = "provided"
	KindCustom   = "custom"
)

// The domain statuses (SPEC §5). An expired domain is off the list.
const (
	StatusPending         = "pending"
	StatusActive          = "active"
	StatusPrimaryChanging = "primary_changing"
	StatusExpired         = "expired"
)

// The ways to prove ownership.
const (
	MethodTXT = "txt"
	MethodMX  = "mx"
)

// SubMail reports whether mail to d is accepted beside the primary domain.
func (d *Domain) SubMail() bool {
	return !d.Primary && (d.Status == StatusActive || d.Status == StatusPrimaryChanging)
}

// Proof is what a tenant publishes to prove it owns a domain: either record.
type Proof struct {
	TXTName  string // _kanri-challenge.<domain>
	TXTValue string // kanri-verification=<token>
	MXName   string // the domain itself
	MXHost   string // <token>.mx-verify.<provided base>
}

// Change is a primary-domain change and how far its job has come.
type Change struct {
	ID           string
	TenantID     string
	FromDomainID string
	ToDomainID   string
	FromName     string
	ToName       string
	Status       string // ChangeRenaming, ChangeMailing, ChangeDone
	RequestedBy  string // who asked for it, as the audit trail names them
	Renamed      int    // login ids renamed: members not deleted up to MembersUpTo, counted when the mailing starts
	Mailed       int    // members mailed so far
	MailedAfter  string // the last member id mailed, in id order
	MembersUpTo  string // the newest member at the rename: later ones joined on the new domain
	CreatedAt    time.Time
	RenamedAt    time.Time
	FinishedAt   time.Time
}

// The steps of a change's job.
const (
	ChangeRenaming = "renaming"
	ChangeMailing  = "mailing"
	ChangeDone     = "done"
)

// Store is what the domain service needs from the database. Methods return
// NotFound for missing rows and Conflict for unique violations.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// GetTenant returns the tenant, locking its row in a transaction.
	GetTenant(ctx context.Context, id string) (*tenant.Tenant, error)
	// ListDomains returns tenantID's domains but expired ones: the primary
	// first, then by name.
	ListDomains(ctx context.Context, tenantID string) ([]*Domain, error)
	// GetDomain returns one domain, locking it in a transaction.
	GetDomain(ctx context.Context, tenantID, id string) (*Domain, error)
	// GetDomainByName returns tenantID's domain called name, expired or not.
	GetDomainByName(ctx context.Context, tenantID, name string) (*Domain, error)
	// VerifiedElsewhere reports whether a tenant other than tenantID owns name.
	VerifiedElsewhere(ctx context.Context, tenantID, name string) (bool, error)
	// CreateDomain inserts d. Errors: Conflict (the tenant has name already).
	CreateDomain(ctx context.Context, d *Domain) error
	// UpdateDomain stores d's status, flags and check results. Errors:
	// NotFound; Conflict (another tenant verified the name first, or a
	// second primary).
	UpdateDomain(ctx context.Context, d *Domain) error
	// DeleteDomain removes a domain. Errors: NotFound.
	DeleteDomain(ctx context.Context, tenantID, id string) error
	// DomainAddresses returns the group aliases on domainID and the members
	// (not deleted) whose e-mail address is on it, by address, up to limit
	// of each, and how many there are of each.
	DomainAddresses(ctx context.Context, tenantID, domainID string, limit int) (*Addresses, error)
	// RemoveAliases takes every group alias on domainID off its group.
	RemoveAliases(ctx context.Context, tenantID, domainID string) error
	// PendingDomains returns up to limit pending domains of every tenant,
	// the ones checked longest ago first.
	PendingDomains(ctx context.Context, limit int) ([]*Domain, error)
	CreateChange(ctx context.Context, c *Change) error
	// GetChange returns a change, locking it in a transaction.
	GetChange(ctx context.Context, id string) (*Change, error)
	// LatestChange returns tenantID's newest change. Errors: NotFound.
	LatestChange(ctx context.Context, tenantID string) (*Change, error)
	UpdateChange(ctx context.Context, c *Change) error
	// OpenChanges returns every change not done, for resuming after a crash.
	OpenChanges(ctx context.Context) ([]*Change, error)
	// GiveAutoIDs gives tenantID's members with only an external identity
	// the local part autoID() (u-<random>). The other login ids change with
	// the primary domain: they are local@<primary>.
	GiveAutoIDs(ctx context.Context, tenantID string, autoID func() string, now time.Time) error
	// CountMembers returns how many members of tenantID up to the id upTo
	// are not deleted.
	CountMembers(ctx context.Context, tenantID, upTo string) (int, error)
	// NewestMemberID returns the largest member id of tenantID ("" for none).
	NewestMemberID(ctx context.Context, tenantID string) (string, error)
	RevokeTenantSessions(ctx context.Context, tenantID string, now time.Time) (int, error)
	ListMembers(ctx context.Context, f member.Filter) ([]*member.Member, error)
	GetSuperAdmin(ctx context.Context, tenantID string) (*member.Member, error)
	// Enqueue starts a job of kind for each refID when the transaction commits.
	Enqueue(ctx context.Context, kind string, now time.Time, refIDs ...string) error
	AppendAuditEvents(ctx context.Context, events ...*audit.Event) error
}

// Addresses are what stops receiving mail when a domain is deleted (seed
// 002, ドメインの削除): group aliases and members' addresses on it. The
// lists hold at most the limit asked for; the counts are exact.
type Addresses struct {
	Aliases     []string `json:"aliases"`
	AliasCount  int      `json:"alias_count"`
	Members     []string `json:"member_emails"`
	MemberCount int      `json:"member_count"`
}
