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
	// ListPartnerCodes returns the codes partnerID authenticated, newest first.
	ListPartnerCodes(ctx context.Context, partnerID string) ([]*Code, error)
	// SwitchTenant makes a direct tenant a customer of partnerID. Errors:
	// Conflict (it is a partner's customer already).
	SwitchTenant(ctx context.Context, tenantID, partnerID string, now time.Time) error
	ListPartnerCustomers(ctx context.Context, partnerID string) ([]*Customer, error)
	GetTenant(ctx context.Context, id string) (*tenant.Tenant, error)
	UpdateTenant(ctx context.Context, t *tenant.Tenant) error
	GetSuperAdmin(ctx context.Context, tenantID string) (*member.Member, error)
	UpdateMember(ctx context.Context, m *member.Member) error
	AppendAuditEvents(ctx context.Context, events ...*audit.Event) error
}

// Billing settles a tenant's direct charges up to the day before the
// switch and moves its subscription to the partner channel, refunds a
// credit note after the commit, and prices wholesale statements (billing).
type Billing interface {
	SettleForPartner(ctx context.Context, t *tenant.Tenant, now time.Time) (*billing.Invoice, error)
	Refund(ctx context.Context, inv *billing.Invoice)
	Wholesale(ctx context.Context, customers []billing.WholesaleCustomer, discount int, month time.Time, lang string) (*billing.Statement, error)
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
	BaseURL string
}

// Create creates a partner (operators). Errors: Invalid.
func (s *Service) Create(ctx context.Context, f Fields) (*Partner, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	p := &Partner{ID: s.IDs.New("ptn"), Status: StatusActive, CreatedAt: now, UpdatedAt: now}
	if err := f.Apply(p); err != nil {
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
	return s.change(ctx, partnerID, "partner.updated", func(p *Partner) error { return f.Apply(p) })
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
	d.Customers, err = s.Store.ListPartnerCustomers(ctx, partnerID)
	return d, err
}

// NewUser is a partner user to create.
type NewUser struct {
	Email    string
	Name     string
	Language string
	Password string
}

// AddUser creates a partner user who signs in to the portal with the
// password an operator sets and hands over (operators). Errors: Invalid,
// NotFound, Conflict (the e-mail address is taken).
func (s *Service) AddUser(ctx context.Context, partnerID string, in NewUser) (*User, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, err
	}
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
	if err := auth.CheckPassword("password", in.Password, auth.PasswordContext{Email: email}); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	u := &User{ID: s.IDs.New("pus"), PartnerID: partnerID, Email: email, Name: name, Language: in.Language,
		PasswordHash: auth.HashPassword(in.Password), CreatedAt: now}
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.Store.GetPartner(ctx, partnerID); err != nil {
			return err
		}
		if err := s.Store.CreatePartnerUser(ctx, u); err != nil {
			if errs.Is(err, errs.Conflict) {
				return errs.Taken("email", err, "partner.user_email_taken", "email", email)
			}
			return err
		}
		return s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, "", "partner.user_added", "partner_user", u.ID, nil,
			map[string]any{"partner_id": partnerID, "email": email, "name": name}))
	})
	if err != nil {
		return nil, fmt.Errorf("add partner user: %w", err)
	}
	return u, nil
}
