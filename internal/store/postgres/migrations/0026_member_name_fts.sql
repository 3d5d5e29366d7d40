-- +goose Up
-- SQLite indexes member names by trigram here (issue 18); PostgreSQL's
-- name index is 0024's pg_trgm GIN index. The search by the start of a
-- login id (`login_local LIKE 'abc%'`) needs an index in pattern order:
-- a database whose collation is not "C" orders text otherwise.
CREATE INDEX members_login_prefix ON members (tenant_id, login_local text_pattern_ops) WHERE status <> 'deleted';
