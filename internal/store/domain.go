package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/kanri/kanri/internal/domain"
)

const domainColumns = `id, tenant_id, name, kind, status, is_primary, token, method, deadline, verified_at, last_check_at, last_check_code, last_check_params, created_at, updated_at`

func scanDomain(row scanner) (*domain.Domain, error) {
	var d domain.Domain
	var params string
	err := row.Scan(&d.ID, &d.TenantID, &d.Name, &d.Kind, &d.Status, &d.Primary, &d.Token, &d.Method, scanTime(&d.Deadline),
		scanTime(&d.VerifiedAt), scanTime(&d.LastCheckAt), &d.LastCheck.Code, &params, scanTime(&d.CreatedAt), scanTime(&d.UpdatedAt))
	if err == nil {
		err = json.Unmarshal([]byte(params), &d.LastCheck.Params)
	}
	return &d, err
}

// checkParams encodes a finding's parameters as a JSON object. A map of
// strings always encodes.
func checkParams(f domain.Finding) string {
	if f.Params == nil {
		return "{}"
	}
	b, _ := json.Marshal(f.Params)
	return string(b)
}

// ListDomains returns tenantID's domains but expired ones, the primary first.
func (db *DB) ListDomains(ctx context.Context, tenantID string) ([]*domain.Domain, error) {
	rows, err := db.query(ctx, `SELECT `+domainColumns+` FROM domains WHERE tenant_id = ? AND status <> 'expired'
		ORDER BY is_primary DESC, name`, tenantID)
	if err != nil {
		return nil, db.fail(err, "store.thing.domain")
	}
	return collect(rows, scanDomain)
}

// GetDomain returns one of tenantID's domains. Errors: NotFound.
func (db *DB) GetDomain(ctx context.Context, tenantID, id string) (*domain.Domain, error) {
	d, err := scanDomain(db.queryRow(ctx, `SELECT `+domainColumns+` FROM domains WHERE tenant_id = ? AND id = ?`+db.forUpdate(ctx), tenantID, id))
	return d, db.fail(err, "store.thing.domain")
}

// GetDomainByName returns tenantID's domain called name. Errors: NotFound.
func (db *DB) GetDomainByName(ctx context.Context, tenantID, name string) (*domain.Domain, error) {
	d, err := scanDomain(db.queryRow(ctx, `SELECT `+domainColumns+` FROM domains WHERE tenant_id = ? AND name = ?`, tenantID, name))
	return d, db.fail(err, "store.thing.domain")
}

// VerifiedElsewhere reports whether a tenant other than tenantID owns name.
func (db *DB) VerifiedElsewhere(ctx context.Context, tenantID, name string) (bool, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM domains WHERE name = ? AND tenant_id <> ? AND status IN ('active', 'primary_changing')`,
		name, tenantID).Scan(&n)
	return n > 0, db.fail(err, "store.thing.domain")
}

// CreateDomain inserts d. Errors: Conflict.
func (db *DB) CreateDomain(ctx context.Context, d *domain.Domain) error {
	_, err := db.exec(ctx, `INSERT INTO domains (`+domainColumns+`) VALUES `+placeholders(15),
		d.ID, d.TenantID, d.Name, d.Kind, d.Status, d.Primary, d.Token, d.Method, nullTS(d.Deadline), nullTS(d.VerifiedAt),
		nullTS(d.LastCheckAt), d.LastCheck.Code, checkParams(d.LastCheck), ts(d.CreatedAt), ts(d.UpdatedAt))
	return db.fail(err, "store.thing.domain")
}

// UpdateDomain stores d's status, flags and check. Errors: NotFound, Conflict.
func (db *DB) UpdateDomain(ctx context.Context, d *domain.Domain) error {
	res, err := db.exec(ctx, `UPDATE domains SET status = ?, is_primary = ?, method = ?, verified_at = ?, last_check_at = ?,
		last_check_code = ?, last_check_params = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`, d.Status, d.Primary, d.Method,
		nullTS(d.VerifiedAt), nullTS(d.LastCheckAt), d.LastCheck.Code, checkParams(d.LastCheck), ts(d.UpdatedAt), d.TenantID, d.ID)
	return db.affected(res, err, "store.thing.domain")
}

// DeleteDomain removes one of tenantID's domains. Errors: NotFound.
func (db *DB) DeleteDomain(ctx context.Context, tenantID, id string) error {
	res, err := db.exec(ctx, `DELETE FROM domains WHERE tenant_id = ? AND id = ?`, tenantID, id)
	return db.affected(res, err, "store.thing.domain")
}

// PendingDomains returns up to limit pending domains, checked longest ago first.
func (db *DB) PendingDomains(ctx context.Context, limit int) ([]*domain.Domain, error) {
	rows, err := db.query(ctx, `SELECT `+domainColumns+` FROM domains WHERE status = 'pending'
		ORDER BY COALESCE(last_check_at, created_at), id LIMIT ?`, limit)
	if err != nil {
		return nil, db.fail(err, "store.thing.domain")
	}
	return collect(rows, scanDomain)
}

const changeColumns = `id, tenant_id, from_domain_id, to_domain_id, from_name, to_name, status, requested_by, renamed, mailed, mailed_after,
	members_upto, created_at, renamed_at, finished_at`

func scanChange(row scanner) (*domain.Change, error) {
	var c domain.Change
	err := row.Scan(&c.ID, &c.TenantID, &c.FromDomainID, &c.ToDomainID, &c.FromName, &c.ToName, &c.Status, &c.RequestedBy, &c.Renamed,
		&c.Mailed, &c.MailedAfter, &c.MembersUpTo, scanTime(&c.CreatedAt), scanTime(&c.RenamedAt), scanTime(&c.FinishedAt))
	return &c, err
}

// CreateChange inserts c. Errors: Conflict (the tenant has an open change).
func (db *DB) CreateChange(ctx context.Context, c *domain.Change) error {
	_, err := db.exec(ctx, `INSERT INTO domain_changes (`+changeColumns+`) VALUES `+placeholders(15),
		c.ID, c.TenantID, c.FromDomainID, c.ToDomainID, c.FromName, c.ToName, c.Status, c.RequestedBy, c.Renamed, c.Mailed,
		c.MailedAfter, c.MembersUpTo, ts(c.CreatedAt), nullTS(c.RenamedAt), nullTS(c.FinishedAt))
	return db.fail(err, "store.thing.domain_change")
}

// GetChange returns a change, locked in a transaction. Errors: NotFound.
func (db *DB) GetChange(ctx context.Context, id string) (*domain.Change, error) {
	c, err := scanChange(db.queryRow(ctx, `SELECT `+changeColumns+` FROM domain_changes WHERE id = ?`+db.forUpdate(ctx), id))
	return c, db.fail(err, "store.thing.domain_change")
}

// LatestChange returns tenantID's newest change. Errors: NotFound.
func (db *DB) LatestChange(ctx context.Context, tenantID string) (*domain.Change, error) {
	c, err := scanChange(db.queryRow(ctx, `SELECT `+changeColumns+` FROM domain_changes WHERE tenant_id = ?
		ORDER BY created_at DESC, id DESC LIMIT 1`, tenantID))
	return c, db.fail(err, "store.thing.domain_change")
}

// UpdateChange stores how far c has come. Errors: NotFound.
func (db *DB) UpdateChange(ctx context.Context, c *domain.Change) error {
	res, err := db.exec(ctx, `UPDATE domain_changes SET status = ?, renamed = ?, mailed = ?, mailed_after = ?, members_upto = ?, renamed_at = ?,
		finished_at = ? WHERE id = ?`, c.Status, c.Renamed, c.Mailed, c.MailedAfter, c.MembersUpTo, nullTS(c.RenamedAt), nullTS(c.FinishedAt), c.ID)
	return db.affected(res, err, "store.thing.domain_change")
}

// OpenChanges returns every change not done, oldest first.
func (db *DB) OpenChanges(ctx context.Context) ([]*domain.Change, error) {
	rows, err := db.query(ctx, `SELECT `+changeColumns+` FROM domain_changes WHERE status <> 'done' ORDER BY created_at, id`)
	if err != nil {
		return nil, db.fail(err, "store.thing.domain_change")
	}
	return collect(rows, scanChange)
}

// GiveAutoIDs gives tenantID's members with only an external identity the
// local part autoID(). Every other login id changes with the primary
// domain: a member keeps only its local part (see migration 0004).
func (db *DB) GiveAutoIDs(ctx context.Context, tenantID string, autoID func() string, now time.Time) error {
	rows, err := db.query(ctx, `SELECT id FROM members WHERE tenant_id = ? AND status <> 'deleted'
		AND external_issuer IS NOT NULL AND password_hash = ''`, tenantID)
	if err != nil {
		return db.fail(err, "store.thing.member")
	}
	ids, err := collect(rows, scanString)
	if err != nil {
		return db.fail(err, "store.thing.member")
	}
	for _, id := range ids {
		if _, err := db.exec(ctx, `UPDATE members SET login_local = ?, updated_at = ? WHERE id = ?`, autoID(), ts(now), id); err != nil {
			return db.fail(err, "store.thing.member")
		}
	}
	return nil
}

// CountMembers returns how many members of tenantID up to the id upTo are
// not deleted.
func (db *DB) CountMembers(ctx context.Context, tenantID, upTo string) (int, error) {
	var n int
	err := db.queryRow(ctx, `SELECT COUNT(*) FROM members WHERE tenant_id = ? AND status <> 'deleted' AND id <= ?`, tenantID, upTo).Scan(&n)
	return n, db.fail(err, "store.thing.member")
}

// NewestMemberID returns the largest member id of tenantID ("" for none).
func (db *DB) NewestMemberID(ctx context.Context, tenantID string) (string, error) {
	var id sql.NullString
	err := db.queryRow(ctx, `SELECT MAX(id) FROM members WHERE tenant_id = ?`, tenantID).Scan(&id)
	return id.String, db.fail(err, "store.thing.member")
}

// DomainAddresses returns the group aliases on domainID and the e-mail
// addresses of tenantID's members on it, up to limit of each, with counts.
func (db *DB) DomainAddresses(ctx context.Context, tenantID, domainID string, limit int) (*domain.Addresses, error) {
	var name string
	if err := db.queryRow(ctx, `SELECT name FROM domains WHERE tenant_id = ? AND id = ?`, tenantID, domainID).Scan(&name); err != nil {
		return nil, db.fail(err, "store.thing.domain")
	}
	a := &domain.Addresses{Aliases: []string{}, Members: []string{}}
	for _, q := range []struct {
		query string
		args  []any
		list  *[]string
		count *int
	}{
		{`SELECT alias_local || '@' || ? FROM directory_groups WHERE tenant_id = ? AND alias_domain_id = ? ORDER BY alias_local`,
			[]any{name, tenantID, domainID}, &a.Aliases, &a.AliasCount},
		{`SELECT email FROM members WHERE tenant_id = ? AND status <> 'deleted' AND LOWER(email) LIKE ? ESCAPE '\' ORDER BY email`,
			[]any{tenantID, "%@" + likeEscape(name)}, &a.Members, &a.MemberCount},
	} {
		rows, err := db.query(ctx, q.query, q.args...)
		if err != nil {
			return nil, db.fail(err, "store.thing.domain")
		}
		all, err := collect(rows, scanString)
		if err != nil {
			return nil, db.fail(err, "store.thing.domain")
		}
		*q.count, *q.list = len(all), append(*q.list, all[:min(limit, len(all))]...)
	}
	return a, nil
}

// RemoveAliases takes every group alias on domainID off its group.
func (db *DB) RemoveAliases(ctx context.Context, tenantID, domainID string) error {
	_, err := db.exec(ctx, `UPDATE directory_groups SET alias_local = NULL, alias_domain_id = NULL WHERE tenant_id = ? AND alias_domain_id = ?`, tenantID, domainID)
	return db.fail(err, "store.thing.group")
}
