-- See the PostgreSQL migration.
ALTER TABLE commercial_documents DROP CONSTRAINT ck_commercial_documents_type;
ALTER TABLE commercial_documents
    MODIFY doc_type VARCHAR(24) NOT NULL,
    MODIFY status VARCHAR(24) NOT NULL,
    ADD CONSTRAINT ck_commercial_documents_type CHECK (doc_type IN ('proposal', 'order', 'invoice', 'credit_note', 'down_payment', 'purchase_order', 'supplier_invoice', 'supplier_credit_note'));
ALTER TABLE documents DROP CONSTRAINT ck_documents_owner_type;
ALTER TABLE documents
    MODIFY owner_type VARCHAR(24) NOT NULL,
    ADD CONSTRAINT ck_documents_owner_type CHECK (owner_type IN ('proposal', 'order', 'invoice', 'credit_note', 'down_payment', 'purchase_order', 'supplier_invoice', 'supplier_credit_note'));

ALTER TABLE commercial_document_lines ADD COLUMN qty_received DECIMAL(20,6) NOT NULL DEFAULT 0;
ALTER TABLE products ADD COLUMN min_stock DECIMAL(20,6) NULL, ADD COLUMN desired_stock DECIMAL(20,6) NULL;
