-- Commercial chain: third parties and contacts, documents (proposals, orders,
-- invoices, credit notes) with their lines, payments, and numbering.
-- Decimals are exact TEXT as in the catalog (NUMERIC affinity would turn 0.1
-- into a binary float); the Go side does every sum and comparison. Dates are
-- DATE (text), times DATETIME.
CREATE TABLE thirdparties (
    id          INTEGER       PRIMARY KEY AUTOINCREMENT,
    name        VARCHAR(255)  NOT NULL,
    code        VARCHAR(64)   NOT NULL,
    is_customer BOOLEAN       NOT NULL DEFAULT 0,
    is_prospect BOOLEAN       NOT NULL DEFAULT 0,
    is_supplier BOOLEAN       NOT NULL DEFAULT 0,
    email       VARCHAR(255)  NOT NULL DEFAULT '',
    phone       VARCHAR(64)   NOT NULL DEFAULT '',
    tax_id      VARCHAR(64)   NOT NULL DEFAULT '',
    address     VARCHAR(1000) NOT NULL DEFAULT '',
    locale      VARCHAR(16)   NOT NULL DEFAULT '',
    created_at  DATETIME      NOT NULL,
    updated_at  DATETIME      NOT NULL
);
CREATE UNIQUE INDEX ux_thirdparties_code ON thirdparties (code);
CREATE INDEX ix_thirdparties_name ON thirdparties (name);

CREATE TABLE contacts (
    id            INTEGER      PRIMARY KEY AUTOINCREMENT,
    thirdparty_id INTEGER      NOT NULL REFERENCES thirdparties (id) ON DELETE CASCADE,
    first_name    VARCHAR(255) NOT NULL DEFAULT '',
    last_name     VARCHAR(255) NOT NULL DEFAULT '',
    email         VARCHAR(255) NOT NULL DEFAULT '',
    phone         VARCHAR(64)  NOT NULL DEFAULT '',
    job_title     VARCHAR(255) NOT NULL DEFAULT '',
    created_at    DATETIME     NOT NULL,
    updated_at    DATETIME     NOT NULL
);
CREATE INDEX ix_contacts_thirdparty ON contacts (thirdparty_id, id);

-- One table for the four document types. ref is NULL while a draft: the
-- unique index ignores NULLs, and the definitive number is unique per type.
CREATE TABLE commercial_documents (
    id            INTEGER     PRIMARY KEY AUTOINCREMENT,
    doc_type      VARCHAR(16) NOT NULL CHECK (doc_type IN ('proposal', 'order', 'invoice', 'credit_note')),
    ref           VARCHAR(64) NULL,
    status        VARCHAR(16) NOT NULL,
    thirdparty_id INTEGER     NOT NULL REFERENCES thirdparties (id) ON DELETE RESTRICT,
    doc_date      DATE        NOT NULL,
    due_date      DATE        NULL,
    currency      CHAR(3)     NOT NULL,
    note          TEXT        NOT NULL,
    source_id     INTEGER     NULL REFERENCES commercial_documents (id) ON DELETE RESTRICT,
    total_net     TEXT        NOT NULL,
    total_vat     TEXT        NOT NULL,
    total_gross   TEXT        NOT NULL,
    amount_paid   TEXT        NOT NULL DEFAULT '0',
    created_by    INTEGER     NOT NULL DEFAULT 0,
    created_at    DATETIME    NOT NULL,
    updated_at    DATETIME    NOT NULL,
    validated_at  DATETIME    NULL
);
CREATE UNIQUE INDEX ux_commercial_documents_ref ON commercial_documents (doc_type, ref);
CREATE INDEX ix_commercial_documents_type ON commercial_documents (doc_type, status, id);
CREATE INDEX ix_commercial_documents_thirdparty ON commercial_documents (thirdparty_id, doc_type);
CREATE INDEX ix_commercial_documents_source ON commercial_documents (source_id);
CREATE INDEX ix_commercial_documents_date ON commercial_documents (doc_type, doc_date);

CREATE TABLE commercial_document_lines (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id      INTEGER NOT NULL REFERENCES commercial_documents (id) ON DELETE CASCADE,
    line_no          INTEGER NOT NULL,
    product_id       INTEGER NULL REFERENCES products (id) ON DELETE RESTRICT,
    description      TEXT    NOT NULL,
    qty              TEXT    NOT NULL,
    unit_price       TEXT    NOT NULL,
    discount_percent TEXT    NOT NULL,
    vat_rate         TEXT    NOT NULL,
    total_net        TEXT    NOT NULL,
    total_vat        TEXT    NOT NULL,
    total_gross      TEXT    NOT NULL
);
CREATE INDEX ix_commercial_document_lines_document ON commercial_document_lines (document_id, line_no);
CREATE INDEX ix_commercial_document_lines_product ON commercial_document_lines (product_id);

-- Payments received on invoices (refunds, on credit notes).
CREATE TABLE payments (
    id          INTEGER      PRIMARY KEY AUTOINCREMENT,
    document_id INTEGER      NOT NULL REFERENCES commercial_documents (id) ON DELETE RESTRICT,
    amount      TEXT         NOT NULL,
    pay_date    DATE         NOT NULL,
    method      VARCHAR(16)  NOT NULL CHECK (method IN ('cash', 'card', 'bank_transfer', 'check', 'other')),
    reference   VARCHAR(255) NOT NULL DEFAULT '',
    created_by  INTEGER      NOT NULL DEFAULT 0,
    created_at  DATETIME     NOT NULL
);
CREATE INDEX ix_payments_document ON payments (document_id, id);
CREATE INDEX ix_payments_date ON payments (pay_date);

-- The last number handed out per (document type, period). SQLite has no row
-- locks: the IMMEDIATE transaction of each validation holds the database
-- write lock instead. period is '2026-11' (monthly reset), '2026' (yearly) or
-- '' (never).
CREATE TABLE numbering_sequences (
    doc_type   VARCHAR(32) NOT NULL,
    period     VARCHAR(7)  NOT NULL,
    last_value INTEGER     NOT NULL DEFAULT 0,
    PRIMARY KEY (doc_type, period)
);
