ALTER TABLE payments DROP COLUMN exchange_difference;
ALTER TABLE payments DROP COLUMN currency_rate;
ALTER TABLE commercial_documents DROP COLUMN total_gross_company;
ALTER TABLE commercial_documents DROP COLUMN total_vat_company;
ALTER TABLE commercial_documents DROP COLUMN total_net_company;
ALTER TABLE commercial_documents DROP COLUMN currency_rate;
ALTER TABLE commercial_documents DROP COLUMN company_currency;
DROP TABLE currency_rates;
