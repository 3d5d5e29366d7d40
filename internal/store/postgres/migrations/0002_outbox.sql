-- +goose Up
-- Mails: rendered when the change that causes them commits, delivered by a
-- background job. The operator's mailbox lists them all.
CREATE TABLE mails (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT,
    to_addr    TEXT NOT NULL,
    to_name    TEXT NOT NULL DEFAULT '',
    language   TEXT NOT NULL,
    template   TEXT NOT NULL,
    subject    TEXT NOT NULL,
    text_body  TEXT NOT NULL,
    html_body  TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'kept', 'failed')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMPTZ NOT NULL,
    sent_at    TIMESTAMPTZ
);
CREATE INDEX mails_created ON mails (created_at, id);

-- Webhook endpoints of the vendor's product, registered by operators.
CREATE TABLE webhook_endpoints (
    id             TEXT PRIMARY KEY,
    url            TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    event_types    TEXT NOT NULL,
    secrets        TEXT NOT NULL,
    disabled_at    TIMESTAMPTZ,
    disabled_cause TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL
);

-- One delivery per event and endpoint; its id is the event's webhook-id
-- together with the endpoint, so a retry carries the same webhook-id.
CREATE TABLE webhook_deliveries (
    id           TEXT PRIMARY KEY,
    endpoint_id  TEXT NOT NULL REFERENCES webhook_endpoints (id),
    event_id     TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    tenant_id    TEXT,
    payload      TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'canceled')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_status  INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    delivered_at TIMESTAMPTZ,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at, id);

-- The transactional outbox: a row per job to start, written in the
-- transaction of the change; a relay moves rows into River's queue.
CREATE TABLE outbox (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('mail', 'webhook')),
    ref_id     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX outbox_created ON outbox (created_at, id);
