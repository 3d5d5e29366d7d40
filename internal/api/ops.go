package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/tenant"
)

type opsTenantsInput struct {
	Query  string `query:"q" doc:"works-group or company-name substring"`
	Cursor string `query:"cursor" doc:"the next_cursor of the previous page, unchanged; one not handed out is refused (400)"`
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"100"`
}

type clockInput struct {
	Body struct {
		Now time.Time `json:"now" doc:"the server's new notion of now; it keeps ticking from there"`
	}
}

type clockOutput struct {
	Body struct {
		Now time.Time `json:"now"`
	}
}

func (s *Server) registerOps() {
	tags := []string{"ops"}
	s.registerOpsInvoices(tags)
	register(s, huma.Operation{OperationID: "ops-list-tenants", Method: http.MethodGet, Path: "/api/v1/ops/tenants", Tags: tags,
		Summary: "List all tenants"}, false, func(ctx context.Context, in *opsTenantsInput) (*body[page[Tenant]], error) {
		ts, next, err := s.svc.Tenants.List(ctx, tenant.Filter{Query: in.Query, After: in.Cursor, Limit: in.Limit})
		if err != nil {
			return nil, inQuery(err)
		}
		return reply(page[Tenant]{mapSlice(ts, toTenant), next}), nil
	})
	register(s, huma.Operation{OperationID: "ops-create-tenant", Method: http.MethodPost, Path: "/api/v1/ops/tenants", Tags: tags,
		Summary: "Create a tenant and its super admin (works while public sign-up is off)", DefaultStatus: http.StatusCreated}, false,
		func(ctx context.Context, in *signupInput) (*body[signupResult], error) {
			if _, err := auth.RequireOperator(ctx); err != nil {
				return nil, err
			}
			return s.signup(ctx, in)
		})
	register(s, huma.Operation{OperationID: "ops-get-tenant", Method: http.MethodGet, Path: "/api/v1/ops/tenants/{t}", Tags: tags,
		Summary: "Get any tenant"}, false, func(ctx context.Context, in *TenantPath) (*body[Tenant], error) {
		t, err := s.svc.Tenants.GetAny(ctx, in.TenantID)
		if err != nil {
			return nil, err
		}
		return reply(toTenant(t)), nil
	})
	if s.cfg.TestClock == nil {
		return
	}
	register(s, huma.Operation{OperationID: "ops-set-clock", Method: http.MethodPut, Path: "/api/v1/ops/clock", Tags: tags,
		Summary: "Set the server's clock (only with kanri serve --test-clock)"}, false, func(ctx context.Context, in *clockInput) (*clockOutput, error) {
		if _, err := auth.RequireOperator(ctx); err != nil {
			return nil, err
		}
		s.cfg.TestClock.Set(in.Body.Now)
		out := &clockOutput{}
		out.Body.Now = s.cfg.TestClock.Now()
		return out, nil
	})
}
