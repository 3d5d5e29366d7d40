package store

import (
	"context"

	"github.com/kanri/kanri/internal/tenant"
)

const tenantColumns = `t.id, t.works_group, t.company_name, t.phone, t.language, t.region, t.notices_enabled,
	t.notice_recipients, t.channel, t.partner_id, t.status, t.created_at, t.updated_at, d.name, t.time_zone`

// Every tenant has exactly one primary domain, so this join never drops one.
const tenantFrom = ` FROM tenants t JOIN domains d ON d.tenant_id = t.id AND d.is_primary`

type scanner interface{ Scan(dest ...any) error }

func scanTenant(row scanner) (*tenant.Tenant, error) {
	var t tenant.Tenant
	err := row.Scan(&t.ID, &t.WorksGroup, &t.CompanyName, &t.Phone, &t.Language, &t.Region, &t.NoticesEnabled,
		&t.NoticeRecipients, &t.Channel, scanStr(&t.PartnerID), &t.Status, scanTime(&t.CreatedAt), scanTime(&t.UpdatedAt), &t.PrimaryDomain, &t.TimeZone)
	return &t, err
}

// CreateTenant inserts t and its provided domain t.PrimaryDomain, which
// becomes the primary domain.
func (db *DB) CreateTenant(ctx context.Context, t *tenant.Tenant) error {
	_, err := db.exec(ctx, `INSERT INTO tenants (id, works_group, company_name, phone, language, region, notices_enabled,
		notice_recipients, channel, partner_id, status, created_at, updated_at, time_zone) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.WorksGroup, t.CompanyName, t.Phone, t.Language, t.Region, t.NoticesEnabled,
		t.NoticeRecipients, t.Channel, nullStr(t.PartnerID), t.Status, ts(t.CreatedAt), ts(t.UpdatedAt), t.TimeZone)
	if err != nil {
		return db.fail(err, "store.thing.tenant")
	}
	_, err = db.exec(ctx, `INSERT INTO domains (id, tenant_id, name, kind, status, is_primary, created_at)
		VALUES (?, ?, ?, 'provided', 'active', TRUE, ?)`, db.ids.New("dom"), t.ID, t.PrimaryDomain, ts(t.CreatedAt))
	return db.fail(err, "store.thing.provided_domain")
}

// GetTenant returns the tenant with id, locking its row in a transaction.
// Errors: NotFound.
func (db *DB) GetTenant(ctx context.Context, id string) (*tenant.Tenant, error) {
	if lock := db.forUpdate(ctx); lock != "" {
		// The tenant's row alone: locking the join would lock its primary
		// domain's row too, and a transaction waiting for it while a primary
		// change commits would then find no primary and no tenant. The read
		// below, a statement of its own, sees the committed primary.
		var one int
		if err := db.queryRow(ctx, `SELECT 1 FROM tenants WHERE id = ?`+lock, id).Scan(&one); err != nil {
			return nil, db.fail(err, "store.thing.tenant")
		}
	}
	return db.ReadTenant(ctx, id)
}

// ReadTenant returns the tenant with id without locking its row, for a
// transaction that holds it already with LockBillable: upgrading that lock
// would wait for the members being inserted beside it, which wait for this
// transaction. Errors: NotFound.
func (db *DB) ReadTenant(ctx context.Context, id string) (*tenant.Tenant, error) {
	t, err := scanTenant(db.queryRow(ctx, `SELECT `+tenantColumns+tenantFrom+` WHERE t.id = ?`, id))
	return t, db.fail(err, "store.thing.tenant")
}

// UpdateTenant stores t's editable fields. Errors: NotFound, Conflict.
func (db *DB) UpdateTenant(ctx context.Context, t *tenant.Tenant) error {
	res, err := db.exec(ctx, `UPDATE tenants SET works_group = ?, company_name = ?, phone = ?, language = ?, region = ?,
		notices_enabled = ?, notice_recipients = ?, status = ?, updated_at = ?, time_zone = ? WHERE id = ?`,
		t.WorksGroup, t.CompanyName, t.Phone, t.Language, t.Region, t.NoticesEnabled, t.NoticeRecipients, t.Status, ts(t.UpdatedAt), t.TimeZone, t.ID)
	return db.affected(res, err, "store.thing.tenant")
}

// ListTenants returns tenants in id order after the cursor id, filtered by
// a works-group or company-name substring.
func (db *DB) ListTenants(ctx context.Context, f tenant.Filter) ([]*tenant.Tenant, error) {
	q := `SELECT ` + tenantColumns + tenantFrom + ` WHERE t.id > ?`
	args := []any{f.After}
	if f.Query != "" {
		q += ` AND (LOWER(t.works_group) LIKE ? ESCAPE '\' OR LOWER(t.company_name) LIKE ? ESCAPE '\')`
		p := "%" + likeEscape(f.Query) + "%"
		args = append(args, p, p)
	}
	rows, err := db.query(ctx, q+` ORDER BY t.id LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, db.fail(err, "store.thing.tenant")
	}
	return collect(rows, scanTenant)
}
