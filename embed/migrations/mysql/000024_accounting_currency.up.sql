-- See the PostgreSQL migration.
ALTER TABLE accounting_entries
    ADD COLUMN amount_currency DECIMAL(24,6) NULL,
    ADD COLUMN currency        CHAR(3)       NULL;
