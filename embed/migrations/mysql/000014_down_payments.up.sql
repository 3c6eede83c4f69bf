-- See the PostgreSQL migration. The index is created first so that the
-- foreign key uses it rather than one of its own.
ALTER TABLE commercial_document_lines ADD COLUMN down_payment_id BIGINT NULL;
CREATE INDEX ix_commercial_document_lines_down_payment ON commercial_document_lines (down_payment_id);
ALTER TABLE commercial_document_lines
    ADD CONSTRAINT fk_commercial_document_lines_down_payment FOREIGN KEY (down_payment_id) REFERENCES commercial_documents (id) ON DELETE RESTRICT;
