-- +goose Up
-- A partner user added without a password is invited by mail: only a
-- SHA-256 of the invitation token is kept, until it is accepted.
ALTER TABLE partner_users ADD COLUMN invitation_hash TEXT;
ALTER TABLE partner_users ADD COLUMN invitation_expires_at TIMESTAMPTZ;
CREATE UNIQUE INDEX partner_users_invitation ON partner_users (invitation_hash) WHERE invitation_hash IS NOT NULL;
