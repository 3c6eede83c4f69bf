DROP INDEX ix_commercial_documents_contact;
ALTER TABLE commercial_documents DROP COLUMN contact_id, DROP COLUMN customer_ref;
