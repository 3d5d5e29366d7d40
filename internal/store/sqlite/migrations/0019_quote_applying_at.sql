-- +goose Up
-- When a quote's payment began: an apply a crash cut off between charging
-- the card and recording the change is finished by the next resumption a
-- minute later, not only once the quote expires (docs/NOTES.md).
ALTER TABLE quotes ADD COLUMN applying_at TEXT;
