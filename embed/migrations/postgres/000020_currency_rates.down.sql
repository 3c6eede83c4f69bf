ALTER TABLE payments DROP COLUMN exchange_difference, DROP COLUMN currency_rate;
ALTER TABLE commercial_documents
    DROP COLUMN total_gross_company, DROP COLUMN total_vat_company, DROP COLUMN total_net_company,
    DROP COLUMN currency_rate, DROP COLUMN company_currency;
DROP TABLE currency_rates;
