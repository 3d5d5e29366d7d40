-- +goose Up
-- SQLite reads member names from an index here (issue 18); PostgreSQL's
-- planner has the trigram index of 0024.
SELECT 1;
