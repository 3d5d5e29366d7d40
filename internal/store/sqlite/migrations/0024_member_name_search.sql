-- +goose Up
-- PostgreSQL indexes member names by trigram here (issue 18); SQLite's
-- search reads the tenant's members in id order until a page is full.
SELECT 1;
