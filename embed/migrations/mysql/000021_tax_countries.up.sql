-- See the PostgreSQL migration.
ALTER TABLE thirdparties
    ADD COLUMN country VARCHAR(2) NOT NULL DEFAULT '',
    ADD COLUMN vat_id VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE commercial_documents
    ADD COLUMN vat_regime VARCHAR(32) NOT NULL DEFAULT 'domestic';
