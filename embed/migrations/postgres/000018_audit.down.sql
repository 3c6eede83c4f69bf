DROP TABLE fiscal_chain_head;
DROP TABLE fiscal_chain;
DROP TABLE audit_log;
