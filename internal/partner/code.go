package partner

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/tenant"
)

// Standing is where a tenant's move to a partner stands: the console's
// four steps.
type Standing struct {
	Step       int
	AdminEmail string   // the super admin's personal e-mail address
	Code       *Code    // the latest code; nil before the first
	Partner    *Partner // the partner that authenticated it, or the tenant's
	Tenant     *tenant.Tenant
}

// Status returns the tenant's standing (the super admin's screen).
func (s *Service) Status(ctx context.Context, tenantID string) (*Standing, error) {
	if _, err := auth.RequireSuperAdmin(ctx, tenantID); err != nil {
		return nil, err
	}
	return s.standing(ctx, tenantID)
}

func (s *Service) standing(ctx context.Context, tenantID string) (*Standing, error) {
	t, err := s.Store.GetTenant(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	admin, err := s.Store.GetSuperAdmin(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	st := &Standing{Tenant: t, AdminEmail: admin.Email}
	if st.Code, err = s.Store.LatestPartnerCode(ctx, tenantID); errs.Is(err, errs.NotFound) {
		st.Code, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	if st.Code != nil {
		st.Code.Status = st.Code.StatusAt(s.Clock.Now())
	}
	st.Step = Step(st.Code)
	partnerID := t.PartnerID
	if partnerID == "" && st.Code != nil && st.Code.Status != CodeRevoked {
		partnerID = st.Code.PartnerID
	}
	if t.Channel == tenant.ChannelPartner {
		st.Step = 4
	}
	if partnerID != "" {
		st.Partner, err = s.Store.GetPartner(ctx, partnerID)
	}
	return st, err
}

// Issue issues a partner code (SPEC §7), revoking the tenant's open one: the
// super admin alone. Errors: FailedPrecondition (a partner's customer
// already), PermissionDenied.
func (s *Service) Issue(ctx context.Context, tenantID string) (*Code, error) {
	if _, err := auth.RequireSuperAdmin(ctx, tenantID); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	c := &Code{TenantID: tenantID, Status: CodeIssued, IssuedAt: now, ExpiresAt: now.Add(s.CodeTTL)}
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		t, err := s.Store.GetTenant(ctx, tenantID)
		if err != nil {
			return err
		}
		if err := s.stillDirect(ctx, t); err != nil {
			return err
		}
		if err := s.Store.RevokePartnerCodes(ctx, tenantID); err != nil {
			return err
		}
		c.Code = NewCode()
		if err := s.Store.CreatePartnerCode(ctx, c); err != nil {
			return err
		}
		snap := codeSnap(c)
		if err := s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, tenantID, "partner.code_issued", "partner_code", masked(c.Code), nil, snap)); err != nil {
			return err
		}
		return s.Notify.Emit(ctx, tenantID, "partner.code_issued", snap)
	})
	if err != nil {
		return nil, fmt.Errorf("issue partner code: %w", err)
	}
	return c, nil
}

// stillDirect refuses a tenant that is a partner's customer already: the
// switch cannot be undone and the partner cannot be changed.
func (s *Service) stillDirect(ctx context.Context, t *tenant.Tenant) error {
	if t.Channel != tenant.ChannelPartner {
		return nil
	}
	p, err := s.Store.GetPartner(ctx, t.PartnerID)
	if err != nil {
		return err
	}
	return errs.E(errs.FailedPrecondition, "partner.already_switched", "partner", p.Name)
}

// masked is a code as the audit trail names it: its first and last four.
func masked(code string) string { return code[:3] + "…" + code[len(code)-4:] }

// codeSnap is a code as audit events and webhooks show it: never whole.
func codeSnap(c *Code) map[string]any {
	snap := map[string]any{"code": masked(c.Code), "tenant_id": c.TenantID, "status": c.Status, "expires_at": c.ExpiresAt}
	if c.PartnerID != "" {
		snap["partner_id"] = c.PartnerID
	}
	return snap
}

var codeRE = regexp.MustCompile(`^ERV[A-Z0-9]{16}$`)

// Authenticate authenticates a code for the partner of the partner user in
// ctx. A code authenticates once: of any number of concurrent attempts,
// one succeeds. Every refused attempt counts against the user's and the
// IP's limits. Errors: Invalid (not a code), NotFound (unknown),
// FailedPrecondition (expired, revoked, used), TooManyRequests.
func (s *Service) Authenticate(ctx context.Context, code string) (*Request, error) {
	a, err := auth.RequirePartner(ctx)
	if err != nil {
		return nil, err
	}
	code = NormalizeCode(code)
	if !codeRE.MatchString(code) {
		return nil, errs.Field("code", "partner.code_malformed")
	}
	var r *Request
	err = s.Guess(ctx, "pcode:"+a.ID, func(ctx context.Context) error {
		now := s.Clock.Now()
		return s.Store.InTx(ctx, func(ctx context.Context) error {
			p, err := s.Store.GetPartner(ctx, a.PartnerID)
			if err != nil {
				return err
			}
			if p.Status != StatusActive {
				return errs.E(errs.PermissionDenied, "partner.suspended")
			}
			c, err := s.usable(ctx, code, now)
			if err != nil {
				return err
			}
			r, err = s.authenticated(ctx, c, p, now)
			return err
		})
	})
	if e, ok := errs.As(err); ok && e.Kind == errs.TooManyRequests {
		// The limit is the code's own, not the sign-in's: the user can still
		// sign in, so the sign-in lockout's advice would mislead.
		err = errs.Later(e.RetryAfter, "partner.code_attempts_limited", "minutes", e.Params["minutes"])
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate partner code: %w", err)
	}
	return r, nil
}

// usable returns the code if it can be authenticated at now, or says why not.
func (s *Service) usable(ctx context.Context, code string, now time.Time) (*Code, error) {
	c, err := s.Store.GetPartnerCode(ctx, code)
	switch {
	case errs.Is(err, errs.NotFound):
		return nil, errs.Field("code", "partner.code_unknown")
	case err != nil:
		return nil, err
	case c.Status == CodeRevoked:
		return nil, errs.Field("code", "partner.code_revoked")
	case c.Status != CodeIssued:
		return nil, errs.Field("code", "partner.code_used")
	case !now.Before(c.ExpiresAt):
		return nil, errs.Field("code", "partner.code_expired", "time", c.ExpiresAt)
	}
	return c, nil
}

// authenticated records that p authenticated c, and asks the super admin
// to approve.
func (s *Service) authenticated(ctx context.Context, c *Code, p *Partner, now time.Time) (*Request, error) {
	ok, err := s.Store.ClaimPartnerCode(ctx, c.Code, p.ID, now)
	if err != nil {
		return nil, err
	}
	if !ok { // another attempt was first (SQLite has no row lock to wait on)
		return nil, errs.Field("code", "partner.code_used")
	}
	c.Status, c.PartnerID, c.AuthenticatedAt = CodeAuthenticated, p.ID, now
	t, err := s.Store.GetTenant(ctx, c.TenantID)
	if err != nil {
		return nil, err
	}
	snap := codeSnap(c)
	snap["partner_name"] = p.Name
	if err := s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, c.TenantID, "partner.code_authenticated", "partner_code", masked(c.Code), nil, snap)); err != nil {
		return nil, err
	}
	if err := s.Notify.Emit(ctx, c.TenantID, "partner.code_authenticated", snap); err != nil {
		return nil, err
	}
	return &Request{Code: c, CompanyName: t.CompanyName, WorksGroup: t.WorksGroup}, s.mailAdmin(ctx, t, "partner_approval_needed", p, now)
}
