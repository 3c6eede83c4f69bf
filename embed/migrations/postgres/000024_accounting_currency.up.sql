-- The amount of an entry in the foreign currency it comes from (a document,
-- payment or bank account in another currency than the company's), before
-- conversion, unsigned on the entry's side like debit and credit, and that
-- currency (ISO 4217): the FEC's Montantdevise and Idevise. Both NULL on an
-- entry in the company currency (docs/accounting.md).
ALTER TABLE accounting_entries
    ADD COLUMN amount_currency NUMERIC(24,6) NULL,
    ADD COLUMN currency        CHAR(3)       NULL;
