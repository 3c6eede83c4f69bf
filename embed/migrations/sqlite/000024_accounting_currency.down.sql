ALTER TABLE accounting_entries DROP COLUMN currency;
ALTER TABLE accounting_entries DROP COLUMN amount_currency;
