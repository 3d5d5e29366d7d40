-- +goose Up
-- The instance whose sender claimed a mail (issue 18): when that process
-- dies, its lease lapses within ~30 s and the runners' rescue frees its
-- claims then, instead of a minute after the claim.
ALTER TABLE mails ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
