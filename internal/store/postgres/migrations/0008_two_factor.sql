-- +goose Up
-- Two-factor sign-in (SPEC §2: optional TOTP, RFC 6238).

-- The tenant's requirement: of nobody, of admins, or of everyone.
ALTER TABLE tenants ADD COLUMN two_factor_required TEXT NOT NULL DEFAULT 'off'
    CHECK (two_factor_required IN ('off', 'admins', 'everyone'));

-- A member's TOTP key, sealed with the server's key (AES-256-GCM, bound to
-- the member id). Pending until a first code is confirmed. last_step is the
-- newest time-step whose code was taken: a code of it or before is refused,
-- so no code is ever accepted twice.
CREATE TABLE member_two_factor (
    member_id    TEXT PRIMARY KEY REFERENCES members (id) ON DELETE CASCADE,
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    secret       TEXT NOT NULL,
    confirmed_at TIMESTAMPTZ,
    last_step    BIGINT NOT NULL DEFAULT 0 CHECK (last_step >= 0),
    created_at   TIMESTAMPTZ NOT NULL
);

-- Single-use recovery codes, hashed (SHA-256 of member id and code).
CREATE TABLE recovery_codes (
    member_id TEXT NOT NULL REFERENCES member_two_factor (member_id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at   TIMESTAMPTZ,
    PRIMARY KEY (member_id, code_hash)
);

-- The second step of a sign-in whose password was right: a single-use,
-- short-lived token, stored hashed.
CREATE TABLE pending_sign_ins (
    token_hash TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    member_id  TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    CHECK (created_at < expires_at)
);
CREATE INDEX pending_sign_ins_expiry ON pending_sign_ins (expires_at);

-- Keys the server makes for itself on its first start (the two-factor
-- sealing key), shared by every instance on the database.
CREATE TABLE server_keys (
    name       TEXT PRIMARY KEY,
    secret     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
