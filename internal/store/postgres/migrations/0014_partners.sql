-- +goose Up
-- Partners (resellers, SPEC §7): their terms, their users, who sign in to
-- the partner portal with sessions of their own, and the partner codes a
-- tenant's super admin issues to switch its contract to a partner.
ALTER TABLE partners ADD COLUMN contact_name TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN contact_email TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN registration TEXT NOT NULL DEFAULT '';
ALTER TABLE partners ADD COLUMN discount_percent INTEGER NOT NULL DEFAULT 0 CHECK (discount_percent BETWEEN 0 AND 100);
ALTER TABLE partners ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended'));
ALTER TABLE partners ADD COLUMN updated_at TIMESTAMPTZ;

CREATE TABLE partner_users (
    id            TEXT PRIMARY KEY,
    partner_id    TEXT NOT NULL REFERENCES partners (id),
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    language      TEXT NOT NULL CHECK (language IN ('ja', 'en')),
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX partner_users_partner ON partner_users (partner_id);

-- A code authenticates once: only an issued one moves on, by one guarded
-- update. One issued or authenticated code per tenant at a time.
CREATE TABLE partner_codes (
    code             TEXT PRIMARY KEY CHECK (length(code) = 19),
    tenant_id        TEXT NOT NULL REFERENCES tenants (id),
    status           TEXT NOT NULL CHECK (status IN ('issued', 'revoked', 'authenticated', 'approved')),
    partner_id       TEXT REFERENCES partners (id),
    issued_at        TIMESTAMPTZ NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL,
    authenticated_at TIMESTAMPTZ,
    approved_at      TIMESTAMPTZ,
    CHECK ((partner_id IS NULL) = (status IN ('issued', 'revoked') AND authenticated_at IS NULL))
);
CREATE UNIQUE INDEX partner_codes_open ON partner_codes (tenant_id) WHERE status IN ('issued', 'authenticated');
CREATE UNIQUE INDEX partner_codes_approved ON partner_codes (tenant_id) WHERE status = 'approved';
CREATE INDEX partner_codes_tenant ON partner_codes (tenant_id, issued_at);

ALTER TABLE sessions ADD COLUMN partner_user_id TEXT REFERENCES partner_users (id);
ALTER TABLE sessions DROP CONSTRAINT sessions_check;
ALTER TABLE sessions ADD CONSTRAINT sessions_one_owner CHECK (num_nonnulls(member_id, operator_id, partner_user_id) = 1);
CREATE INDEX sessions_partner_user ON sessions (partner_user_id);
