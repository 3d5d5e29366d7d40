-- +goose Up
-- Member name search (`LOWER(display_name) LIKE '%…%'`) by trigram index
-- (issue 18): a partial name of three characters or more, Japanese or
-- Latin, is found without reading the tenant's every member. pg_trgm is
-- in PostgreSQL's contrib and trusted (a database owner may create it);
-- where it cannot be created the search still works, by a scan.
-- +goose StatementBegin
DO $$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
EXCEPTION WHEN insufficient_privilege OR undefined_file OR unique_violation OR feature_not_supported THEN
    RAISE NOTICE 'pg_trgm is not available (%): member name search reads every member of a tenant', SQLERRM;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
DO $$
DECLARE
    ext_schema text;
BEGIN
    SELECT extnamespace::regnamespace::text INTO ext_schema FROM pg_extension WHERE extname = 'pg_trgm';
    IF ext_schema IS NOT NULL THEN
        EXECUTE format('CREATE INDEX members_name_trgm ON members USING gin (lower(display_name) %s.gin_trgm_ops)', ext_schema);
    END IF;
END $$;
-- +goose StatementEnd
