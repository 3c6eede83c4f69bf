-- The CHECK first: MySQL refuses to drop a column a constraint names.
ALTER TABLE thirdparties DROP CONSTRAINT ck_thirdparties_payment_terms;
ALTER TABLE thirdparties DROP COLUMN payment_terms_days;
DROP TABLE company_settings;
