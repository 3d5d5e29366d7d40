package domain

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/clock"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/tenant"
)

// Resolver answers DNS questions. Records missing (NXDOMAIN, no data) are
// (nil, nil); any other failure is an error: the answer is not known yet.
type Resolver interface {
	TXT(ctx context.Context, name string) ([]string, error)
	MX(ctx context.Context, name string) ([]string, error)
}

// Service runs every change to a tenant's domains.
type Service struct {
	Store  Store
	Clock  clock.Clock
	IDs    id.Generator
	Audit  audit.Recorder
	Notify *notify.Service
	DNS    Resolver
	// ProvidedBase is where provided domains live: <works group>.<base>.
	ProvidedBase string
	// VerifyWindow is how long a new domain may stay unproven (14 days).
	VerifyWindow time.Duration
	// ChangeLock is how long after a primary change another is refused (24 h).
	ChangeLock time.Duration
	// BaseURL is where mails send members (the console).
	BaseURL string
	// MailBatch is how many members one transaction of a primary change's
	// mailing step mails (default 25), and MailPause the rest between two
	// batches: 100,000 mails written at full speed slow other tenants down.
	// SQLite's one writer wants small batches; PostgreSQL, where each commit
	// flushes its log, fewer commits.
	MailBatch int
	MailPause time.Duration
}

// MaxSubMail is how many domains besides the primary a tenant may have.
const MaxSubMail = 10

// Proof returns the records that prove d's ownership.
func (s *Service) Proof(d *Domain) Proof {
	return Proof{TXTName: "_kanri-challenge." + d.Name, TXTValue: "kanri-verification=" + d.Token,
		MXName: d.Name, MXHost: d.Token + ".mx-verify." + s.ProvidedBase}
}

// List returns the tenant's domains, the primary first.
func (s *Service) List(ctx context.Context, tenantID string) ([]*Domain, error) {
	if _, err := auth.Require(ctx, tenantID, auth.PermTenantManage); err != nil {
		return nil, err
	}
	ds, err := s.Store.ListDomains(ctx, tenantID)
	if err != nil {
		return nil, fmt.Errorf("list domains: %w", err)
	}
	return ds, nil
}

// Get returns one domain.
func (s *Service) Get(ctx context.Context, tenantID, domainID string) (*Domain, error) {
	if _, err := auth.Require(ctx, tenantID, auth.PermTenantManage); err != nil {
		return nil, err
	}
	return s.onList(ctx, tenantID, domainID)
}

// onList returns one of the tenant's domains, locked in a transaction; an
// expired one is off the list, so not found either.
func (s *Service) onList(ctx context.Context, tenantID, domainID string) (*Domain, error) {
	d, err := s.Store.GetDomain(ctx, tenantID, domainID)
	if errs.Is(err, errs.NotFound) || (err == nil && d.Status == StatusExpired) {
		return nil, errs.E(errs.NotFound, "domain.not_found")
	}
	return d, err
}

// Add adds a custom domain, pending until its owner proves it in DNS.
func (s *Service) Add(ctx context.Context, tenantID, input string) (*Domain, error) {
	if _, err := auth.Require(ctx, tenantID, auth.PermTenantManage); err != nil {
		return nil, err
	}
	name, err := Normalize(input)
	if err != nil {
		return nil, err
	}
	if err := Refuse(name, s.ProvidedBase); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	d := &Domain{ID: s.IDs.New("dom"), TenantID: tenantID, Name: name, Kind: KindCustom, Status: StatusPending,
		Token: strings.ToLower(rand.Text()), Deadline: now.Add(s.VerifyWindow), CreatedAt: now, UpdatedAt: now}
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		if err := s.checkAddable(ctx, tenantID, name); err != nil {
			return err
		}
		if err := s.Store.CreateDomain(ctx, d); err != nil {
			return err
		}
		return s.record(ctx, now, d, "domain.added", nil)
	})
	if err != nil {
		return nil, fmt.Errorf("add domain: %w", err)
	}
	return d, nil
}

// checkAddable refuses a name the tenant has, another tenant owns, or one
// domain too many. An expired attempt at the same name makes way.
func (s *Service) checkAddable(ctx context.Context, tenantID, name string) error {
	if _, err := s.Store.GetTenant(ctx, tenantID); err != nil { // locks the tenant: one add at a time
		return err
	}
	ds, err := s.Store.ListDomains(ctx, tenantID)
	if err != nil {
		return err
	}
	if len(ds) > MaxSubMail { // the primary and MaxSubMail others
		return errs.Field("name", "domain.too_many", "limit", MaxSubMail)
	}
	old, err := s.Store.GetDomainByName(ctx, tenantID, name)
	switch {
	case err == nil && old.Status != StatusExpired:
		return errs.Taken("name", nil, "domain.already_listed", "domain", name)
	case err == nil:
		if err := s.Store.DeleteDomain(ctx, tenantID, old.ID); err != nil {
			return err
		}
	case !errs.Is(err, errs.NotFound):
		return err
	}
	taken, err := s.Store.VerifiedElsewhere(ctx, tenantID, name)
	if err != nil {
		return err
	}
	if taken {
		return errs.Taken("name", nil, "domain.taken", "domain", name)
	}
	return nil
}

// Addresses says what stops receiving mail if the domain is deleted: the
// group aliases on it and the members' e-mail addresses on it, up to 100
// of each, with their counts.
func (s *Service) Addresses(ctx context.Context, tenantID, domainID string) (*Addresses, error) {
	if _, err := auth.Require(ctx, tenantID, auth.PermTenantManage); err != nil {
		return nil, err
	}
	d, err := s.onList(ctx, tenantID, domainID)
	if err != nil {
		return nil, err
	}
	return s.Store.DomainAddresses(ctx, tenantID, d.ID, 100)
}

// Delete removes a domain that is not primary, and the group aliases on
// it in the same transaction. The provided domain can
// never come back, so deleting it needs the super admin and confirm equal
// to its name.
func (s *Service) Delete(ctx context.Context, tenantID, domainID, confirm string) error {
	a, err := auth.Require(ctx, tenantID, auth.PermTenantManage)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		d, err := s.onList(ctx, tenantID, domainID)
		if err != nil {
			return err
		}
		switch {
		case d.Primary:
			return errs.E(errs.FailedPrecondition, "domain.delete_primary", "domain", d.Name)
		case d.Status == StatusPrimaryChanging:
			return errs.E(errs.FailedPrecondition, "domain.delete_changing", "domain", d.Name)
		case d.Kind == KindProvided && !a.SuperAdmin:
			return errs.E(errs.PermissionDenied, "domain.delete_provided_super_admin")
		case d.Kind == KindProvided && strings.TrimSpace(confirm) != d.Name:
			return errs.Field("confirm", "domain.delete_provided_confirm", "domain", d.Name)
		}
		lost, err := s.Store.DomainAddresses(ctx, tenantID, d.ID, 1000)
		if err != nil {
			return err
		}
		if err := s.Store.RemoveAliases(ctx, tenantID, d.ID); err != nil {
			return err
		}
		if err := s.Store.DeleteDomain(ctx, tenantID, d.ID); err != nil {
			return err
		}
		if lost.AliasCount > 0 {
			if err := s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, tenantID, "domain.aliases_removed", "domain", d.ID,
				map[string]any{"aliases": lost.Aliases}, nil)); err != nil {
				return err
			}
		}
		return s.record(ctx, now, nil, "domain.deleted", d)
	})
	if err != nil {
		return fmt.Errorf("delete domain: %w", err)
	}
	return nil
}

// snapshot is a domain as the audit trail and webhooks show it.
type snapshot struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	Status   string `json:"status"`
	Primary  bool   `json:"primary"`
	SubMail  bool   `json:"sub_mail"`
	Method   string `json:"method,omitempty"`
	TenantID string `json:"tenant_id"`
}

func snap(d *Domain) *snapshot {
	if d == nil {
		return nil
	}
	return &snapshot{d.ID, d.Name, d.Kind, d.Status, d.Primary, d.SubMail(), d.Method, d.TenantID}
}

// record writes the audit event and the webhook event of a change to a
// domain (after is nil for a deletion).
func (s *Service) record(ctx context.Context, now time.Time, after *Domain, action string, before *Domain) error {
	target := after
	if target == nil {
		target = before
	}
	var b, a any
	if before != nil {
		b = snap(before)
	}
	if after != nil {
		a = snap(after)
	}
	if err := s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, target.TenantID, action, "domain", target.ID, b, a)); err != nil {
		return err
	}
	return s.Notify.Emit(ctx, target.TenantID, action, snap(target))
}

// mailSuperAdmin tells the tenant's super admin about a domain.
func (s *Service) mailSuperAdmin(ctx context.Context, t *tenant.Tenant, template, domainName string) error {
	m, err := s.Store.GetSuperAdmin(ctx, t.ID)
	if err != nil {
		return err
	}
	return s.Notify.MailTo(ctx, t.ID, member.RecipientOf(t, m), template,
		notify.MailData{CompanyName: t.CompanyName, WorksGroup: t.WorksGroup, MemberName: m.DisplayName, LoginID: m.LoginID,
			ConsoleURL: s.BaseURL + "/admin/settings/domains", Domain: domainName})
}
