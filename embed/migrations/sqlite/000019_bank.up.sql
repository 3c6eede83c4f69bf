-- See the PostgreSQL migration. Amounts are exact TEXT.
CREATE TABLE bank_accounts (
    id              INTEGER      PRIMARY KEY AUTOINCREMENT,
    ref             VARCHAR(64)  NOT NULL,
    label           VARCHAR(255) NOT NULL,
    iban            VARCHAR(34)  NOT NULL DEFAULT '',
    bic             VARCHAR(11)  NOT NULL DEFAULT '',
    currency        CHAR(3)      NOT NULL,
    opening_balance TEXT         NOT NULL DEFAULT '0',
    opening_date    DATE         NOT NULL,
    accounting_code VARCHAR(32)  NOT NULL DEFAULT '',
    is_default      BOOLEAN      NULL CHECK (is_default IS NULL OR is_default = 1),
    balance         TEXT         NOT NULL DEFAULT '0',
    created_at      DATETIME     NOT NULL,
    updated_at      DATETIME     NOT NULL
);
CREATE UNIQUE INDEX ux_bank_accounts_ref ON bank_accounts (ref);
CREATE UNIQUE INDEX ux_bank_accounts_default ON bank_accounts (is_default);
CREATE TABLE bank_lines (
    id                INTEGER      PRIMARY KEY AUTOINCREMENT,
    account_id        INTEGER      NOT NULL REFERENCES bank_accounts (id) ON DELETE RESTRICT,
    line_date         DATE         NOT NULL,
    amount            TEXT         NOT NULL,
    label             VARCHAR(255) NOT NULL,
    balance_after     TEXT         NOT NULL,
    kind              VARCHAR(16)  NOT NULL CHECK (kind IN ('payment', 'reversal', 'transfer')),
    payment_id        INTEGER      NULL,
    transfer_id       INTEGER      NULL,
    reconciled        BOOLEAN      NOT NULL DEFAULT 0,
    statement_line_id INTEGER      NULL,
    created_by        INTEGER      NULL,
    created_at        DATETIME     NOT NULL
);
CREATE INDEX ix_bank_lines_account ON bank_lines (account_id, id);
CREATE INDEX ix_bank_lines_account_date ON bank_lines (account_id, line_date, id);
CREATE INDEX ix_bank_lines_payment ON bank_lines (payment_id);
CREATE INDEX ix_bank_lines_date ON bank_lines (line_date);
ALTER TABLE payments ADD COLUMN bank_account_id INTEGER NULL;
