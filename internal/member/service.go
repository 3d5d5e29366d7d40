package member

import (
	"context"
	"log/slog"
	"time"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/clock"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/money"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/tenant"
)

// Store is what the member service needs from the database. Methods return
// NotFound for missing rows and Conflict for unique violations.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	CreateTenant(ctx context.Context, t *tenant.Tenant) error
	GetTenant(ctx context.Context, id string) (*tenant.Tenant, error)
	CreateMembers(ctx context.Context, ms []*Member) error
	GetMember(ctx context.Context, tenantID, id string) (*Member, error)
	GetMemberByInvitation(ctx context.Context, hash string) (*Member, error)
	GetSuperAdmin(ctx context.Context, tenantID string) (*Member, error)
	UpdateMember(ctx context.Context, m *Member) error
	ListMembers(ctx context.Context, f Filter) ([]*Member, error)
	CountBillable(ctx context.Context, tenantID string) (int, error)
	// RecordBillable notes count billable members of tenantID after a change
	// on day (midnight UTC): the day's highest count becomes the larger of
	// the stored one and count (a new day starts from the previous stored
	// day's last count), its last count becomes count.
	RecordBillable(ctx context.Context, tenantID string, day time.Time, count int) error
	// LockBillable holds tenantID's billable count until the transaction
	// ends, so changes count their members one after another. Errors: NotFound.
	LockBillable(ctx context.Context, tenantID string) error
	// BillableHistory returns tenantID's stored days from from to to, oldest
	// first, preceded by the last stored day before from if there is one.
	BillableHistory(ctx context.Context, tenantID string, from, to time.Time) ([]DayCount, error)
	TakenLoginIDs(ctx context.Context, ids []string) (map[string]bool, error)
	// MemberPermissions returns the permissions of the roles memberID holds.
	MemberPermissions(ctx context.Context, memberID string) ([]auth.Permission, error)
	CreateRole(ctx context.Context, r *Role) error
	GetRole(ctx context.Context, tenantID, id string) (*Role, error)
	ListRoles(ctx context.Context, tenantID string) ([]*Role, error)
	UpdateRole(ctx context.Context, r *Role) error
	DeleteRole(ctx context.Context, tenantID, id string) (int, error)
	RevokeMemberSessions(ctx context.Context, memberID string, now time.Time) (int, error)
	AppendAuditEvents(ctx context.Context, events ...*audit.Event) error
	// AnalyzeMembers refreshes the planner's statistics of the member
	// tables after a bulk change (PostgreSQL; nothing on SQLite).
	AnalyzeMembers(ctx context.Context) error
	DirectoryStore
}

// Limit returns how many billable members a tenant may have (0: no
// limit) and what to do to have more (FixAddLicenses or FixUpgradePlan);
// billing answers it, in the caller's transaction.
type Limit func(ctx context.Context, tenantID string) (max int, fix i18n.Term, err error)

// Follow moves a tenant's licenses to count, its billable members after a
// change, where the licenses follow the members (a plan in all_employees
// mode), and bills the difference; billing answers it, in the caller's
// transaction, which holds the count (LockBillable), so a change rolled
// back bills nothing.
type Follow func(ctx context.Context, tenantID string, count int) (Seated, error)

// Seated is what billing did to a tenant's licenses after a change of its
// billable members: the zero value where the licenses do not follow them.
type Seated struct {
	Follows  bool
	From, To int // the licenses before and after the change
	// Next is the count a reduction that waits for the renewal on RenewsOn
	// (the plan's at_renewal policy) takes the licenses to; 0 without one.
	Next     int
	RenewsOn time.Time
	// Amount is what the change bills (negative: credits), tax included:
	// on Invoice, issued now, or else on the next regular invoice.
	Amount money.Money
	// Invoice is the number of the invoice or credit note issued now (nil:
	// none), set once the member change has committed: invoices are
	// numbered after their transaction.
	Invoice *string
}

// The ways to have more billable members that a Limit names: message
// catalog terms, which the refusal over the limit ends with.
const (
	FixAddLicenses i18n.Term = "member.fix_add_licenses"
	FixUpgradePlan i18n.Term = "member.fix_upgrade_plan"
)

// Service runs every change to members and roles, and sign-up.
type Service struct {
	// Zone is the billing calendar's: the day a billable count is recorded
	// on (JST; UTC when nil).
	Zone *time.Location
	// Seats is the tenant's member limit (the free plan's, an annual
	// contract's licenses); nil: no limit.
	Seats Limit
	// Follow moves the licenses with the members where they follow them;
	// nil: they never do.
	Follow       Follow
	Store        Store
	Clock        clock.Clock
	IDs          id.Generator
	Audit        audit.Recorder
	ProvidedBase string // provided domains are <works-group>.<ProvidedBase>
	// SignupOpen lets anyone sign up; operators always can.
	SignupOpen bool
	// InvitationTTL is how long an invitation token stays valid.
	InvitationTTL time.Duration
	Notify        *notify.Service
	// ConfirmPassword checks the current password a member gives to change
	// their own e-mail address.
	ConfirmPassword ConfirmPassword
	// BaseURL is where mails send members (the console).
	BaseURL string
	// Features are the catalog's features, which assignment rules grant.
	Features []string
	// Log takes what goes wrong beside a change that went through; nil:
	// slog's default.
	Log *slog.Logger
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// snapshot is a member as the audit trail records it: no secrets.
type snapshot struct {
	LoginID     string            `json:"login_id"`
	DisplayName string            `json:"display_name"`
	Email       string            `json:"email,omitempty"`
	Phone       string            `json:"phone,omitempty"`
	Department  string            `json:"department,omitempty"`
	Position    string            `json:"position,omitempty"`
	GroupIDs    []string          `json:"group_ids,omitempty"`
	Fields      map[string]string `json:"fields,omitempty"`
	Status      string            `json:"status"`
	SuperAdmin  bool              `json:"super_admin,omitempty"`
	RoleIDs     []string          `json:"role_ids,omitempty"`
}

func snap(m *Member) *snapshot {
	return &snapshot{m.LoginID, m.DisplayName, m.Email, m.Phone, m.Department, m.Position, m.GroupIDs, m.Fields, m.Status, m.SuperAdmin, m.RoleIDs}
}

func (s *Service) record(ctx context.Context, now time.Time, m *Member, action string, before *Member) error {
	var b, a any
	if before != nil {
		b = snap(before)
	}
	if m != nil {
		a = snap(m)
	}
	target := m
	if target == nil {
		target = before
	}
	if err := s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, target.TenantID, action, "member", target.ID, b, a)); err != nil {
		return err
	}
	return s.Notify.Emit(ctx, target.TenantID, action, memberEvent{ID: target.ID, Member: snap(target)})
}

// memberEvent is the data of a member.* webhook event.
type memberEvent struct {
	ID     string    `json:"id"`
	Member *snapshot `json:"member"`
}

// mail sends template to m in the tenant's language, if m has an e-mail address.
// RecipientOf is who a mail to m goes to: m's address and name, m's own
// language or else t's, and t's time zone.
func RecipientOf(t *tenant.Tenant, m *Member) notify.Recipient {
	lang := m.Language
	if lang == "" {
		lang = t.Language
	}
	return notify.Recipient{Address: m.Email, Name: m.DisplayName, Language: lang, Zone: t.Location()}
}

func (s *Service) mail(ctx context.Context, t *tenant.Tenant, m *Member, template string, data notify.MailData) error {
	data.CompanyName, data.WorksGroup, data.MemberName, data.LoginID, data.ConsoleURL = t.CompanyName, t.WorksGroup, m.DisplayName, m.LoginID, s.BaseURL
	return s.Notify.MailTo(ctx, t.ID, RecipientOf(t, m), template, data)
}
