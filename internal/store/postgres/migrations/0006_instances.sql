-- +goose Up
-- Running Kanri processes. Each renews its lease while it lives; a process
-- whose lease has lapsed is dead, and what it held is void: its claims on
-- Idempotency-Keys, and the River jobs it left running (River's client id is
-- the instance id).
CREATE TABLE instances (
    id          TEXT PRIMARY KEY,
    started_at  TIMESTAMPTZ NOT NULL,
    lease_until TIMESTAMPTZ NOT NULL
);

-- The instance whose request holds a running key (status 0). Keys claimed
-- before this migration have none, so a retry may take them over.
ALTER TABLE idempotency_keys ADD COLUMN instance_id TEXT NOT NULL DEFAULT '';
