-- +goose Up
-- Two-factor sign-in for partner users, as members have it (0008): the same
-- columns, owned by a partner user (tenant_id stays NULL), so that the
-- store reads and writes both with the same statements.
CREATE TABLE partner_two_factor (
    partner_user_id TEXT PRIMARY KEY REFERENCES partner_users (id) ON DELETE CASCADE,
    tenant_id       TEXT CHECK (tenant_id IS NULL),
    secret          TEXT NOT NULL,
    confirmed_at    TIMESTAMPTZ,
    last_step       INTEGER NOT NULL DEFAULT 0 CHECK (last_step >= 0),
    created_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE partner_recovery_codes (
    partner_user_id TEXT NOT NULL REFERENCES partner_two_factor (partner_user_id) ON DELETE CASCADE,
    code_hash       TEXT NOT NULL,
    used_at         TIMESTAMPTZ,
    PRIMARY KEY (partner_user_id, code_hash)
);

CREATE TABLE partner_pending_sign_ins (
    token_hash      TEXT PRIMARY KEY,
    tenant_id       TEXT CHECK (tenant_id IS NULL),
    partner_user_id TEXT NOT NULL REFERENCES partner_users (id) ON DELETE CASCADE,
    created_at      TIMESTAMPTZ NOT NULL,
    expires_at      TIMESTAMPTZ NOT NULL,
    used_at         TIMESTAMPTZ,
    CHECK (created_at < expires_at)
);
CREATE INDEX partner_pending_sign_ins_expiry ON partner_pending_sign_ins (expires_at);
