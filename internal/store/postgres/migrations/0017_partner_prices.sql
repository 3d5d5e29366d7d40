-- +goose Up
-- A partner's price list: a monthly wholesale unit price per "plan/contract"
-- (JSON), which replaces the discount on the catalog's price where given.
ALTER TABLE partners ADD COLUMN prices TEXT NOT NULL DEFAULT '{}';
