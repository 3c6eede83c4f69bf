-- Supplier invoices and credit notes carry the supplier's own number
-- (supplier_ref, editable on drafts) and, from their validation on, the same
-- value in supplier_ref_key: the unique index below lets one validated
-- document per (supplier, type) hold a number, so two validations racing
-- with the same one cannot both commit. Drafts and every other document
-- keep supplier_ref_key NULL, which never collides.
ALTER TABLE commercial_documents
    ADD COLUMN supplier_ref VARCHAR(128) NOT NULL DEFAULT '',
    ADD COLUMN supplier_ref_key VARCHAR(128) NULL;
CREATE UNIQUE INDEX ux_commercial_documents_supplier_ref ON commercial_documents (thirdparty_id, doc_type, supplier_ref_key);
