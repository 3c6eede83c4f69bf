-- The company's settings, printed on every document and e-mail: one row
-- (id = 1, inserted here), each column NULL while the configuration's value
-- (DOLIGO_COMPANY_*) applies. registration_ids holds one identifier a line.
-- The logo is a PNG (JPEG uploads are converted), NULL for the embedded one.
CREATE TABLE company_settings (
    id                         INTEGER       PRIMARY KEY,
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
    default_payment_terms_days INTEGER,
    logo                       BYTEA,
    updated_at                 TIMESTAMPTZ,
    CONSTRAINT ck_company_settings_singleton CHECK (id = 1),
    CONSTRAINT ck_company_settings_terms CHECK (default_payment_terms_days >= 0)
);
INSERT INTO company_settings (id) VALUES (1);

-- A third party's own payment terms; NULL: the company's default.
ALTER TABLE thirdparties ADD COLUMN payment_terms_days INTEGER
    CONSTRAINT ck_thirdparties_payment_terms CHECK (payment_terms_days >= 0);
