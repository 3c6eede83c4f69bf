-- See the PostgreSQL migration.
CREATE TABLE bank_statements (
    id              INTEGER      PRIMARY KEY AUTOINCREMENT,
    bank_account_id INTEGER      NOT NULL REFERENCES bank_accounts (id) ON DELETE RESTRICT,
    format          VARCHAR(16)  NOT NULL CHECK (format IN ('camt.053', 'csv')),
    identity        VARCHAR(255) NOT NULL,
    external_id     VARCHAR(255) NOT NULL DEFAULT '',
    iban            VARCHAR(34)  NOT NULL DEFAULT '',
    currency        VARCHAR(3)   NOT NULL DEFAULT '',
    created_by      INTEGER      NOT NULL DEFAULT 0,
    created_at      DATETIME     NOT NULL
);
CREATE UNIQUE INDEX ux_bank_statements_identity ON bank_statements (bank_account_id, identity);
CREATE TABLE bank_statement_lines (
    id                   INTEGER      PRIMARY KEY AUTOINCREMENT,
    statement_id         INTEGER      NOT NULL REFERENCES bank_statements (id) ON DELETE CASCADE,
    bank_account_id      INTEGER      NOT NULL REFERENCES bank_accounts (id) ON DELETE RESTRICT,
    position             INTEGER      NOT NULL,
    identity             VARCHAR(128) NOT NULL,
    line_date            DATE         NOT NULL,
    value_date           DATE         NULL,
    amount               TEXT         NOT NULL,
    label                VARCHAR(255) NOT NULL DEFAULT '',
    reference            VARCHAR(255) NOT NULL DEFAULT '',
    bank_ref             VARCHAR(128) NOT NULL DEFAULT '',
    matched_bank_line_id INTEGER      NULL REFERENCES bank_lines (id) ON DELETE SET NULL
);
CREATE UNIQUE INDEX ux_bank_statement_lines_identity ON bank_statement_lines (bank_account_id, identity);
CREATE UNIQUE INDEX ux_bank_statement_lines_matched ON bank_statement_lines (matched_bank_line_id);
CREATE INDEX ix_bank_statement_lines_statement ON bank_statement_lines (statement_id, id);
