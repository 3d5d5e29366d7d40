package member

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/tenant"
)

// SignupInput is a new tenant and the person who becomes its super admin.
type SignupInput struct {
	WorksGroup    string
	CompanyName   string
	Phone         string
	Language      string // "ja" (default) or "en"
	Region        string
	AdminLoginID  string // the part before @; the domain is the provided domain
	AdminName     string
	AdminEmail    string
	AdminPassword string
}

// Signup creates a tenant on the free plan with its provided domain, its
// built-in roles and its super admin. Anyone may call it while sign-up is
// open; operators always may. Errors: Invalid, Conflict (works-group name
// taken), PermissionDenied (sign-up closed).
func (s *Service) Signup(ctx context.Context, in SignupInput) (*tenant.Tenant, *Member, error) {
	a := auth.FromContext(ctx)
	if !s.SignupOpen && (a == nil || a.Kind != auth.KindOperator) {
		return nil, nil, errs.E(errs.PermissionDenied, "member.signup_closed")
	}
	now := s.Clock.Now()
	t, m, err := s.newTenant(in, now)
	if err != nil {
		return nil, nil, err
	}
	m.PasswordHash = auth.HashPassword(in.AdminPassword) // slow: before the write lock
	if a == nil || a.Kind == auth.KindAnonymous {        // a self sign-up is recorded as the new super admin's act
		ctx = ActAs(ctx, m)
	}
	err = s.Store.InTx(ctx, func(ctx context.Context) error {
		if err := s.Store.CreateTenant(ctx, t); err != nil {
			if errs.Is(err, errs.Conflict) {
				return errs.Taken("works_group", err, "member.works_group_taken", "works_group", t.WorksGroup)
			}
			return err
		}
		for _, r := range builtinRoles {
			r.ID, r.TenantID, r.Builtin, r.CreatedAt = s.IDs.New("rol"), t.ID, true, now
			if err := s.Store.CreateRole(ctx, &r); err != nil {
				return err
			}
		}
		if err := s.Store.CreateMembers(ctx, []*Member{m}); err != nil {
			return err
		}
		if _, err := s.recordBillable(ctx, t.ID, now, true); err != nil {
			return err
		}
		return s.Store.AppendAuditEvents(ctx,
			s.Audit.Event(ctx, now, t.ID, "tenant.created", "tenant", t.ID, nil, tenant.Snapshot(t)),
			s.Audit.Event(ctx, now, t.ID, "member.added", "member", m.ID, nil, snap(m)))
	})
	if err != nil {
		return nil, nil, fmt.Errorf("sign up: %w", err)
	}
	return t, m, nil
}

func (s *Service) newTenant(in SignupInput, now time.Time) (*tenant.Tenant, *Member, error) {
	wg, err := tenant.NormalizeWorksGroup(in.WorksGroup)
	if err != nil {
		return nil, nil, err
	}
	lang := in.Language
	if lang == "" {
		lang = "ja"
	}
	t := &tenant.Tenant{ID: s.IDs.New("ten"), WorksGroup: wg, Language: lang, TimeZone: tenant.DefaultTimeZone, NoticesEnabled: true,
		NoticeRecipients: tenant.RecipientsAdmins, Channel: tenant.ChannelDirect, Status: tenant.StatusActive,
		PrimaryDomain: wg + "." + s.ProvidedBase, CreatedAt: now, UpdatedAt: now}
	if err := (tenant.Profile{CompanyName: &in.CompanyName, Phone: &in.Phone, Region: &in.Region}).Apply(t); err != nil {
		return nil, nil, err
	}
	m := &Member{ID: s.IDs.New("mem"), TenantID: t.ID, Status: StatusActive, SuperAdmin: true, CreatedAt: now, UpdatedAt: now}
	if m.LoginID, err = LoginID(in.AdminLoginID, t.PrimaryDomain); err != nil {
		return nil, nil, prefixField("admin_", err)
	}
	if err := (Profile{DisplayName: &in.AdminName, Email: &in.AdminEmail}).Apply(m); err != nil {
		return nil, nil, prefixField("admin_", err)
	}
	if m.Email == "" {
		return nil, nil, errs.Field("admin_email", "member.admin_email_required")
	}
	if err := auth.CheckPassword("admin_password", in.AdminPassword, m.PasswordContext(t.WorksGroup)); err != nil {
		return nil, nil, err
	}
	return t, m, nil
}

// prefixField renames the field of an Invalid error to the sign-up's
// (login_id → admin_login_id, display_name → admin_name).
func prefixField(prefix string, err error) error {
	if e, ok := errs.As(err); ok && e.Field != "" {
		f := strings.TrimPrefix(e.Field, "display_")
		return &errs.Error{Kind: e.Kind, Field: prefix + f, Code: e.Code, Params: e.Params, Err: e.Err}
	}
	return err
}

// ActAs returns ctx acting as m, keeping the caller's IP and user agent:
// what an anonymous caller does for themself (sign up, accept an
// invitation, use a password-reset link) is recorded as that member's act.
func ActAs(ctx context.Context, m *Member) context.Context {
	self := &auth.Actor{Kind: auth.KindMember, ID: m.ID, TenantID: m.TenantID, Name: m.LoginID, SuperAdmin: m.SuperAdmin}
	if a := auth.FromContext(ctx); a != nil {
		self.IP, self.UserAgent = a.IP, a.UserAgent
	}
	return auth.WithActor(ctx, self)
}
