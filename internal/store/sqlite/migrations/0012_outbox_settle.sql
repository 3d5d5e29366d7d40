-- +goose Up
-- The outbox starts the job that charges the card for an invoice (or
-- refunds a credit note) a member change issued, right after it commits:
-- licenses that follow the members are billed in the member's
-- transaction. SQLite cannot change a CHECK constraint in place, so the
-- (usually empty) table is rebuilt.
CREATE TABLE outbox_new (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('mail', 'webhook', 'domain_change', 'billing_settle')),
    ref_id     TEXT NOT NULL,
    created_at TEXT NOT NULL
);
INSERT INTO outbox_new (id, kind, ref_id, created_at) SELECT id, kind, ref_id, created_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_created ON outbox (created_at, id);
