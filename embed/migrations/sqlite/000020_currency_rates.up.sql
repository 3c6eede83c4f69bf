-- See the PostgreSQL migration. Decimals are exact TEXT.
CREATE TABLE currency_rates (
    id         INTEGER  PRIMARY KEY AUTOINCREMENT,
    currency   CHAR(3)  NOT NULL,
    rate_date  DATE     NOT NULL,
    rate       TEXT     NOT NULL,
    created_by INTEGER  NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL
);
CREATE UNIQUE INDEX ux_currency_rates_day ON currency_rates (currency, rate_date);
ALTER TABLE commercial_documents ADD COLUMN company_currency VARCHAR(3) NOT NULL DEFAULT '';
ALTER TABLE commercial_documents ADD COLUMN currency_rate TEXT NULL;
ALTER TABLE commercial_documents ADD COLUMN total_net_company TEXT NULL;
ALTER TABLE commercial_documents ADD COLUMN total_vat_company TEXT NULL;
ALTER TABLE commercial_documents ADD COLUMN total_gross_company TEXT NULL;
ALTER TABLE payments ADD COLUMN currency_rate TEXT NULL;
ALTER TABLE payments ADD COLUMN exchange_difference TEXT NULL;
