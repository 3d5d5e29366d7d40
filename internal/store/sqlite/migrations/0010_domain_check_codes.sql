-- +goose Up
-- What a domain's last check found is a code of the message catalog and
-- its parameters (JSON), so that each reader reads it in their own
-- language; last_check held English words only.
ALTER TABLE domains ADD COLUMN last_check_code TEXT NOT NULL DEFAULT '';
ALTER TABLE domains ADD COLUMN last_check_params TEXT NOT NULL DEFAULT '{}';
-- A proven domain's last check found its record.
UPDATE domains SET last_check_code = 'domain.check_verified',
    last_check_params = json_object('domain', name, 'record', upper(method))
    WHERE last_check <> '' AND method <> '';
-- An expired domain's last check found its deadline passed.
UPDATE domains SET last_check_code = 'domain.check_expired', last_check_params = json_object('domain', name)
    WHERE status = 'expired';
-- The words of a pending domain's last check cannot be read back into a
-- code: it is due again at once (the background check takes the domains
-- checked longest ago first), and says what it finds in the reader's
-- language then.
UPDATE domains SET last_check_at = NULL WHERE status = 'pending';
ALTER TABLE domains DROP COLUMN last_check;
