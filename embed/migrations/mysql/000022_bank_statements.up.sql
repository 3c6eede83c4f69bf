-- See the PostgreSQL migration.
CREATE TABLE bank_statements (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    bank_account_id BIGINT       NOT NULL,
    format          VARCHAR(16)  NOT NULL,
    identity        VARCHAR(255) NOT NULL,
    external_id     VARCHAR(255) NOT NULL DEFAULT '',
    iban            VARCHAR(34)  NOT NULL DEFAULT '',
    currency        VARCHAR(3)   NOT NULL DEFAULT '',
    created_by      BIGINT       NOT NULL DEFAULT 0,
    created_at      DATETIME(6)  NOT NULL,
    UNIQUE KEY ux_bank_statements_identity (bank_account_id, identity),
    CONSTRAINT fk_bank_statements_account FOREIGN KEY (bank_account_id) REFERENCES bank_accounts (id) ON DELETE RESTRICT,
    CONSTRAINT ck_bank_statements_format CHECK (format IN ('camt.053', 'csv'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE bank_statement_lines (
    id                   BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    statement_id         BIGINT        NOT NULL,
    bank_account_id      BIGINT        NOT NULL,
    position             INT           NOT NULL,
    identity             VARCHAR(128)  NOT NULL,
    line_date            DATE          NOT NULL,
    value_date           DATE          NULL,
    amount               DECIMAL(24,6) NOT NULL,
    label                VARCHAR(255)  NOT NULL DEFAULT '',
    reference            VARCHAR(255)  NOT NULL DEFAULT '',
    bank_ref             VARCHAR(128)  NOT NULL DEFAULT '',
    matched_bank_line_id BIGINT        NULL,
    UNIQUE KEY ux_bank_statement_lines_identity (bank_account_id, identity),
    UNIQUE KEY ux_bank_statement_lines_matched (matched_bank_line_id),
    KEY ix_bank_statement_lines_statement (statement_id, id),
    CONSTRAINT fk_bank_statement_lines_statement FOREIGN KEY (statement_id) REFERENCES bank_statements (id) ON DELETE CASCADE,
    CONSTRAINT fk_bank_statement_lines_account FOREIGN KEY (bank_account_id) REFERENCES bank_accounts (id) ON DELETE RESTRICT,
    CONSTRAINT fk_bank_statement_lines_bank_line FOREIGN KEY (matched_bank_line_id) REFERENCES bank_lines (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
