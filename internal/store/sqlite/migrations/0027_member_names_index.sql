-- +goose Up
-- A tenant's member names in id order (issue 18): a name search that reads
-- the tenant's members (a part too common for the trigram index, or one
-- of one or two characters) reads this index, which holds the name and the
-- status, and reads from the table only the members of the page. Reading
-- the table itself in id order cost a row lookup per member.
CREATE INDEX members_tenant_names ON members (tenant_id, id, status, display_name);
