-- +goose Up
-- The operator console (SPEC §11): an operator can be disabled, after
-- which it neither signs in nor keeps a session; and the mailbox is
-- searched by tenant, newest first.
ALTER TABLE operators ADD COLUMN disabled_at TIMESTAMPTZ;
CREATE INDEX mails_tenant ON mails (tenant_id, id);
