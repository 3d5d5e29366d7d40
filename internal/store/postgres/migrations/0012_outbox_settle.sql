-- +goose Up
-- The outbox starts the job that charges the card for an invoice (or
-- refunds a credit note) a member change issued, right after it commits:
-- licenses that follow the members are billed in the member's
-- transaction.
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check CHECK (kind IN ('mail', 'webhook', 'domain_change', 'billing_settle'));
