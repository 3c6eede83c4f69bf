ALTER TABLE commercial_documents DROP COLUMN vat_regime;
ALTER TABLE thirdparties DROP COLUMN vat_id;
ALTER TABLE thirdparties DROP COLUMN country;
