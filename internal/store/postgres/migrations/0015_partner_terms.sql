-- +goose Up
-- The terms of a partner's customer from each day they changed: the
-- wholesale statement bills each span of a month on the terms of that span.
CREATE TABLE partner_terms (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    day       DATE NOT NULL,
    plan      TEXT NOT NULL,
    contract  TEXT NOT NULL CHECK (contract IN ('monthly', 'annual', 'annual_monthly')),
    licenses  INTEGER NOT NULL CHECK (licenses >= 0),
    PRIMARY KEY (tenant_id, day)
);
