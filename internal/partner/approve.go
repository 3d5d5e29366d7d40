package partner

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/notify"
	"github.com/kanri/kanri/internal/tenant"
)

// Approval is the company information the super admin confirms when
// approving (seed 001): all four are needed; nil keeps what is stored.
type Approval struct {
	WorksGroup  *string
	CompanyName *string
	Phone       *string
	// AdminEmail becomes the super admin's personal e-mail address.
	AdminEmail *string
}

// Switched is the outcome of an approval: the tenant, now the partner's
// customer, and the invoice or credit note that settled its direct
// charges (nil when there was nothing to settle).
type Switched struct {
	Tenant     *tenant.Tenant
	Partner    *Partner
	Settlement *billing.Invoice
	At         time.Time
}

// Approve approves the code a partner authenticated: with complete
// company information, direct charges are settled up to the previous day
// and the tenant becomes the partner's customer, for good (SPEC §7).
// Errors: Invalid (company information missing or wrong, naming the
// field), NotFound, FailedPrecondition (not authenticated; switched
// already), PermissionDenied.
func (s *Service) Approve(ctx context.Context, tenantID, code string, in Approval) (*Switched, error) {
	if _, err := auth.RequireSuperAdmin(ctx, tenantID); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	out := &Switched{At: now}
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		t, err := s.Store.GetTenant(ctx, tenantID)
		if err != nil {
			return err
		}
		if err := s.stillDirect(ctx, t); err != nil {
			return err
		}
		c, err := s.Store.GetPartnerCode(ctx, NormalizeCode(code))
		if errs.Is(err, errs.NotFound) || (err == nil && c.TenantID != tenantID) {
			return errs.E(errs.NotFound, "partner.code_not_found")
		}
		if err != nil {
			return err
		}
		if c.Status != CodeAuthenticated {
			return errs.E(errs.FailedPrecondition, "partner.code_not_authenticated")
		}
		p, err := s.Store.GetPartner(ctx, c.PartnerID)
		if err != nil {
			return err
		}
		if p.Status != StatusActive {
			return errs.E(errs.FailedPrecondition, "partner.partner_suspended", "partner", p.Name)
		}
		before := tenant.Snapshot(t)
		if err := s.confirmCompany(ctx, t, in, now); err != nil {
			return err
		}
		if out.Settlement, err = s.Billing.SettleForPartner(ctx, t, now); err != nil {
			return err
		}
		if err := s.Store.SwitchTenant(ctx, t.ID, p.ID, now); err != nil {
			return err
		}
		if err := s.Store.ApprovePartnerCode(ctx, c.Code, now); err != nil {
			return err
		}
		t.Channel, t.PartnerID, c.Status, c.ApprovedAt = tenant.ChannelPartner, p.ID, CodeApproved, now
		out.Tenant, out.Partner = t, p
		return s.recordSwitch(ctx, c, p, before, t, now)
	})
	if err != nil {
		return nil, fmt.Errorf("approve partner code: %w", err)
	}
	s.Billing.Refund(ctx, out.Settlement)
	return out, nil
}

// confirmCompany applies the approval's company information to t and the
// super admin, and refuses it while any of the four is missing, naming
// them all (the screen links each to its field).
func (s *Service) confirmCompany(ctx context.Context, t *tenant.Tenant, in Approval, now time.Time) error {
	p := tenant.Profile{WorksGroup: in.WorksGroup, CompanyName: in.CompanyName, Phone: in.Phone}
	if err := p.Apply(t); err != nil {
		return err
	}
	admin, err := s.Store.GetSuperAdmin(ctx, t.ID)
	if err != nil {
		return err
	}
	email := admin.Email
	if in.AdminEmail != nil && strings.TrimSpace(*in.AdminEmail) != "" {
		if email, err = member.NormalizeEmail("admin_email", *in.AdminEmail); err != nil {
			return err
		}
	}
	if missing := Missing(t, email); len(missing) > 0 {
		return errs.Field(missing[0], "partner.company_info_missing", "item", i18n.Term("partner.field."+missing[0]))
	}
	t.UpdatedAt = now
	if err := s.Store.UpdateTenant(ctx, t); err != nil {
		if errs.Is(err, errs.Conflict) {
			return errs.Taken("works_group", err, "tenant.works_group_taken", "works_group", t.WorksGroup)
		}
		return err
	}
	if email == admin.Email {
		return nil
	}
	admin.Email, admin.UpdatedAt = email, now
	return s.Store.UpdateMember(ctx, admin)
}

// Missing names the company information a switch needs that t (with the
// super admin's e-mail address email) lacks.
func Missing(t *tenant.Tenant, email string) []string {
	var out []string
	for _, f := range []struct{ name, value string }{{"works_group", t.WorksGroup}, {"company_name", t.CompanyName},
		{"phone", t.Phone}, {"admin_email", email}} {
		if strings.TrimSpace(f.value) == "" {
			out = append(out, f.name)
		}
	}
	return out
}

// recordSwitch writes the switch's audit events and webhooks, and mails
// 「登録完了」 to the customer's admins and the partner's users.
func (s *Service) recordSwitch(ctx context.Context, c *Code, p *Partner, before any, t *tenant.Tenant, now time.Time) error {
	snap := codeSnap(c)
	snap["partner_name"] = p.Name
	if err := s.Store.AppendAuditEvents(ctx,
		s.Audit.Event(ctx, now, t.ID, "partner.switch_approved", "partner_code", masked(c.Code), nil, snap),
		s.Audit.Event(ctx, now, t.ID, "partner.switched", "tenant", t.ID, before, tenant.Snapshot(t))); err != nil {
		return err
	}
	for _, event := range []string{"partner.switch_approved", "partner.switched"} {
		if err := s.Notify.Emit(ctx, t.ID, event, map[string]any{"tenant_id": t.ID, "partner_id": p.ID, "partner_name": p.Name, "at": now}); err != nil {
			return err
		}
	}
	admins, err := s.Store.ListTenantAdmins(ctx, t.ID)
	if err != nil {
		return err
	}
	for _, m := range admins {
		path := "/admin" // the partner screen is the super admin's alone
		if m.SuperAdmin {
			path = "/admin/billing/partner"
		}
		if err := s.Notify.MailTo(ctx, t.ID, member.RecipientOf(t, m), "partner_switched", s.mailData(t, p, m.DisplayName, path, now)); err != nil {
			return err
		}
	}
	users, err := s.Store.ListPartnerUsers(ctx, p.ID)
	if err != nil {
		return err
	}
	for _, u := range users {
		r := notify.Recipient{Address: u.Email, Name: u.Name, Language: u.Language, Zone: t.Location()}
		if err := s.Notify.MailTo(ctx, t.ID, r, "partner_switched", s.mailData(t, p, u.Name, "/partner", now)); err != nil {
			return err
		}
	}
	return nil
}

// mailAdmin mails the tenant's super admin about its partner contract.
func (s *Service) mailAdmin(ctx context.Context, t *tenant.Tenant, template string, p *Partner, now time.Time) error {
	admin, err := s.Store.GetSuperAdmin(ctx, t.ID)
	if err != nil {
		return err
	}
	d := s.mailData(t, p, admin.DisplayName, "/admin/billing/partner", now)
	d.LoginID = admin.LoginID
	return s.Notify.MailTo(ctx, t.ID, member.RecipientOf(t, admin), template, d)
}

func (s *Service) mailData(t *tenant.Tenant, p *Partner, name, path string, now time.Time) notify.MailData {
	return notify.MailData{CompanyName: t.CompanyName, WorksGroup: t.WorksGroup, Domain: t.PrimaryDomain, MemberName: name,
		PartnerName: p.Name, At: now, ConsoleURL: s.BaseURL + path}
}

// Customers returns the customers of the partner user's partner.
func (s *Service) Customers(ctx context.Context) ([]*Customer, error) {
	a, err := auth.RequirePartner(ctx)
	if err != nil {
		return nil, err
	}
	return s.customers(ctx, a.PartnerID)
}

// customers lists partnerID's customers, those on the free plan (which
// have no subscription row) with the terms billing gives them: the free
// plan, monthly, active.
func (s *Service) customers(ctx context.Context, partnerID string) ([]*Customer, error) {
	cs, err := s.Store.ListPartnerCustomers(ctx, partnerID)
	if err != nil {
		return nil, err
	}
	free := s.Billing.Plans().FreePlan()
	for _, c := range cs {
		if c.Plan == "" && free != nil {
			c.Plan, c.Contract, c.Status = free.ID, billing.Monthly, billing.StatusActive
		}
	}
	return cs, nil
}

// Request is a code the partner authenticated, as its portal shows it.
type Request struct {
	Code        *Code
	CompanyName string
	WorksGroup  string
}

// Requests returns the codes the partner user's partner authenticated,
// newest first: awaiting the customer's approval, or approved.
func (s *Service) Requests(ctx context.Context) ([]*Request, error) {
	a, err := auth.RequirePartner(ctx)
	if err != nil {
		return nil, err
	}
	return s.Store.ListPartnerRequests(ctx, a.PartnerID)
}
