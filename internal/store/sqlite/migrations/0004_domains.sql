-- +goose Up
-- Custom domains (SPEC §5): the proof a tenant publishes in DNS, the
-- deadline for it, and what the last check found. A token is random
-- (128 bits) and never shared by two domains.
ALTER TABLE domains ADD COLUMN token TEXT NOT NULL DEFAULT '';
ALTER TABLE domains ADD COLUMN method TEXT NOT NULL DEFAULT '' CHECK (method IN ('', 'txt', 'mx'));
ALTER TABLE domains ADD COLUMN deadline TEXT;
ALTER TABLE domains ADD COLUMN verified_at TEXT;
ALTER TABLE domains ADD COLUMN last_check_at TEXT;
ALTER TABLE domains ADD COLUMN last_check TEXT NOT NULL DEFAULT '';
ALTER TABLE domains ADD COLUMN updated_at TEXT;
UPDATE domains SET updated_at = created_at, verified_at = created_at;
CREATE UNIQUE INDEX domains_token ON domains (token) WHERE token <> '';
-- The background check walks the pending domains by deadline.
CREATE INDEX domains_pending ON domains (deadline) WHERE status = 'pending';

-- Primary-domain changes, worked by a resumable job: renaming (one
-- transaction renames every login id), then mailing (members in id order
-- after mailed_after up to members_upto, the newest member at the rename,
-- a batch per transaction), then done. The domains are
-- named rather than referenced: the old primary may be deleted later.
CREATE TABLE domain_changes (
    id             TEXT PRIMARY KEY,
    tenant_id      TEXT NOT NULL REFERENCES tenants (id),
    from_domain_id TEXT NOT NULL,
    to_domain_id   TEXT NOT NULL,
    from_name      TEXT NOT NULL,
    to_name        TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('renaming', 'mailing', 'done')),
    requested_by   TEXT NOT NULL,
    renamed        INTEGER NOT NULL DEFAULT 0,
    mailed         INTEGER NOT NULL DEFAULT 0,
    mailed_after   TEXT NOT NULL DEFAULT '',
    members_upto   TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    renamed_at     TEXT,
    finished_at    TEXT
);
-- One change at a time per tenant.
CREATE UNIQUE INDEX domain_changes_one_open ON domain_changes (tenant_id) WHERE status <> 'done';
CREATE INDEX domain_changes_tenant ON domain_changes (tenant_id, created_at);

-- The outbox starts domain-change jobs too. SQLite cannot change a CHECK
-- constraint in place, so the (usually empty) table is rebuilt.
CREATE TABLE outbox_new (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('mail', 'webhook', 'domain_change')),
    ref_id     TEXT NOT NULL,
    created_at TEXT NOT NULL
);
INSERT INTO outbox_new (id, kind, ref_id, created_at) SELECT id, kind, ref_id, created_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_created ON outbox (created_at, id);

-- A login id is local@<the tenant's primary domain> (SPEC §2): members keep
-- only the local part and the domain comes from the primary domain's row.
-- Changing the primary domain then renames every login id at once, in a
-- transaction as short for 100,000 members as for one, and no reader can
-- see a half-renamed tenant. Primary domains are unique (a verified name
-- belongs to one tenant), so local@domain still names one member.
ALTER TABLE members ADD COLUMN login_local TEXT NOT NULL DEFAULT '';
UPDATE members SET login_local = substr(login_id, 1, instr(login_id, '@') - 1);
DROP INDEX members_login_id;
ALTER TABLE members DROP COLUMN login_id;
CREATE UNIQUE INDEX members_login_local ON members (tenant_id, login_local) WHERE status <> 'deleted';
-- A primary change finds the members with only an external identity
-- without reading the whole tenant.
CREATE INDEX members_external_only ON members (tenant_id) WHERE external_issuer IS NOT NULL AND password_hash = '';
