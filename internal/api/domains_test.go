package api_test

import (
	"context"
	"testing"

	"github.com/kanri/kanri/internal/app/apptest"
	"github.com/kanri/kanri/internal/domain"
)

// aDomainChange stores a finished primary-domain change of ten (to and
// from domainID) and returns its id: a fixture for the routes that read one.
func aDomainChange(t *testing.T, s *apptest.Server, ten *apptest.Tenant, domainID string) string {
	t.Helper()
	now := s.App.Clock.Now()
	c := &domain.Change{ID: "dch_fixture" + ten.ID, TenantID: ten.ID, FromDomainID: domainID, ToDomainID: domainID, FromName: ten.Domain,
		ToName: ten.Domain, Status: domain.ChangeDone, RequestedBy: "fixture", CreatedAt: now, RenamedAt: now, FinishedAt: now}
	if err := s.App.DB.CreateChange(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c.ID
}
