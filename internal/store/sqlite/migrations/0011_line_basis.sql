-- +goose Up
-- Every line keeps the basis of its amount (issue 14, seed 002): the
-- catalog's monthly price, the days billed and the days of the period it
-- was prorated over, so that invoices, PDFs and screens can show a buyer
-- how to recompute it. Lines issued before keep 0: no basis is shown for
-- them (it cannot be recovered exactly from an edited catalog).
ALTER TABLE invoice_lines ADD COLUMN unit_per_month INTEGER NOT NULL DEFAULT 0 CHECK (unit_per_month >= 0);
ALTER TABLE invoice_lines ADD COLUMN days INTEGER NOT NULL DEFAULT 0 CHECK (days >= 0);
ALTER TABLE invoice_lines ADD COLUMN period_days INTEGER NOT NULL DEFAULT 0 CHECK (period_days >= 0);
ALTER TABLE pending_lines ADD COLUMN unit_per_month INTEGER NOT NULL DEFAULT 0 CHECK (unit_per_month >= 0);
ALTER TABLE pending_lines ADD COLUMN days INTEGER NOT NULL DEFAULT 0 CHECK (days >= 0);
ALTER TABLE pending_lines ADD COLUMN period_days INTEGER NOT NULL DEFAULT 0 CHECK (period_days >= 0);
