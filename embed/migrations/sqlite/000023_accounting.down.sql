ALTER TABLE thirdparties DROP COLUMN accounting_code;
ALTER TABLE products DROP COLUMN accounting_code_buy;
ALTER TABLE products DROP COLUMN accounting_code_sell;
DROP TABLE accounting_periods;
DROP TABLE accounting_entries;
DROP TABLE accounting_bookings;
DROP TABLE accounting_vat_accounts;
DROP TABLE accounting_accounts;
