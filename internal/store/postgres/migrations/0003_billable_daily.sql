-- +goose Up
-- Billable members per tenant and UTC day (SPEC §3, §9): the highest count
-- of the day, which monthly billing charges for, and the count at the day's
-- last change, which carries over to the days without a change. A row is
-- written in the transaction of each change that can move the count.
CREATE TABLE billable_daily (
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    day        DATE NOT NULL,
    max_count  INTEGER NOT NULL CHECK (max_count >= 0),
    last_count INTEGER NOT NULL CHECK (last_count >= 0 AND last_count <= max_count),
    PRIMARY KEY (tenant_id, day)
);
