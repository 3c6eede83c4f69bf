-- See the PostgreSQL migration.
ALTER TABLE commercial_documents ADD COLUMN customer_ref VARCHAR(128) NOT NULL DEFAULT '';
ALTER TABLE commercial_documents ADD COLUMN contact_id BIGINT NULL REFERENCES contacts (id) ON DELETE SET NULL;
CREATE INDEX ix_commercial_documents_contact ON commercial_documents (contact_id);
