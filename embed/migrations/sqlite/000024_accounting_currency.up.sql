-- See the PostgreSQL migration. Decimals are exact TEXT.
ALTER TABLE accounting_entries ADD COLUMN amount_currency TEXT NULL;
ALTER TABLE accounting_entries ADD COLUMN currency CHAR(3) NULL;
