package tenant

import (
	"context"
	"fmt"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/clock"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/notify"
)

// Store is what the tenant service needs from the database.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// GetTenant errors: NotFound.
	GetTenant(ctx context.Context, id string) (*Tenant, error)
	// UpdateTenant errors: NotFound, Conflict (works-group name taken).
	UpdateTenant(ctx context.Context, t *Tenant) error
	ListTenants(ctx context.Context, f Filter) ([]*Tenant, error)
	AppendAuditEvents(ctx context.Context, events ...*audit.Event) error
}

// Service reads and changes company information.
type Service struct {
	Store  Store
	Clock  clock.Clock
	Audit  audit.Recorder
	Notify *notify.Service
}

// Get returns the tenant to any of its members. Errors: NotFound.
func (s *Service) Get(ctx context.Context, id string) (*Tenant, error) {
	if _, err := auth.Require(ctx, id); err != nil {
		return nil, err
	}
	return s.Store.GetTenant(ctx, id)
}

// Update changes company information (会社情報); it needs tenant.manage.
// Errors: Invalid, Conflict, NotFound, PermissionDenied.
func (s *Service) Update(ctx context.Context, id string, p Profile) (*Tenant, error) {
	if _, err := auth.Require(ctx, id, auth.PermTenantManage); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var t *Tenant
	err := s.Store.InTx(ctx, func(ctx context.Context) error {
		var err error
		if t, err = s.Store.GetTenant(ctx, id); err != nil {
			return err
		}
		before := Snapshot(t)
		if err := p.Apply(t); err != nil {
			return err
		}
		t.UpdatedAt = now
		if err := s.Store.UpdateTenant(ctx, t); err != nil {
			if errs.Is(err, errs.Conflict) {
				return errs.Taken("works_group", err, "tenant.works_group_taken", "works_group", t.WorksGroup)
			}
			return err
		}
		if err := s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, id, "tenant.updated", "tenant", id, before, Snapshot(t))); err != nil {
			return err
		}
		return s.Notify.Emit(ctx, id, "tenant.updated", map[string]any{"id": id, "tenant": Snapshot(t)})
	})
	if err != nil {
		return nil, fmt.Errorf("update tenant: %w", err)
	}
	return t, nil
}

// List returns a page of tenants to an operator, and the next cursor.
// Errors: Malformed (a cursor that is no tenant id).
func (s *Service) List(ctx context.Context, f Filter) ([]*Tenant, string, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, "", err
	}
	if f.After != "" && !id.Valid("ten", f.After) {
		return nil, "", errs.BadCursor()
	}
	f.Limit = min(max(f.Limit, 1), 500) + 1
	ts, err := s.Store.ListTenants(ctx, f)
	if err != nil || len(ts) < f.Limit {
		return ts, "", err
	}
	ts = ts[:f.Limit-1]
	return ts, ts[len(ts)-1].ID, nil
}

// GetAny returns any tenant to an operator. Errors: NotFound.
func (s *Service) GetAny(ctx context.Context, id string) (*Tenant, error) {
	if _, err := auth.RequireOperator(ctx); err != nil {
		return nil, err
	}
	return s.Store.GetTenant(ctx, id)
}
