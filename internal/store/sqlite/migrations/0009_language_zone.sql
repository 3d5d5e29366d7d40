-- +goose Up
-- A tenant's time zone (issue 13): an IANA name, in which the console, the
-- mails and the CSV exports show the tenant's times. Billing keeps its own
-- calendar (JST). A member's language: '' follows the tenant's language.
ALTER TABLE tenants ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Asia/Tokyo';
ALTER TABLE members ADD COLUMN language TEXT NOT NULL DEFAULT '' CHECK (language IN ('', 'ja', 'en'));

