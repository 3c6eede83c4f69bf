-- What a customer's accounts payable match a document with: its own
-- reference (customer_ref, free text, '' when none) and the person the
-- document is addressed to (contact_id, one of the third party's contacts,
-- checked by the use case). A contact deleted later leaves the document
-- without one rather than blocking the deletion.
ALTER TABLE commercial_documents
    ADD COLUMN customer_ref VARCHAR(128) NOT NULL DEFAULT '',
    ADD COLUMN contact_id BIGINT NULL REFERENCES contacts (id) ON DELETE SET NULL;
CREATE INDEX ix_commercial_documents_contact ON commercial_documents (contact_id);
