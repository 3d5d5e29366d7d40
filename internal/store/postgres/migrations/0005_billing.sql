-- +goose Up
-- Billing (SPEC §3, §4, §8). Days are civil dates in the billing zone,
-- of type date; a period is [start, end).

-- A tenant's contract. No row: the free plan.
CREATE TABLE subscriptions (
    tenant_id     TEXT PRIMARY KEY REFERENCES tenants (id),
    plan          TEXT NOT NULL,
    contract      TEXT NOT NULL CHECK (contract IN ('monthly', 'annual', 'annual_monthly')),
    licenses      INTEGER NOT NULL CHECK (licenses >= 0),
    mail_domain   TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('active', 'past_due', 'canceled')),
    channel       TEXT NOT NULL CHECK (channel IN ('direct', 'partner')),
    period_start  DATE NOT NULL,
    period_end    DATE NOT NULL,
    segment_start DATE NOT NULL,
    paid_through  DATE,
    next_plan     TEXT,
    next_contract TEXT,
    next_licenses INTEGER,
    cancel_at     DATE,
    version       BIGINT NOT NULL CHECK (version > 0),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    CHECK (period_start < period_end),
    CHECK ((next_plan IS NULL) = (next_contract IS NULL))
);
CREATE INDEX subscriptions_due ON subscriptions (period_end);

-- A priced change; body holds its lines and terms as JSON.
CREATE TABLE quotes (
    id         TEXT PRIMARY KEY,
    tenant_id  TEXT NOT NULL REFERENCES tenants (id),
    status     TEXT NOT NULL CHECK (status IN ('open', 'applying', 'applied', 'declined')),
    invoice_id TEXT,
    body       TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX quotes_tenant ON quotes (tenant_id, created_at);
-- A quote whose card is being charged makes the tenant's other quotes wait.
CREATE INDEX quotes_applying ON quotes (tenant_id) WHERE status = 'applying';

-- Gapless invoice numbers: one counter row per issuer, bumped in the
-- invoice's transaction (a sequence would leave gaps on rollback).
CREATE TABLE invoice_counters (
    issuer TEXT PRIMARY KEY,
    last   BIGINT NOT NULL
);

-- Invoices and credit notes are kept 7 years, even after the tenant's data
-- is purged: no cascade from tenants.
CREATE TABLE invoices (
    id                  TEXT PRIMARY KEY,
    tenant_id           TEXT NOT NULL REFERENCES tenants (id),
    number              TEXT NOT NULL UNIQUE,
    kind                TEXT NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    original_id         TEXT REFERENCES invoices (id),
    period              TEXT NOT NULL,
    reason              TEXT NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('open', 'paid', 'issued', 'refunded', 'credited')),
    currency            TEXT NOT NULL,
    subtotal            BIGINT NOT NULL,
    taxes               TEXT NOT NULL,
    tax                 BIGINT NOT NULL,
    total               BIGINT NOT NULL,
    issuer_name         TEXT NOT NULL,
    issuer_registration TEXT NOT NULL,
    recipient_name      TEXT NOT NULL,
    recipient_email     TEXT NOT NULL,
    payment_kind        TEXT NOT NULL,
    charge_id           TEXT NOT NULL,
    bank_details        TEXT NOT NULL,
    due_at              DATE,
    attempts            INTEGER NOT NULL,
    next_attempt_at     TIMESTAMPTZ,
    issued_at           TIMESTAMPTZ NOT NULL,
    paid_at             TIMESTAMPTZ,
    -- A retried or concurrent billing run can never bill twice (SPEC §8).
    UNIQUE (tenant_id, period, reason),
    CHECK ((kind = 'credit_note') = (original_id IS NOT NULL))
);
CREATE INDEX invoices_tenant ON invoices (tenant_id, issued_at);
CREATE INDEX invoices_issued ON invoices (issued_at);
-- Quotes check for an overdue invoice: only open ones are read.
CREATE INDEX invoices_open ON invoices (tenant_id, due_at) WHERE status = 'open';
CREATE INDEX invoices_retry ON invoices (next_attempt_at) WHERE status = 'open' AND next_attempt_at IS NOT NULL;

CREATE TABLE invoice_lines (
    invoice_id   TEXT NOT NULL REFERENCES invoices (id),
    n            INTEGER NOT NULL,
    description  TEXT NOT NULL,
    period_start DATE NOT NULL,
    period_end   DATE NOT NULL,
    quantity     BIGINT NOT NULL,
    unit_amount  BIGINT NOT NULL,
    amount       BIGINT NOT NULL,
    tax_percent  BIGINT NOT NULL,
    PRIMARY KEY (invoice_id, n)
);

-- Issued invoices are immutable: only their payment may change.
-- +goose StatementBegin
CREATE FUNCTION invoices_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (NEW.number, NEW.kind, NEW.period, NEW.reason, NEW.currency, NEW.subtotal, NEW.taxes, NEW.tax, NEW.total,
        NEW.issuer_name, NEW.issuer_registration, NEW.recipient_name, NEW.issued_at, NEW.tenant_id)
        IS DISTINCT FROM (OLD.number, OLD.kind, OLD.period, OLD.reason, OLD.currency, OLD.subtotal, OLD.taxes, OLD.tax, OLD.total,
        OLD.issuer_name, OLD.issuer_registration, OLD.recipient_name, OLD.issued_at, OLD.tenant_id) THEN
        RAISE EXCEPTION 'issued invoices are immutable: issue a credit note';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION invoice_lines_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'issued invoices are immutable: issue a credit note';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER invoices_immutable BEFORE UPDATE ON invoices FOR EACH ROW EXECUTE FUNCTION invoices_immutable();
CREATE TRIGGER invoice_lines_immutable BEFORE UPDATE OR DELETE ON invoice_lines FOR EACH ROW EXECUTE FUNCTION invoice_lines_immutable();

-- Lines waiting for the tenant's next regular invoice.
CREATE TABLE pending_lines (
    tenant_id    TEXT NOT NULL REFERENCES tenants (id),
    n            INTEGER NOT NULL,
    description  TEXT NOT NULL,
    period_start DATE NOT NULL,
    period_end   DATE NOT NULL,
    quantity     BIGINT NOT NULL,
    unit_amount  BIGINT NOT NULL,
    amount       BIGINT NOT NULL,
    tax_percent  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, n)
);

-- Cards are a provider's token and what people recognise them by; never the number.
CREATE TABLE payment_methods (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants (id),
    kind        TEXT NOT NULL CHECK (kind IN ('card', 'invoice')),
    status      TEXT NOT NULL CHECK (status IN ('active', 'pending')),
    is_default  BOOLEAN NOT NULL,
    token       TEXT NOT NULL,
    brand       TEXT NOT NULL,
    last4       TEXT NOT NULL,
    exp_month   INTEGER NOT NULL,
    exp_year    INTEGER NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    approved_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX payment_methods_one_default ON payment_methods (tenant_id) WHERE is_default;
CREATE UNIQUE INDEX payment_methods_one_invoice ON payment_methods (tenant_id) WHERE kind = 'invoice';

-- A canceled tenant's retention: its data goes after purge_after.
CREATE TABLE closures (
    tenant_id   TEXT PRIMARY KEY REFERENCES tenants (id),
    closed_at   TIMESTAMPTZ NOT NULL,
    purge_after TIMESTAMPTZ NOT NULL,
    purged_at   TIMESTAMPTZ
);
