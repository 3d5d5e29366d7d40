package storetest

import (
	"context"
	"time"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/domain"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/password"
	"github.com/kanri/kanri/internal/session"
	"github.com/kanri/kanri/internal/tenant"
	"github.com/kanri/kanri/internal/testcard"
)

// TB is the part of testing.TB the factories use; *rapid.T has it too, so
// property tests can call them.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
}

// The settings of the services the helpers below build.
const (
	ProvidedBase  = "works.example"
	InvitationTTL = 7 * 24 * time.Hour
	SessionTTL    = 12 * time.Hour
	// Password is what SignUp gives every super admin; hashing it costs tens
	// of milliseconds, so factories set no password unless asked.
	Password = "correct horse battery staple"
)

// Limits are the sign-in limits of SessionService.
var Limits = session.Limits{PerAccount: 10, PerIP: 100, Window: 15 * time.Minute}

// MemberService returns the member service on env, with sign-up open.
func (e *Env) MemberService() *member.Service {
	return &member.Service{Store: e.DB, Clock: e.Clock, IDs: e.IDs, Audit: audit.Recorder{IDs: e.IDs},
		ProvidedBase: ProvidedBase, SignupOpen: true, InvitationTTL: InvitationTTL, Notify: e.NotifyService(), BaseURL: "http://kanri.test",
		Zone: Zone, ConfirmPassword: (&password.Service{Store: e.DB, Clock: e.Clock, Sessions: e.SessionService()}).Reconfirm,
		Features: billing.DefaultCatalog().Features()}
}

// NotifyService returns the notify service on env: mails stay in the
// mailbox (no SMTP) and webhooks are not posted.
func (e *Env) NotifyService() *notify.Service {
	tpl, err := notify.LoadTemplates()
	if err != nil {
		panic(err) // the embedded templates are checked by notify's own tests
	}
	return &notify.Service{Store: e.DB, Clock: e.Clock, IDs: e.IDs, Templates: tpl}
}

// DomainService returns the domain service on env, asking dns.
func (e *Env) DomainService(dns domain.Resolver) *domain.Service {
	return &domain.Service{Store: e.DB, Clock: e.Clock, IDs: e.IDs, Audit: audit.Recorder{IDs: e.IDs}, Notify: e.NotifyService(),
		DNS: dns, ProvidedBase: ProvidedBase, VerifyWindow: 14 * 24 * time.Hour, ChangeLock: 24 * time.Hour, BaseURL: "http://kanri.test"}
}

// Zone is the billing calendar's, as kanri serve has it.
var Zone = billing.CalendarZone()

// The billing settings of BillingService.
var Issuer = billing.Issuer{Name: "株式会社カンリ", Registration: "T7123456789012", Prefix: "KNR", BankDetails: "テスト銀行 本店 普通 1234567"}

// BillingService returns the billing service on env, on the default
// catalog and the test card provider, in JST.
func (e *Env) BillingService() *billing.Service {
	return &billing.Service{Store: e.DB, Clock: e.Clock, IDs: e.IDs, Audit: audit.Recorder{IDs: e.IDs}, Notify: e.NotifyService(),
		Catalog: billing.DefaultCatalog(), Provider: testcard.New(e.Clock), Issuer: Issuer, Zone: Zone,
		QuoteTTL: 30 * time.Minute, Retention: 30 * 24 * time.Hour, Grace: 7 * 24 * time.Hour, BaseURL: "http://kanri.test"}
}

// TenantService returns the tenant service on env.
func (e *Env) TenantService() *tenant.Service {
	return &tenant.Service{Store: e.DB, Clock: e.Clock, Audit: audit.Recorder{IDs: e.IDs}, Notify: e.NotifyService()}
}

// SessionService returns the session service on env.
func (e *Env) SessionService() *session.Service {
	return &session.Service{Store: e.DB, Clock: e.Clock, IDs: e.IDs, Audit: audit.Recorder{IDs: e.IDs},
		SessionTTL: SessionTTL, Limits: Limits, Secrets: TestSealer()}
}

// TestSealer seals TOTP secrets in tests, with a key of zeros.
func TestSealer() *session.Sealer {
	s, err := session.NewSealer(make([]byte, 32))
	if err != nil {
		panic(err) // a 32-byte key always makes one
	}
	return s
}

// Tenant is a signed-up tenant with its super admin.
type Tenant struct {
	*tenant.Tenant
	Owner *member.Member          // the super admin, password Password
	Roles map[string]*member.Role // the built-in roles by name
	Ctx   context.Context         // acting as Owner
}

// SignUp signs up a tenant named worksGroup through the member service, as
// a visitor would, with super admin "owner" (password Password).
func SignUp(t TB, env *Env, worksGroup string) *Tenant {
	t.Helper()
	ten, owner, err := env.MemberService().Signup(context.Background(), member.SignupInput{
		WorksGroup: worksGroup, CompanyName: "Company " + worksGroup, AdminLoginID: "owner", AdminName: "Owner",
		AdminEmail: "owner@example.com", AdminPassword: Password})
	if err != nil {
		t.Fatalf("sign up %s: %v", worksGroup, err)
	}
	roles, err := env.DB.ListRoles(context.Background(), ten.ID)
	if err != nil {
		t.Fatalf("list roles: %v", err)
	}
	byName := map[string]*member.Role{}
	for _, r := range roles {
		byName[r.Name] = r
	}
	return &Tenant{Tenant: ten, Owner: owner, Roles: byName, Ctx: Actor(t, env, owner)}
}

// NewTenant inserts a tenant named worksGroup straight into the store, with
// no roles and no members.
func NewTenant(t TB, env *Env, worksGroup string) *tenant.Tenant {
	t.Helper()
	now := env.Clock.Now()
	ten := &tenant.Tenant{ID: env.IDs.New("ten"), WorksGroup: worksGroup, CompanyName: "Company " + worksGroup, Language: "ja", TimeZone: tenant.DefaultTimeZone,
		NoticesEnabled: true, NoticeRecipients: tenant.RecipientsAdmins, Channel: tenant.ChannelDirect, Status: tenant.StatusActive,
		PrimaryDomain: worksGroup + "." + ProvidedBase, CreatedAt: now, UpdatedAt: now}
	if err := env.DB.CreateTenant(context.Background(), ten); err != nil {
		t.Fatalf("create tenant %s: %v", worksGroup, err)
	}
	return ten
}

// NewRole inserts a role of tenantID straight into the store.
func NewRole(t TB, env *Env, tenantID, name string, builtin bool, perms ...auth.Permission) *member.Role {
	t.Helper()
	r := &member.Role{ID: env.IDs.New("rol"), TenantID: tenantID, Name: name, Permissions: perms, Builtin: builtin, CreatedAt: env.Clock.Now()}
	if err := env.DB.CreateRole(context.Background(), r); err != nil {
		t.Fatalf("create role %s: %v", name, err)
	}
	return r
}

// MemberOpts are the non-default fields of NewMember.
type MemberOpts struct {
	Status     string // default active
	Name       string // default "Member <local>"
	SuperAdmin bool
	RoleIDs    []string
	Password   string // hashed when set, which is slow
}

// NewMember inserts a member local@<primary domain> of ten straight into the
// store.
func NewMember(t TB, env *Env, ten *tenant.Tenant, local string, o MemberOpts) *member.Member {
	t.Helper()
	now := env.Clock.Now()
	m := &member.Member{ID: env.IDs.New("mem"), TenantID: ten.ID, LoginID: local + "@" + ten.PrimaryDomain, DisplayName: o.Name,
		Status: o.Status, SuperAdmin: o.SuperAdmin, RoleIDs: o.RoleIDs, CreatedAt: now, UpdatedAt: now}
	if m.Status == "" {
		m.Status = member.StatusActive
	}
	if m.DisplayName == "" {
		m.DisplayName = "Member " + local
	}
	if o.Password != "" {
		m.PasswordHash = auth.HashPassword(o.Password)
	}
	if err := env.DB.CreateMembers(context.Background(), []*member.Member{m}); err != nil {
		t.Fatalf("create member %s: %v", local, err)
	}
	return m
}

// NewSession opens a console session for m straight in the store and
// returns its bearer token.
func NewSession(t TB, env *Env, m *member.Member) string {
	t.Helper()
	token := id.Secret("kanri")
	now := env.Clock.Now()
	s := &session.Session{ID: env.IDs.New("ses"), TokenHash: id.Hash(token), Kind: session.KindSession, TenantID: m.TenantID,
		MemberID: m.ID, CreatedAt: now, ExpiresAt: now.Add(SessionTTL)}
	if err := env.DB.CreateSession(context.Background(), s); err != nil {
		t.Fatalf("create session: %v", err)
	}
	return token
}

// Authenticate opens a session for m and authenticates it as a request
// would, returning a context that acts as m with m's current permissions.
// It fails like session.Service.Authenticate when m may not sign in.
func Authenticate(t TB, env *Env, m *member.Member) (context.Context, error) {
	t.Helper()
	token := NewSession(t, env, m)
	a, err := env.SessionService().Authenticate(context.Background(), token, session.Client{IP: "192.0.2.1", UserAgent: "storetest"})
	if err != nil {
		return nil, err
	}
	return auth.WithActor(context.Background(), a), nil
}

// Actor is Authenticate for a member who may sign in.
func Actor(t TB, env *Env, m *member.Member) context.Context {
	t.Helper()
	ctx, err := Authenticate(t, env, m)
	if err != nil {
		t.Fatalf("authenticate %s: %v", m.LoginID, err)
	}
	return ctx
}

// Operator returns a context acting as a vendor operator.
func Operator() context.Context {
	return auth.WithActor(context.Background(), &auth.Actor{Kind: auth.KindOperator, ID: "opr_test", Name: "operator@example.com"})
}
