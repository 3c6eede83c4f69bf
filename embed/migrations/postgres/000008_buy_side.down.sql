ALTER TABLE products DROP COLUMN desired_stock, DROP COLUMN min_stock;
ALTER TABLE commercial_document_lines DROP COLUMN qty_received;
ALTER TABLE documents
    DROP CONSTRAINT ck_documents_owner_type,
    ADD CONSTRAINT ck_documents_owner_type CHECK (owner_type IN ('proposal', 'order', 'invoice', 'credit_note')),
    ALTER COLUMN owner_type TYPE VARCHAR(16);
ALTER TABLE commercial_documents
    DROP CONSTRAINT ck_commercial_documents_type,
    ADD CONSTRAINT ck_commercial_documents_type CHECK (doc_type IN ('proposal', 'order', 'invoice', 'credit_note')),
    ALTER COLUMN doc_type TYPE VARCHAR(16),
    ALTER COLUMN status TYPE VARCHAR(16);
