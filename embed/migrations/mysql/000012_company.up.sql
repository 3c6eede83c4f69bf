-- See the PostgreSQL migration. MEDIUMBLOB: a logo outgrows BLOB's 64 KiB.
CREATE TABLE company_settings (
    id                         INT           NOT NULL PRIMARY KEY,
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
    default_payment_terms_days INT,
    logo                       MEDIUMBLOB,
    updated_at                 DATETIME(6),
    CONSTRAINT ck_company_settings_singleton CHECK (id = 1),
    CONSTRAINT ck_company_settings_terms CHECK (default_payment_terms_days >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO company_settings (id) VALUES (1);

ALTER TABLE thirdparties ADD COLUMN payment_terms_days INT NULL,
    ADD CONSTRAINT ck_thirdparties_payment_terms CHECK (payment_terms_days >= 0);
