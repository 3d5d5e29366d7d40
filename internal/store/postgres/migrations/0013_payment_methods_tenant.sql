-- +goose Up
-- Every quote and apply lists the tenant's payment methods (the default
-- card): without an index on the tenant that read scanned every tenant's
-- methods, 51% of a license change's time with 10,000 tenants
-- (docs/PERFORMANCE.md). The partial unique indexes of 0005 cover only
-- the default and the invoice method.
CREATE INDEX payment_methods_tenant ON payment_methods (tenant_id, id);
