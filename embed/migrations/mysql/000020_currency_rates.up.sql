-- See the PostgreSQL migration.
CREATE TABLE currency_rates (
    id         BIGINT         NOT NULL AUTO_INCREMENT PRIMARY KEY,
    currency   CHAR(3)        NOT NULL,
    rate_date  DATE           NOT NULL,
    rate       DECIMAL(22,10) NOT NULL,
    created_by BIGINT         NOT NULL DEFAULT 0,
    created_at DATETIME(6)    NOT NULL,
    UNIQUE KEY ux_currency_rates_day (currency, rate_date),
    CONSTRAINT ck_currency_rates_rate CHECK (rate > 0)
);
ALTER TABLE commercial_documents
    ADD COLUMN company_currency    VARCHAR(3)     NOT NULL DEFAULT '',
    ADD COLUMN currency_rate       DECIMAL(22,10) NULL,
    ADD COLUMN total_net_company   DECIMAL(24,6)  NULL,
    ADD COLUMN total_vat_company   DECIMAL(24,6)  NULL,
    ADD COLUMN total_gross_company DECIMAL(24,6)  NULL;
ALTER TABLE payments
    ADD COLUMN currency_rate       DECIMAL(22,10) NULL,
    ADD COLUMN exchange_difference DECIMAL(24,6)  NULL;
