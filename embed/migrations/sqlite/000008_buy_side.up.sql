-- See the PostgreSQL migration for why the types change.
-- SQLite cannot alter a CHECK constraint, and rebuilding the tables would
-- need foreign keys off, which a migration's transaction cannot do. SQLite's
-- documented alternative for loosening a constraint is used instead: edit
-- the tables' definitions in sqlite_master (every existing row satisfies the
-- new check), reload the schema, and change the schema cookie (the CREATE
-- and DROP below) so that every open connection reads the new definitions.
-- SQLite does not enforce VARCHAR lengths: only the checks change.
PRAGMA writable_schema = ON;
UPDATE sqlite_master
   SET sql = replace(sql, 'CHECK (doc_type IN (''proposal'', ''order'', ''invoice'', ''credit_note''))', 'CHECK (doc_type IN (''proposal'', ''order'', ''invoice'', ''credit_note'', ''down_payment'', ''purchase_order'', ''supplier_invoice'', ''supplier_credit_note''))')
 WHERE type = 'table' AND name = 'commercial_documents';
UPDATE sqlite_master
   SET sql = replace(sql, 'CHECK (owner_type IN (''proposal'', ''order'', ''invoice'', ''credit_note''))', 'CHECK (owner_type IN (''proposal'', ''order'', ''invoice'', ''credit_note'', ''down_payment'', ''purchase_order'', ''supplier_invoice'', ''supplier_credit_note''))')
 WHERE type = 'table' AND name = 'documents';
PRAGMA writable_schema = RESET;
CREATE TABLE schema_cookie_bump (x INTEGER);
DROP TABLE schema_cookie_bump;

ALTER TABLE commercial_document_lines ADD COLUMN qty_received TEXT NOT NULL DEFAULT '0';
ALTER TABLE products ADD COLUMN min_stock TEXT NULL;
ALTER TABLE products ADD COLUMN desired_stock TEXT NULL;
