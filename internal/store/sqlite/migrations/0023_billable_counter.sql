-- +goose Up
-- A tenant's billable members (invited, active, suspended: SPEC §2) as a
-- counter on its row, kept by triggers in the transaction of every change,
-- so a member change no longer counts the tenant's members (issue 18):
-- the cost of a change stays the same in a tenant of any size.
ALTER TABLE tenants ADD COLUMN billable_members INTEGER NOT NULL DEFAULT 0;
UPDATE tenants SET billable_members = (SELECT COUNT(*) FROM members m
    WHERE m.tenant_id = tenants.id AND m.status IN ('invited', 'active', 'suspended'));

-- +goose StatementBegin
CREATE TRIGGER members_billable_insert AFTER INSERT ON members
WHEN NEW.status IN ('invited', 'active', 'suspended')
BEGIN
    UPDATE tenants SET billable_members = billable_members + 1 WHERE id = NEW.tenant_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER members_billable_update AFTER UPDATE OF status ON members
WHEN (OLD.status IN ('invited', 'active', 'suspended')) <> (NEW.status IN ('invited', 'active', 'suspended'))
BEGIN
    UPDATE tenants SET billable_members = billable_members
        + CASE WHEN NEW.status IN ('invited', 'active', 'suspended') THEN 1 ELSE -1 END
    WHERE id = NEW.tenant_id;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER members_billable_delete AFTER DELETE ON members
WHEN OLD.status IN ('invited', 'active', 'suspended')
BEGIN
    UPDATE tenants SET billable_members = billable_members - 1 WHERE id = OLD.tenant_id;
END;
-- +goose StatementEnd
