-- +goose Up
-- Password-reset links (issue 12). Only the SHA-256 of a link's 256-bit
-- token is kept. A row goes when its link is used (single use: the row is
-- deleted, so of two concurrent uses one deletes it and the other finds
-- nothing), when the member's password changes, and with its member.
-- stamp is the SHA-256 of the member's password hash when the link was
-- made: a password changed since, by any means, voids the link.
-- requested_by is '' when the member asked, else the admin's member id.
CREATE TABLE password_resets (
    token_hash   TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    member_id    TEXT NOT NULL,
    stamp        TEXT NOT NULL,
    requested_by TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    CHECK (created_at < expires_at),
    FOREIGN KEY (tenant_id, member_id) REFERENCES members (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX password_resets_member ON password_resets (member_id);
CREATE INDEX password_resets_expires ON password_resets (expires_at);
