-- See the PostgreSQL migration. Without the foreign key here: SQLite cannot
-- drop a column a foreign key names (the down migration could not run), and
-- the column only ever names validated down payments, which cannot be
-- deleted anyway.
ALTER TABLE commercial_document_lines ADD COLUMN down_payment_id INTEGER NULL;
CREATE INDEX ix_commercial_document_lines_down_payment ON commercial_document_lines (down_payment_id);
