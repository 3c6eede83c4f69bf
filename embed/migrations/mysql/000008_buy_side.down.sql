ALTER TABLE products DROP COLUMN desired_stock, DROP COLUMN min_stock;
ALTER TABLE commercial_document_lines DROP COLUMN qty_received;
ALTER TABLE documents DROP CONSTRAINT ck_documents_owner_type;
ALTER TABLE documents
    MODIFY owner_type VARCHAR(16) NOT NULL,
    ADD CONSTRAINT ck_documents_owner_type CHECK (owner_type IN ('proposal', 'order', 'invoice', 'credit_note'));
ALTER TABLE commercial_documents DROP CONSTRAINT ck_commercial_documents_type;
ALTER TABLE commercial_documents
    MODIFY doc_type VARCHAR(16) NOT NULL,
    MODIFY status VARCHAR(16) NOT NULL,
    ADD CONSTRAINT ck_commercial_documents_type CHECK (doc_type IN ('proposal', 'order', 'invoice', 'credit_note'));
