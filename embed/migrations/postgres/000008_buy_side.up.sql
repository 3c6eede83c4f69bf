-- The buy side (purchase orders, supplier invoices and credit notes) and down
-- payments share commercial_documents with the sales documents, and their
-- PDFs the documents archive: the type and status columns widen
-- (supplier_credit_note, partially_received) and the type checks admit them.
ALTER TABLE commercial_documents
    ALTER COLUMN doc_type TYPE VARCHAR(24),
    ALTER COLUMN status TYPE VARCHAR(24),
    DROP CONSTRAINT ck_commercial_documents_type,
    ADD CONSTRAINT ck_commercial_documents_type CHECK (doc_type IN ('proposal', 'order', 'invoice', 'credit_note', 'down_payment', 'purchase_order', 'supplier_invoice', 'supplier_credit_note'));
ALTER TABLE documents
    ALTER COLUMN owner_type TYPE VARCHAR(24),
    DROP CONSTRAINT ck_documents_owner_type,
    ADD CONSTRAINT ck_documents_owner_type CHECK (owner_type IN ('proposal', 'order', 'invoice', 'credit_note', 'down_payment', 'purchase_order', 'supplier_invoice', 'supplier_credit_note'));

-- What the buy side adds to existing tables: the quantity received of each
-- purchase order line, and each product's replenishment thresholds.
ALTER TABLE commercial_document_lines ADD COLUMN qty_received NUMERIC(20,6) NOT NULL DEFAULT 0;
ALTER TABLE products ADD COLUMN min_stock NUMERIC(20,6) NULL, ADD COLUMN desired_stock NUMERIC(20,6) NULL;
