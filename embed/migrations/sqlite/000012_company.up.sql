-- See the PostgreSQL migration.
CREATE TABLE company_settings (
    id                         INTEGER       PRIMARY KEY CHECK (id = 1),
    name                       VARCHAR(255),
    address                    VARCHAR(1000),
    country                    VARCHAR(2),
    vat_id                     VARCHAR(64),
    registration_ids           VARCHAR(600),
    email                      VARCHAR(255),
    phone                      VARCHAR(64),
    iban                       VARCHAR(34),
    bic                        VARCHAR(11),
    legal_notice               VARCHAR(1000),
    default_payment_terms_days INTEGER       CHECK (default_payment_terms_days >= 0),
    logo                       BLOB,
    updated_at                 DATETIME
);
INSERT INTO company_settings (id) VALUES (1);

-- A column CHECK on the column alone: SQLite can still drop the column.
ALTER TABLE thirdparties ADD COLUMN payment_terms_days INTEGER CHECK (payment_terms_days >= 0);
