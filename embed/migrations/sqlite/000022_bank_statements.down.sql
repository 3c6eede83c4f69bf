DROP TABLE bank_statement_lines;
DROP TABLE bank_statements;
