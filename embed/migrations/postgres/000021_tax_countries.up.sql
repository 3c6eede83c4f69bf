-- VAT by country: where a third party is established (ISO 3166-1 alpha-2,
-- '' when unknown) and its intra-EU VAT number (vat_id, compact, '' when
-- none; tax_id stays for other national numbers), and the VAT regime each
-- commercial document was computed under (domestic, intra_eu_reverse_charge,
-- export): its legal mention is derived from it.
ALTER TABLE thirdparties
    ADD COLUMN country VARCHAR(2) NOT NULL DEFAULT '',
    ADD COLUMN vat_id VARCHAR(64) NOT NULL DEFAULT '';
ALTER TABLE commercial_documents
    ADD COLUMN vat_regime VARCHAR(32) NOT NULL DEFAULT 'domestic';
