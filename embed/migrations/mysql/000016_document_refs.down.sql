ALTER TABLE commercial_documents DROP FOREIGN KEY fk_commercial_documents_contact;
DROP INDEX ix_commercial_documents_contact ON commercial_documents;
ALTER TABLE commercial_documents DROP COLUMN contact_id, DROP COLUMN customer_ref;
