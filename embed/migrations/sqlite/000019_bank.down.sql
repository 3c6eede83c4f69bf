ALTER TABLE payments DROP COLUMN bank_account_id;
DROP TABLE bank_lines;
DROP TABLE bank_accounts;
