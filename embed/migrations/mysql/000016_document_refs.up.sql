-- See the PostgreSQL migration.
ALTER TABLE commercial_documents
    ADD COLUMN customer_ref VARCHAR(128) NOT NULL DEFAULT '',
    ADD COLUMN contact_id BIGINT NULL,
    ADD CONSTRAINT fk_commercial_documents_contact FOREIGN KEY (contact_id) REFERENCES contacts (id) ON DELETE SET NULL;
CREATE INDEX ix_commercial_documents_contact ON commercial_documents (contact_id);
