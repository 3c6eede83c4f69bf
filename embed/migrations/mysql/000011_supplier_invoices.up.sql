-- See the PostgreSQL migration.
ALTER TABLE commercial_documents
    ADD COLUMN supplier_ref VARCHAR(128) NOT NULL DEFAULT '',
    ADD COLUMN supplier_ref_key VARCHAR(128) NULL;
CREATE UNIQUE INDEX ux_commercial_documents_supplier_ref ON commercial_documents (thirdparty_id, doc_type, supplier_ref_key);
