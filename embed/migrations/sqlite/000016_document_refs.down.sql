DROP INDEX ix_commercial_documents_contact;
ALTER TABLE commercial_documents DROP COLUMN contact_id;
ALTER TABLE commercial_documents DROP COLUMN customer_ref;
