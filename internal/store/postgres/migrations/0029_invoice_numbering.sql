-- +goose Up
-- Invoices are numbered after their transaction commits (issue 14/18): an
-- invoice is inserted without a number, and one short transaction numbers
-- every committed one of its issuer in order (SPEC §8: no gaps), so the
-- issuer's counter row is held for a batch's numbering only, not for each
-- change's whole transaction.
ALTER TABLE invoices ALTER COLUMN number DROP NOT NULL;
-- The invoices waiting for their number, in the order they are numbered.
CREATE INDEX invoices_unnumbered ON invoices (issuer_registration, issued_at, id) WHERE number IS NULL;

-- Issued invoices are immutable: only their payment may change, and the
-- number is given once.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION invoices_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (OLD.number IS NOT NULL AND NEW.number IS DISTINCT FROM OLD.number)
        OR (NEW.kind, NEW.period, NEW.reason, NEW.currency, NEW.subtotal, NEW.taxes, NEW.tax, NEW.total,
        NEW.issuer_name, NEW.issuer_registration, NEW.recipient_name, NEW.issued_at, NEW.tenant_id)
        IS DISTINCT FROM (OLD.kind, OLD.period, OLD.reason, OLD.currency, OLD.subtotal, OLD.taxes, OLD.tax, OLD.total,
        OLD.issuer_name, OLD.issuer_registration, OLD.recipient_name, OLD.issued_at, OLD.tenant_id) THEN
        RAISE EXCEPTION 'issued invoices are immutable: issue a credit note';
    END IF;
    RETURN NEW;
END;
$$;
-- +goose StatementEnd
