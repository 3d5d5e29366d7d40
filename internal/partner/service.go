package partner

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/clock"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/tenant"
	"github.com/kanri/kanri/internal/text"
)

// Store is what the partner service needs from the database. Get methods
// return NotFound for missing rows and lock the row in a transaction.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	CreatePartner(ctx context.Context, p *Partner) error
	GetPartner(ctx context.Context, id string) (*Partner, error)
	UpdatePartner(ctx context.Context, p *Partner) error
	ListPartners(ctx context.Context) ([]*Partner, error)
	// CreatePartnerUser errors: Conflict (the e-mail address is taken).
	CreatePartnerUser(ctx context.Context, u *User) error
	// AcceptPartnerInvitation sets the password of the user invited with
	// the token hashing to hash, unexpired at now. Errors: NotFound.
	AcceptPartnerInvitation(ctx context.Context, hash, passwordHash string, now time.Time) (*User, error)
	ListPartnerUsers(ctx context.Context, partnerID string) ([]*User, error)
	// CreatePartnerCode errors: Conflict (the code exists, or the tenant
	// has an open one).
	CreatePartnerCode(ctx context.Context, c *Code) error
	GetPartnerCode(ctx context.Context, code string) (*Code, error)
	// LatestPartnerCode returns the tenant's newest code. Errors: NotFound.
	LatestPartnerCode(ctx context.Context, tenantID string) (*Code, error)
	// RevokePartnerCodes revokes the tenant's issued and authenticated codes.
	RevokePartnerCodes(ctx context.Context, tenantID string) error
	// ClaimPartnerCode marks an issued code unexpired at now authenticated
	// by partnerID, and reports whether this call did.
	ClaimPartnerCode(ctx context.Context, code, partnerID string, now time.Time) (bool, error)
	// ApprovePartnerCode marks an authenticated code approved. Errors: NotFound.
	ApprovePartnerCode(ctx context.Context, code string, now time.Time) error
	// ListPartnerRequests returns the codes partnerID authenticated with
	// their tenants' names, newest first.
	ListPartnerRequests(ctx context.Context, partnerID string) ([]*Request, error)
	// SwitchTenant makes a direct tenant a customer of partnerID. Errors:
	// Conflict (it is a partner's customer already).
	SwitchTenant(ctx context.Context, tenantID, partnerID string, now time.Time) error
	ListPartnerCustomers(ctx context.Context, partnerID string) ([]*Customer, error)
	GetTenant(ctx context.Context, id string) (*tenant.Tenant, error)
	UpdateTenant(ctx context.Context, t *tenant.Tenant) error
	GetSuperAdmin(ctx context.Context, tenantID string) (*member.Member, error)
	// ListTenantAdmins returns the tenant's active super admin and members
	// holding a role.
	ListTenantAdmins(ctx context.Context, tenantID string) ([]*member.Member, error)
	UpdateMember(ctx context.Context, m *member.Member) error
	AppendAuditEvents(ctx context.Context, events ...*audit.Event) error
}

// Billing settles a tenant's direct charges up to the day before the
// switch and moves its subscription to the partner channel, refunds a
// credit note after the commit, and prices wholesale statements (billing).
type Billing interface {
	SettleForPartner(ctx context.Context, t *tenant.Tenant, now time.Time) (*billing.Invoice, error)
	Refund(ctx context.Context, inv *billing.Invoice)
	Wholesale(ctx context.Context, customers []billing.WholesaleCustomer, w billing.WholesaleTerms, month time.Time, lang string) (*billing.Statement, error)
	Plans() *billing.Catalog
}

// Guesser counts a guess of a secret against the sign-in limits of key
// and of the caller's IP; a guess check accepts is given back (session).
type Guesser func(ctx context.Context, key string, check func(ctx context.Context) error) error

// Service manages partners, their users and partner codes.
type Service struct {
	Store   Store
	Clock   clock.Clock
	IDs     id.Generator
	Audit   audit.Recorder
	Notify  *notify.Service
	Billing Billing
	Guess   Guesser
	CodeTTL time.Duration // how long an issued code is valid: 30 days (SPEC §7)
	// InvitationTTL is how long a partner user's invitation link works.
	InvitationTTL time.Duration
	Zone          *time.Location // the zone of partners' mails (the server's)
	BaseURL       string
}

// Create creates a partner (operators). Errors: Invalid.
func (s *Service) Create(ctx context.Context, f Fields) (*Partner, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	p := &Partner{ID: s.IDs.New("ptn"), Status: StatusActive, CreatedAt: now, UpdatedAt: now}
	if err := s.apply(f, p); err != nil {
		return nil, err
	}
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.CreatePartner(ctx, p); err != nil {
			return err
		}
		return s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, "", "partner.created", "partner", p.ID, nil, p))
	})
	if err != nil {
		return nil, fmt.Errorf("create partner: %w", err)
	}
	return p, nil
}

// Update changes a partner's fields (operators). Errors: Invalid, NotFound.
func (s *Service) Update(ctx context.Context, partnerID string, f Fields) (*Partner, error) {
	return s.change(ctx, partnerID, "partner.updated", func(p *Partner) error { return s.apply(f, p) })
}

// apply applies f to p and checks its price list against the catalog:
// each key a plan and a contract the catalog sells.
func (s *Service) apply(f Fields, p *Partner) error {
	if err := f.Apply(p); err != nil {
		return err
	}
	cat := s.Billing.Plans()
	for key := range p.Prices {
		id, contract, _ := strings.Cut(key, "/")
		if plan := cat.Plan(id); plan == nil || !plan.Offers(contract) {
			return errs.Field("prices", "partner.price_unknown", "key", key)
		}
	}
	return nil
}

// SetStatus suspends a partner or lifts the suspension (operators).
// Errors: Invalid, NotFound.
func (s *Service) SetStatus(ctx context.Context, partnerID, status string) (*Partner, error) {
	if status != StatusActive && status != StatusSuspended {
		return nil, errs.Field("status", "partner.status_invalid", "status", status)
	}
	return s.change(ctx, partnerID, "partner."+status, func(p *Partner) error {
		p.Status = status
		return nil
	})
}

// change applies fn to a partner and records it.
func (s *Service) change(ctx context.Context, partnerID, action string, fn func(*Partner) error) (*Partner, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var p *Partner
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if p, err = s.Store.GetPartner(ctx, partnerID); err != nil {
			return err
		}
		before := *p
		if err := fn(p); err != nil {
			return err
		}
		p.UpdatedAt = now
		if err := s.Store.UpdatePartner(ctx, p); err != nil {
			return err
		}
		return s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, "", action, "partner", p.ID, before, p))
	})
	if err != nil {
		return nil, fmt.Errorf("change partner: %w", err)
	}
	return p, nil
}

// List returns every partner (operators).
func (s *Service) List(ctx context.Context) ([]*Partner, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, err
	}
	return s.Store.ListPartners(ctx)
}

// Detail is a partner as operators see it: with its users and customers.
type Detail struct {
	Partner   *Partner
	Users     []*User
	Customers []*Customer
}

// Get returns a partner with its users and customers (operators). Errors:
// NotFound.
func (s *Service) Get(ctx context.Context, partnerID string) (*Detail, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, err
	}
	p, err := s.Store.GetPartner(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	d := &Detail{Partner: p}
	if d.Users, err = s.Store.ListPartnerUsers(ctx, partnerID); err != nil {
		return nil, err
	}
	d.Customers, err = s.customers(ctx, partnerID)
	return d, err
}

// NewUser is a partner user to create.
type NewUser struct {
	Email    string
	Name     string
	Language string
	// Password is the first password, handed over by the operator; ""
	// invites the user by mail to choose one instead.
	Password string
}

// Invited is a partner user added without a password, and the token of
// the invitation mailed to them (shown once, to the operator who added
// them, as a member's is).
type Invited struct {
	*User
	InvitationToken string
}

// AddUser creates a partner user who signs in to the portal: with the
// password an operator sets and hands over, or invited by mail to choose
// one (operators). Errors: Invalid, NotFound, Conflict (the e-mail
// address is taken).
func (s *Service) AddUser(ctx context.Context, partnerID string, in NewUser) (*Invited, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, err
	}
	u, err := s.newUser(partnerID, in)
	if err != nil {
		return nil, err
	}
	out := &Invited{User: u}
	if in.Password == "" {
		out.InvitationToken = id.Secret("pinv")
		u.InvitationHash, u.InvitationExpiresAt = id.Hash(out.InvitationToken), u.CreatedAt.Add(s.InvitationTTL)
	}
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		p, err := s.Store.GetPartner(ctx, partnerID)
		if err != nil {
			return err
		}
		if err := s.Store.CreatePartnerUser(ctx, u); err != nil {
			if errs.Is(err, errs.Conflict) {
				return errs.Taken("email", err, "partner.user_email_taken", "email", u.Email)
			}
			return err
		}
		if err := s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, u.CreatedAt, "", "partner.user_added", "partner_user", u.ID, nil,
			map[string]any{"partner_id": partnerID, "email": u.Email, "name": u.Name, "invited": out.InvitationToken != ""})); err != nil {
			return err
		}
		return s.invite(ctx, p, out)
	})
	if err != nil {
		return nil, fmt.Errorf("add partner user: %w", err)
	}
	return out, nil
}

// newUser checks in and makes the user, its password hashed.
func (s *Service) newUser(partnerID string, in NewUser) (*User, error) {
	email, err := member.NormalizeEmail("email", in.Email)
	if err != nil {
		return nil, err
	}
	email = strings.ToLower(email)
	name, err := text.Line("name", in.Name)
	if err != nil {
		return nil, err
	}
	if name == "" || len([]rune(name)) > 100 {
		return nil, errs.Field("name", "partner.user_name_invalid")
	}
	if in.Language != "ja" && in.Language != "en" {
		return nil, errs.Field("language", "tenant.language_invalid")
	}
	u := &User{ID: s.IDs.New("pus"), PartnerID: partnerID, Email: email, Name: name, Language: in.Language, CreatedAt: s.Clock.Now()}
	if in.Password == "" {
		return u, nil
	}
	if err := auth.CheckPassword("password", in.Password, auth.PasswordContext{Email: email}); err != nil {
		return nil, err
	}
	u.PasswordHash = auth.HashPassword(in.Password)
	return u, nil
}

// invite mails an invited user the link to choose a password.
func (s *Service) invite(ctx context.Context, p *Partner, in *Invited) error {
	if in.InvitationToken == "" {
		return nil
	}
	u := in.User
	r := notify.Recipient{Address: u.Email, Name: u.Name, Language: u.Language, Zone: s.Zone}
	return s.Notify.MailTo(ctx, "", r, "partner_user_invited", notify.MailData{CompanyName: p.Name, PartnerName: p.Name, MemberName: u.Name,
		LoginID: u.Email, ConsoleURL: s.BaseURL + "/partner", ExpiresAt: u.InvitationExpiresAt,
		InvitationURL: s.BaseURL + "/partner/accept?token=" + in.InvitationToken})
}

// AcceptInvitation sets the password of the partner user invited with
// token; the link then stops working. Errors: NotFound (unknown, used or
// expired), Invalid (the password).
func (s *Service) AcceptInvitation(ctx context.Context, token, password string) (*User, error) {
	if err := auth.CheckPassword("password", password, auth.PasswordContext{}); err != nil {
		return nil, err
	}
	now, hash := s.Clock.Now(), auth.HashPassword(password)
	var u *User
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if u, err = s.Store.AcceptPartnerInvitation(ctx, id.Hash(token), hash, now); errs.Is(err, errs.NotFound) {
			return errs.E(errs.NotFound, "partner.invitation_unknown")
		}
		if err != nil {
			return err
		}
		ctx = auth.WithActor(ctx, &auth.Actor{Kind: auth.KindPartner, ID: u.ID, PartnerID: u.PartnerID, Name: u.Email})
		return s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, "", "partner.invitation_accepted", "partner_user", u.ID, nil, nil))
	})
	if err != nil {
		return nil, fmt.Errorf("accept partner invitation: %w", err)
	}
	return u, nil
}
