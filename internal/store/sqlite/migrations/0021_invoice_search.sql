-- +goose Up
-- Operators page through every tenant's invoices newest first by keyset on
-- (issued_at, id) (SPEC §8: searchable by date, amount and counterparty):
-- this index orders them with the id that breaks ties, and serves every
-- query the index on issued_at alone served.
CREATE INDEX invoices_issued_id ON invoices (issued_at, id);
DROP INDEX invoices_issued;

-- Every billing run, the periodic job's and those operators start: when,
-- who started it (actor_kind 'system' with no actor_id is the schedule),
-- what it did, and what failed (finished_at stays NULL for a run whose
-- process died). Ids follow the start time, so runs page by id.
CREATE TABLE billing_runs (
    id          TEXT PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    actor_kind  TEXT NOT NULL CHECK (actor_kind IN ('operator', 'system')),
    actor_id    TEXT NOT NULL,
    actor_name  TEXT NOT NULL,
    renewed     INTEGER NOT NULL CHECK (renewed >= 0),
    issued      INTEGER NOT NULL CHECK (issued >= 0),
    charged     INTEGER NOT NULL CHECK (charged >= 0),
    declined    INTEGER NOT NULL CHECK (declined >= 0),
    purged      INTEGER NOT NULL CHECK (purged >= 0),
    failed      INTEGER NOT NULL CHECK (failed >= 0)
);

-- A run's failures (the first 200): the step, the tenant ('' when it is
-- no one tenant's), what failed, the reason people read in ja and en (''
-- for an internal error) and the error as logged. Tenants' data purged
-- later leaves these rows: they are the vendor's records.
CREATE TABLE billing_run_failures (
    run_id    TEXT NOT NULL REFERENCES billing_runs (id),
    n         INTEGER NOT NULL,
    step      TEXT NOT NULL CHECK (step IN ('renew', 'refund', 'charge', 'resume', 'purge', 'read')),
    tenant_id TEXT NOT NULL,
    ref       TEXT NOT NULL,
    reason_ja TEXT NOT NULL,
    reason_en TEXT NOT NULL,
    detail    TEXT NOT NULL,
    PRIMARY KEY (run_id, n)
);
