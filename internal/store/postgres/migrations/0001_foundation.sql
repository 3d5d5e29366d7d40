-- +goose Up
-- Partners (resellers) are filled in by the partner issue; the table exists
-- now so that a tenant's partner is protected by a foreign key from day one.
CREATE TABLE partners (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE tenants (
    id                TEXT PRIMARY KEY,
    works_group       TEXT NOT NULL UNIQUE,
    company_name      TEXT NOT NULL,
    phone             TEXT NOT NULL DEFAULT '',
    language          TEXT NOT NULL CHECK (language IN ('ja', 'en')),
    region            TEXT NOT NULL DEFAULT '',
    notices_enabled   BOOLEAN NOT NULL,
    notice_recipients TEXT NOT NULL CHECK (notice_recipients IN ('admins', 'all')),
    channel           TEXT NOT NULL CHECK (channel IN ('direct', 'partner')),
    partner_id        TEXT REFERENCES partners (id),
    status            TEXT NOT NULL CHECK (status IN ('active', 'closed')),
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    CHECK ((channel = 'partner') = (partner_id IS NOT NULL))
);

CREATE TABLE domains (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('provided', 'custom')),
    status     TEXT NOT NULL CHECK (status IN ('pending', 'active', 'primary_changing', 'expired')),
    is_primary BOOLEAN NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, name)
);
-- A verified domain belongs to one tenant; each tenant has one primary.
CREATE UNIQUE INDEX domains_verified_name ON domains (name) WHERE status IN ('active', 'primary_changing');
CREATE UNIQUE INDEX domains_one_primary ON domains (tenant_id) WHERE is_primary;

CREATE TABLE members (
    id                    TEXT PRIMARY KEY,
    tenant_id             TEXT NOT NULL REFERENCES tenants (id),
    login_id              TEXT NOT NULL,
    display_name          TEXT NOT NULL,
    email                 TEXT NOT NULL DEFAULT '',
    phone                 TEXT NOT NULL DEFAULT '',
    department            TEXT NOT NULL DEFAULT '',
    position              TEXT NOT NULL DEFAULT '',
    status                TEXT NOT NULL CHECK (status IN ('invited', 'active', 'suspended', 'deactivated', 'deleted')),
    is_super_admin        BOOLEAN NOT NULL DEFAULT FALSE,
    password_hash         TEXT NOT NULL DEFAULT '',
    external_issuer       TEXT,
    external_subject      TEXT,
    invitation_hash       TEXT UNIQUE,
    invitation_expires_at TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, id),
    CHECK (NOT is_super_admin OR status = 'active'),
    CHECK ((external_issuer IS NULL) = (external_subject IS NULL))
);
-- Login ids are global: signing in needs no tenant. A deleted member frees its id.
CREATE UNIQUE INDEX members_login_id ON members (login_id) WHERE status <> 'deleted';
-- At most one super admin per tenant; the services keep it at exactly one.
CREATE UNIQUE INDEX members_one_super_admin ON members (tenant_id) WHERE is_super_admin;
CREATE UNIQUE INDEX members_external ON members (external_issuer, external_subject) WHERE external_issuer IS NOT NULL;
CREATE INDEX members_tenant_id ON members (tenant_id, id);

CREATE TABLE roles (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    name        TEXT NOT NULL,
    permissions TEXT NOT NULL,
    builtin     BOOLEAN NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    UNIQUE (tenant_id, name),
    UNIQUE (tenant_id, id)
);

-- The tenant id in both foreign keys makes granting another tenant's role impossible.
CREATE TABLE member_roles (
    tenant_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    role_id   TEXT NOT NULL,
    PRIMARY KEY (member_id, role_id),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, role_id) REFERENCES roles (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX member_roles_role ON member_roles (role_id);

CREATE TABLE operators (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

-- Console sessions and API tokens; only a SHA-256 of the token is kept.
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('session', 'api_token')),
    tenant_id   TEXT REFERENCES tenants (id),
    member_id   TEXT REFERENCES members (id),
    operator_id TEXT REFERENCES operators (id),
    name        TEXT NOT NULL DEFAULT '',
    ip          TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ,
    CHECK ((member_id IS NULL) <> (operator_id IS NULL)),
    CHECK ((member_id IS NULL) = (tenant_id IS NULL))
);
CREATE INDEX sessions_member ON sessions (member_id);
CREATE INDEX sessions_tenant ON sessions (tenant_id);

-- Failed sign-ins per account and per IP, for rate limiting across instances.
CREATE TABLE login_failures (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start TIMESTAMPTZ NOT NULL
);

-- The audit trail: append-only (see the triggers), and without a foreign key
-- to tenants because it outlives them.
CREATE TABLE audit_events (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT,
    occurred_at TIMESTAMPTZ NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    TEXT NOT NULL,
    actor_name  TEXT NOT NULL,
    action      TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id   TEXT NOT NULL,
    before      JSONB,
    after       JSONB,
    ip          TEXT NOT NULL DEFAULT '',
    user_agent  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_tenant_time ON audit_events (tenant_id, occurred_at, id);

-- Stored responses of mutating API calls, per caller and Idempotency-Key.
CREATE TABLE idempotency_keys (
    scope        TEXT NOT NULL,
    key          TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER NOT NULL,
    content_type TEXT NOT NULL DEFAULT '',
    body         TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (scope, key)
);

-- +goose StatementBegin
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit events are append-only'; END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
