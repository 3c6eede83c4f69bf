ALTER TABLE accounting_entries DROP COLUMN currency, DROP COLUMN amount_currency;
