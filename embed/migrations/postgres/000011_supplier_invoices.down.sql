DROP INDEX ux_commercial_documents_supplier_ref;
ALTER TABLE commercial_documents DROP COLUMN supplier_ref_key, DROP COLUMN supplier_ref;
