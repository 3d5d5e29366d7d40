-- +goose Up
-- PostgreSQL's migration 0029 lets an invoice wait for its number until
-- its transaction has committed (issue 14/18). SQLite numbers invoices as
-- they are created (its one writer holds nobody up): nothing changes here.
SELECT 1;
