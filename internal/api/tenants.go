package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/tenant"
)

type signupBody struct {
	WorksGroup    string `json:"works_group" doc:"ワークスグループ名; also the provided domain's label" maxLength:"100"`
	CompanyName   string `json:"company_name" maxLength:"200"`
	Phone         string `json:"phone,omitempty" maxLength:"40"`
	Language      string `json:"language,omitempty" enum:"ja,en" doc:"default ja"`
	Region        string `json:"region,omitempty" maxLength:"100"`
	AdminLoginID  string `json:"admin_login_id" doc:"the super admin's login id, before the @" maxLength:"320"`
	AdminName     string `json:"admin_name" maxLength:"200"`
	AdminEmail    string `json:"admin_email" doc:"the super admin's personal e-mail" maxLength:"320"`
	AdminPassword string `json:"admin_password" maxLength:"1024"`
}

type signupInput struct {
	Body signupBody
}

type signupResult struct {
	Tenant     Tenant `json:"tenant"`
	SuperAdmin Member `json:"super_admin"`
}

type tenantPatch struct {
	TenantPath
	Body struct {
		WorksGroup       *string `json:"works_group,omitempty" maxLength:"100"`
		CompanyName      *string `json:"company_name,omitempty" maxLength:"200"`
		Phone            *string `json:"phone,omitempty" maxLength:"40"`
		Language         *string `json:"language,omitempty" enum:"ja,en"`
		Region           *string `json:"region,omitempty" maxLength:"100"`
		NoticesEnabled   *bool   `json:"notices_enabled,omitempty"`
		NoticeRecipients *string `json:"notice_recipients,omitempty" enum:"admins,all"`
		TimeZone         *string `json:"time_zone,omitempty" maxLength:"64" doc:"an IANA time zone, e.g. Asia/Tokyo"`
	}
}

func (s *Server) signup(ctx context.Context, in *signupInput) (*body[signupResult], error) {
	b := in.Body
	t, m, err := s.svc.Members.Signup(ctx, member.SignupInput{WorksGroup: b.WorksGroup, CompanyName: b.CompanyName, Phone: b.Phone,
		Language: b.Language, Region: b.Region, AdminLoginID: b.AdminLoginID, AdminName: b.AdminName, AdminEmail: b.AdminEmail,
		AdminPassword: b.AdminPassword})
	if err != nil {
		return nil, err
	}
	return reply(signupResult{toTenant(t), toMember(m)}), nil
}

func (s *Server) registerTenants() {
	register(s, huma.Operation{OperationID: "signup", Method: http.MethodPost, Path: "/api/v1/signup", Tags: []string{"tenants"},
		Summary: "Sign up: a new tenant on the free plan and its super admin", DefaultStatus: http.StatusCreated}, true, s.signup)
	register(s, huma.Operation{OperationID: "get-tenant", Method: http.MethodGet, Path: "/api/v1/tenants/{t}", Tags: []string{"tenants"},
		Summary: "Company information"}, false, func(ctx context.Context, in *TenantPath) (*body[Tenant], error) {
		t, err := s.svc.Tenants.Get(ctx, in.TenantID)
		if err != nil {
			return nil, err
		}
		n, err := s.svc.Members.BillableCount(ctx, in.TenantID)
		if err != nil {
			return nil, err
		}
		out := toTenant(t)
		out.BillableMembers = &n
		return reply(out), nil
	})
	register(s, huma.Operation{OperationID: "update-tenant", Method: http.MethodPatch, Path: "/api/v1/tenants/{t}", Tags: []string{"tenants"},
		Summary: "Change company information (needs tenant.manage)"}, false, func(ctx context.Context, in *tenantPatch) (*body[Tenant], error) {
		b := in.Body
		t, err := s.svc.Tenants.Update(ctx, in.TenantID, tenant.Profile{WorksGroup: b.WorksGroup, CompanyName: b.CompanyName, Phone: b.Phone,
			Language: b.Language, Region: b.Region, NoticesEnabled: b.NoticesEnabled, NoticeRecipients: b.NoticeRecipients,
			TimeZone: b.TimeZone})
		if err != nil {
			return nil, err
		}
		return reply(toTenant(t)), nil
	})
}
