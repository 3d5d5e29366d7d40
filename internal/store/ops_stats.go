package store

import (
	"context"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/tenant"
)

var _ billing.Store = (*DB)(nil)

// TenantFigures returns every tenant with its subscription, closure and
// billable members (the counter of migration 0023), in id order, for the
// operator's statistics (billing.StatsStore).
func (db *DB) TenantFigures(ctx context.Context) ([]billing.TenantFigure, error) {
	rows, err := db.query(ctx, `SELECT t.id, t.status, t.created_at, c.closed_at, COALESCE(s.plan, ''), COALESCE(s.contract, ''),
		COALESCE(s.status, ''), COALESCE(s.channel, t.channel), COALESCE(s.licenses, 0), t.billable_members
		FROM tenants t LEFT JOIN subscriptions s ON s.tenant_id = t.id LEFT JOIN closures c ON c.tenant_id = t.id
		ORDER BY t.id`)
	if err != nil {
		return nil, db.fail(err, "store.thing.tenant")
	}
	out, err := collect(rows, func(row scanner) (billing.TenantFigure, error) {
		var f billing.TenantFigure
		var status string
		err := row.Scan(&f.TenantID, &status, scanTime(&f.CreatedAt), scanTime(&f.ClosedAt), &f.Plan, &f.Contract, &f.Status, &f.Channel, &f.Licenses, &f.Billable)
		f.Open = status == tenant.StatusActive
		return f, err
	})
	return out, db.fail(err, "store.thing.tenant")
}
