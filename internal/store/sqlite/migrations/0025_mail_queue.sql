-- +goose Up
-- Mails are their own queue (issue 18): a delivery worker claims a batch of
-- due mails and sends them over one SMTP connection; no job per mail. A
-- mail is due while pending, past its retry time (due_at; NULL: at once)
-- and not claimed by a worker (claimed_until passed: its worker died).
-- Bulk mails (a primary-domain change, an import) come after the others.
-- Both times are the real clock's, never the test clock's.
ALTER TABLE mails ADD COLUMN bulk BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE mails ADD COLUMN due_at TEXT;
ALTER TABLE mails ADD COLUMN claimed_until TEXT;
CREATE INDEX mails_queue ON mails (bulk, id) WHERE status = 'pending';
-- Mails waiting in the outbox are pending in mails: the workers find them there.
DELETE FROM outbox WHERE kind = 'mail';
