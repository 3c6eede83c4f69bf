ALTER TABLE thirdparties DROP COLUMN payment_terms_days;
DROP TABLE company_settings;
