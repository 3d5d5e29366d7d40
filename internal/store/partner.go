package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/billing"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/partner"
)

const partnerColumns = `id, name, contact_name, contact_email, registration, discount_percent, status, created_at, updated_at, prices`

func scanPartner(row scanner) (*partner.Partner, error) {
	var p partner.Partner
	var prices string
	err := row.Scan(&p.ID, &p.Name, &p.ContactName, &p.ContactEmail, &p.Registration, &p.DiscountPercent, &p.Status,
		scanTime(&p.CreatedAt), scanTime(&p.UpdatedAt), &prices)
	if err == nil {
		err = json.Unmarshal([]byte(prices), &p.Prices)
	}
	return &p, err
}

// CreatePartner inserts p.
func (db *DB) CreatePartner(ctx context.Context, p *partner.Partner) error {
	prices, err := json.Marshal(p.Prices)
	if err != nil {
		return fmt.Errorf("encode prices: %w", err)
	}
	_, err = db.exec(ctx, `INSERT INTO partners (`+partnerColumns+`) VALUES `+placeholders(10), p.ID, p.Name, p.ContactName,
		p.ContactEmail, p.Registration, p.DiscountPercent, p.Status, ts(p.CreatedAt), ts(p.UpdatedAt), string(prices))
	return db.fail(err, "store.thing.partner")
}

// GetPartner returns a partner, locked in a transaction. Errors: NotFound.
func (db *DB) GetPartner(ctx context.Context, id string) (*partner.Partner, error) {
	p, err := scanPartner(db.queryRow(ctx, `SELECT `+partnerColumns+` FROM partners WHERE id = ?`+db.forUpdate(ctx), id))
	return p, db.fail(err, "store.thing.partner")
}

// UpdatePartner stores p's editable fields and status. Errors: NotFound.
func (db *DB) UpdatePartner(ctx context.Context, p *partner.Partner) error {
	prices, err := json.Marshal(p.Prices)
	if err != nil {
		return fmt.Errorf("encode prices: %w", err)
	}
	res, err := db.exec(ctx, `UPDATE partners SET name = ?, contact_name = ?, contact_email = ?, registration = ?, discount_percent = ?,
		status = ?, updated_at = ?, prices = ? WHERE id = ?`, p.Name, p.ContactName, p.ContactEmail, p.Registration, p.DiscountPercent, p.Status,
		ts(p.UpdatedAt), string(prices), p.ID)
	return db.affected(res, err, "store.thing.partner")
}

// ListPartners returns every partner by name.
func (db *DB) ListPartners(ctx context.Context) ([]*partner.Partner, error) {
	rows, err := db.query(ctx, `SELECT `+partnerColumns+` FROM partners ORDER BY name, id`)
	if err != nil {
		return nil, db.fail(err, "store.thing.partner")
	}
	out, err := collect(rows, scanPartner)
	return out, db.fail(err, "store.thing.partner")
}

const partnerUserColumns = `u.id, u.partner_id, u.email, u.name, u.language, u.password_hash, u.created_at, u.invitation_hash,
	u.invitation_expires_at, p.name, p.status`

func scanPartnerUser(row scanner) (*partner.User, error) {
	var u partner.User
	err := row.Scan(&u.ID, &u.PartnerID, &u.Email, &u.Name, &u.Language, &u.PasswordHash, scanTime(&u.CreatedAt), scanStr(&u.InvitationHash),
		scanTime(&u.InvitationExpiresAt), &u.PartnerName, &u.PartnerStatus)
	return &u, err
}

// CreatePartnerUser inserts u. Errors: Conflict (e-mail taken).
func (db *DB) CreatePartnerUser(ctx context.Context, u *partner.User) error {
	_, err := db.exec(ctx, `INSERT INTO partner_users (id, partner_id, email, name, language, password_hash, created_at, invitation_hash,
		invitation_expires_at) VALUES `+placeholders(9), u.ID, u.PartnerID, u.Email, u.Name, u.Language, u.PasswordHash, ts(u.CreatedAt),
		nullStr(u.InvitationHash), nullTS(u.InvitationExpiresAt))
	return db.fail(err, "store.thing.partner_user")
}

// AcceptPartnerInvitation sets the password of the partner user invited
// with the token hashing to hash, unexpired at now, and ends the
// invitation: of two acceptances, one does. Errors: NotFound.
func (db *DB) AcceptPartnerInvitation(ctx context.Context, hash, passwordHash string, now time.Time) (*partner.User, error) {
	u, err := scanPartnerUser(db.queryRow(ctx, `SELECT `+partnerUserColumns+` FROM partner_users u JOIN partners p ON p.id = u.partner_id
		WHERE u.invitation_hash = ? AND u.invitation_expires_at > ?`+db.forUpdateOf(ctx, "u"), hash, ts(now)))
	if err != nil {
		return nil, db.fail(err, "store.thing.partner_user")
	}
	res, err := db.exec(ctx, `UPDATE partner_users SET password_hash = ?, invitation_hash = NULL, invitation_expires_at = NULL
		WHERE id = ? AND invitation_hash = ?`, passwordHash, u.ID, hash)
	if err := db.affected(res, err, "store.thing.partner_user"); err != nil {
		return nil, err
	}
	u.PasswordHash, u.InvitationHash, u.InvitationExpiresAt = passwordHash, "", time.Time{}
	return u, nil
}

// GetPartnerUser returns the partner user whose id or e-mail address is
// key, with its partner's name and status. Errors: NotFound.
func (db *DB) GetPartnerUser(ctx context.Context, key string) (*partner.User, error) {
	u, err := scanPartnerUser(db.queryRow(ctx, `SELECT `+partnerUserColumns+` FROM partner_users u JOIN partners p ON p.id = u.partner_id
		WHERE u.id = ? OR u.email = ?`, key, key))
	return u, db.fail(err, "store.thing.partner_user")
}

// ListPartnerUsers returns a partner's users by e-mail address.
func (db *DB) ListPartnerUsers(ctx context.Context, partnerID string) ([]*partner.User, error) {
	rows, err := db.query(ctx, `SELECT `+partnerUserColumns+` FROM partner_users u JOIN partners p ON p.id = u.partner_id
		WHERE u.partner_id = ? ORDER BY u.email`, partnerID)
	if err != nil {
		return nil, db.fail(err, "store.thing.partner_user")
	}
	out, err := collect(rows, scanPartnerUser)
	return out, db.fail(err, "store.thing.partner_user")
}

const codeColumns = `code, tenant_id, status, partner_id, issued_at, expires_at, authenticated_at, approved_at`

func scanCode(row scanner) (*partner.Code, error) {
	var c partner.Code
	err := row.Scan(&c.Code, &c.TenantID, &c.Status, scanStr(&c.PartnerID), scanTime(&c.IssuedAt), scanTime(&c.ExpiresAt),
		scanTime(&c.AuthenticatedAt), scanTime(&c.ApprovedAt))
	return &c, err
}

// CreatePartnerCode inserts c. Errors: Conflict.
func (db *DB) CreatePartnerCode(ctx context.Context, c *partner.Code) error {
	_, err := db.exec(ctx, `INSERT INTO partner_codes (`+codeColumns+`) VALUES `+placeholders(8), c.Code, c.TenantID, c.Status,
		nullStr(c.PartnerID), ts(c.IssuedAt), ts(c.ExpiresAt), nullTS(c.AuthenticatedAt), nullTS(c.ApprovedAt))
	return db.fail(err, "store.thing.partner_code")
}

// GetPartnerCode returns a code, locked in a transaction. Errors: NotFound.
func (db *DB) GetPartnerCode(ctx context.Context, code string) (*partner.Code, error) {
	c, err := scanCode(db.queryRow(ctx, `SELECT `+codeColumns+` FROM partner_codes WHERE code = ?`+db.forUpdate(ctx), code))
	return c, db.fail(err, "store.thing.partner_code")
}

// LatestPartnerCode returns the tenant's newest code. Errors: NotFound.
func (db *DB) LatestPartnerCode(ctx context.Context, tenantID string) (*partner.Code, error) {
	c, err := scanCode(db.queryRow(ctx, `SELECT `+codeColumns+` FROM partner_codes WHERE tenant_id = ?
		ORDER BY issued_at DESC, code DESC LIMIT 1`, tenantID))
	return c, db.fail(err, "store.thing.partner_code")
}

// RevokePartnerCodes revokes the tenant's issued and authenticated codes.
func (db *DB) RevokePartnerCodes(ctx context.Context, tenantID string) error {
	_, err := db.exec(ctx, `UPDATE partner_codes SET status = 'revoked' WHERE tenant_id = ? AND status IN ('issued', 'authenticated')`, tenantID)
	return db.fail(err, "store.thing.partner_code")
}

// ClaimPartnerCode marks an issued code that is unexpired at now
// authenticated by partnerID in one guarded update, and reports whether
// this call did: of concurrent claims, one does.
func (db *DB) ClaimPartnerCode(ctx context.Context, code, partnerID string, now time.Time) (bool, error) {
	res, err := db.exec(ctx, `UPDATE partner_codes SET status = 'authenticated', partner_id = ?, authenticated_at = ?
		WHERE code = ? AND status = 'issued' AND expires_at > ?`, partnerID, ts(now), code, ts(now))
	if err != nil {
		return false, db.fail(err, "store.thing.partner_code")
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ApprovePartnerCode marks an authenticated code approved. Errors: NotFound.
func (db *DB) ApprovePartnerCode(ctx context.Context, code string, now time.Time) error {
	res, err := db.exec(ctx, `UPDATE partner_codes SET status = 'approved', approved_at = ? WHERE code = ? AND status = 'authenticated'`,
		ts(now), code)
	return db.affected(res, err, "store.thing.partner_code")
}

// ListPartnerRequests returns the codes partnerID authenticated with
// their tenants' names, newest first, in one statement.
func (db *DB) ListPartnerRequests(ctx context.Context, partnerID string) ([]*partner.Request, error) {
	rows, err := db.query(ctx, `SELECT c.`+strings.ReplaceAll(codeColumns, ", ", ", c.")+`, t.company_name, t.works_group
		FROM partner_codes c JOIN tenants t ON t.id = c.tenant_id WHERE c.partner_id = ? ORDER BY c.authenticated_at DESC, c.code`, partnerID)
	if err != nil {
		return nil, db.fail(err, "store.thing.partner_code")
	}
	out, err := collect(rows, func(row scanner) (*partner.Request, error) {
		r := &partner.Request{}
		var err error
		r.Code, err = scanCode(alsoScan{row, []any{&r.CompanyName, &r.WorksGroup}})
		return r, err
	})
	return out, db.fail(err, "store.thing.partner_code")
}

// SwitchTenant makes a direct tenant partnerID's customer. Errors:
// Conflict (a partner's customer already: the switch is for good).
func (db *DB) SwitchTenant(ctx context.Context, tenantID, partnerID string, now time.Time) error {
	res, err := db.exec(ctx, `UPDATE tenants SET channel = 'partner', partner_id = ?, updated_at = ? WHERE id = ? AND channel = 'direct'`,
		partnerID, ts(now), tenantID)
	if err != nil {
		return db.fail(err, "store.thing.tenant")
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	return errs.E(errs.Conflict, "store.conflict", "thing", i18n.Term("store.thing.tenant"))
}

// ListPartnerCustomers returns a partner's customers with their contracts
// and billable members, by company name.
func (db *DB) ListPartnerCustomers(ctx context.Context, partnerID string) ([]*partner.Customer, error) {
	rows, err := db.query(ctx, `SELECT t.id, t.company_name, t.works_group, COALESCE(d.name, ''), COALESCE(s.plan, ''), COALESCE(s.contract, ''),
		COALESCE(s.licenses, 0), COALESCE(s.status, ''), c.approved_at,
		(SELECT COUNT(*) FROM members m WHERE m.tenant_id = t.id AND m.status IN ('invited', 'active', 'suspended')),
		s.period_end, s.next_plan, s.next_contract, s.next_licenses
		FROM tenants t LEFT JOIN domains d ON d.tenant_id = t.id AND d.is_primary LEFT JOIN subscriptions s ON s.tenant_id = t.id
		LEFT JOIN partner_codes c ON c.tenant_id = t.id AND c.status = 'approved'
		WHERE t.partner_id = ? ORDER BY t.company_name, t.id`, partnerID)
	if err != nil {
		return nil, db.fail(err, "store.thing.tenant")
	}
	out, err := collect(rows, func(row scanner) (*partner.Customer, error) {
		var c partner.Customer
		var next billing.Terms
		var nextLicenses sql.NullInt64
		err := row.Scan(&c.TenantID, &c.CompanyName, &c.WorksGroup, &c.Domain, &c.Plan, &c.Contract, &c.Licenses, &c.Status,
			scanTime(&c.SwitchedAt), &c.Billable, dayScanner{&c.PeriodEnd}, scanStr(&next.Plan), scanStr(&next.Contract), &nextLicenses)
		if next.Plan != "" {
			next.Licenses = int(nextLicenses.Int64)
			c.Next = &next
		}
		return &c, err
	})
	return out, db.fail(err, "store.thing.tenant")
}

// PutPartnerTerms records the terms a partner's customer has from day on
// (one row per day: a later change that day replaces it).
func (db *DB) PutPartnerTerms(ctx context.Context, tenantID string, from time.Time, t billing.Terms) error {
	_, err := db.exec(ctx, `INSERT INTO partner_terms (tenant_id, day, plan, contract, licenses) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (tenant_id, day) DO UPDATE SET plan = excluded.plan, contract = excluded.contract, licenses = excluded.licenses`,
		tenantID, day(from), t.Plan, t.Contract, t.Licenses)
	return db.fail(err, "store.thing.subscription")
}

// PartnerTerms returns a customer's terms by the day they took effect,
// those in effect on from (the latest before it) and the changes up to
// before to, oldest first.
func (db *DB) PartnerTerms(ctx context.Context, tenantID string, from, to time.Time) ([]billing.DatedTerms, error) {
	rows, err := db.query(ctx, `SELECT day, plan, contract, licenses FROM partner_terms WHERE tenant_id = ? AND day < ?
		AND day >= COALESCE((SELECT MAX(day) FROM partner_terms WHERE tenant_id = ? AND day <= ?), ?) ORDER BY day`,
		tenantID, day(to), tenantID, day(from), day(from))
	if err != nil {
		return nil, db.fail(err, "store.thing.subscription")
	}
	out, err := collect(rows, func(row scanner) (billing.DatedTerms, error) {
		var d billing.DatedTerms
		err := row.Scan(dayScanner{&d.From}, &d.Plan, &d.Contract, &d.Licenses)
		return d, err
	})
	return out, db.fail(err, "store.thing.subscription")
}

// ListTenantAdmins returns the tenant's active admins: the super admin and
// the members holding a role, by id.
func (db *DB) ListTenantAdmins(ctx context.Context, tenantID string) ([]*member.Member, error) {
	rows, err := db.query(ctx, `SELECT `+memberColumns+memberFrom+` WHERE m.tenant_id = ? AND m.status = 'active'
		AND (m.is_super_admin OR EXISTS (SELECT 1 FROM member_roles mr WHERE mr.member_id = m.id)) ORDER BY m.id`, tenantID)
	if err != nil {
		return nil, db.fail(err, "store.thing.member")
	}
	ms, err := collect(rows, scanMember)
	return ms, db.fail(err, "store.thing.member")
}
