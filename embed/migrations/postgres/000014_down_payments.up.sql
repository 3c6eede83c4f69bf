-- Down payments: a down-payment invoice is a commercial document of type
-- down_payment (admitted since migration 8) made from an order (source_id).
-- The order's final invoice deducts each validated down payment with
-- negative lines that name it in down_payment_id: that is how a down payment
-- is known to be deducted already (once per invoice not credited in full),
-- and the index serves that look-up.
ALTER TABLE commercial_document_lines
    ADD COLUMN down_payment_id BIGINT NULL REFERENCES commercial_documents (id) ON DELETE RESTRICT;
CREATE INDEX ix_commercial_document_lines_down_payment ON commercial_document_lines (down_payment_id);
