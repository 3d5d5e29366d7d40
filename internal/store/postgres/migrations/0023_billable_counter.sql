-- +goose Up
-- A tenant's billable members (invited, active, suspended: SPEC §2) as a
-- counter on its row, kept by statement-level triggers in the transaction
-- of every change (one UPDATE per statement and tenant, however many rows
-- an import inserts), so a member change no longer counts the tenant's
-- members (issue 18): the cost of a change stays the same in a tenant of
-- any size.
ALTER TABLE tenants ADD COLUMN billable_members INTEGER NOT NULL DEFAULT 0;
UPDATE tenants t SET billable_members = (SELECT COUNT(*) FROM members m
    WHERE m.tenant_id = t.id AND m.status IN ('invited', 'active', 'suspended'));

-- +goose StatementBegin
CREATE FUNCTION members_billable_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE tenants t SET billable_members = t.billable_members + d.n
        FROM (SELECT tenant_id, COUNT(*) AS n FROM new_rows WHERE status IN ('invited', 'active', 'suspended') GROUP BY tenant_id) d
        WHERE t.id = d.tenant_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE tenants t SET billable_members = t.billable_members - d.n
        FROM (SELECT tenant_id, COUNT(*) AS n FROM old_rows WHERE status IN ('invited', 'active', 'suspended') GROUP BY tenant_id) d
        WHERE t.id = d.tenant_id;
    ELSE
        UPDATE tenants t SET billable_members = t.billable_members + d.n
        FROM (SELECT n.tenant_id, SUM(CASE WHEN n.status IN ('invited', 'active', 'suspended') THEN 1 ELSE 0 END
                                    - CASE WHEN o.status IN ('invited', 'active', 'suspended') THEN 1 ELSE 0 END) AS n
              FROM new_rows n JOIN old_rows o ON o.id = n.id
              WHERE (n.status IN ('invited', 'active', 'suspended')) <> (o.status IN ('invited', 'active', 'suspended'))
              GROUP BY n.tenant_id) d
        WHERE t.id = d.tenant_id AND d.n <> 0;
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER members_billable_insert AFTER INSERT ON members
REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION members_billable_count();
CREATE TRIGGER members_billable_update AFTER UPDATE ON members
REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION members_billable_count();
CREATE TRIGGER members_billable_delete AFTER DELETE ON members
REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION members_billable_count();
