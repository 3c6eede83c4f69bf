-- See the PostgreSQL migration.
CREATE TABLE bank_accounts (
    id              BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    ref             VARCHAR(64)   NOT NULL,
    label           VARCHAR(255)  NOT NULL,
    iban            VARCHAR(34)   NOT NULL DEFAULT '',
    bic             VARCHAR(11)   NOT NULL DEFAULT '',
    currency        CHAR(3)       NOT NULL,
    opening_balance DECIMAL(24,6) NOT NULL DEFAULT 0,
    opening_date    DATE          NOT NULL,
    accounting_code VARCHAR(32)   NOT NULL DEFAULT '',
    is_default      BOOLEAN       NULL,
    balance         DECIMAL(24,6) NOT NULL DEFAULT 0,
    created_at      DATETIME(6)   NOT NULL,
    updated_at      DATETIME(6)   NOT NULL,
    UNIQUE KEY ux_bank_accounts_ref (ref),
    UNIQUE KEY ux_bank_accounts_default (is_default),
    CONSTRAINT ck_bank_accounts_default CHECK (is_default IS NULL OR is_default = 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE bank_lines (
    id                BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    account_id        BIGINT        NOT NULL,
    line_date         DATE          NOT NULL,
    amount            DECIMAL(24,6) NOT NULL,
    label             VARCHAR(255)  NOT NULL,
    balance_after     DECIMAL(24,6) NOT NULL,
    kind              VARCHAR(16)   NOT NULL,
    payment_id        BIGINT        NULL,
    transfer_id       BIGINT        NULL,
    reconciled        BOOLEAN       NOT NULL DEFAULT FALSE,
    statement_line_id BIGINT        NULL,
    created_by        BIGINT        NULL,
    created_at        DATETIME(6)   NOT NULL,
    KEY ix_bank_lines_account (account_id, id),
    KEY ix_bank_lines_account_date (account_id, line_date, id),
    KEY ix_bank_lines_payment (payment_id),
    KEY ix_bank_lines_date (line_date),
    CONSTRAINT fk_bank_lines_account FOREIGN KEY (account_id) REFERENCES bank_accounts (id) ON DELETE RESTRICT,
    CONSTRAINT ck_bank_lines_kind CHECK (kind IN ('payment', 'reversal', 'transfer'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
ALTER TABLE payments ADD COLUMN bank_account_id BIGINT NULL;
