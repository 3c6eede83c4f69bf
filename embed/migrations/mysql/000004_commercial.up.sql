-- Commercial chain: third parties and contacts, documents (proposals, orders,
-- invoices, credit notes) with their lines, payments, and numbering.
-- Quantities and prices are DECIMAL(20,6) and rates DECIMAL(7,4) as in the
-- catalog; amounts are DECIMAL(24,6) (the domain bounds totals below 10^15).
CREATE TABLE thirdparties (
    id          BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name        VARCHAR(255)  NOT NULL,
    code        VARCHAR(64)   NOT NULL,
    is_customer BOOLEAN       NOT NULL DEFAULT FALSE,
    is_prospect BOOLEAN       NOT NULL DEFAULT FALSE,
    is_supplier BOOLEAN       NOT NULL DEFAULT FALSE,
    email       VARCHAR(255)  NOT NULL DEFAULT '',
    phone       VARCHAR(64)   NOT NULL DEFAULT '',
    tax_id      VARCHAR(64)   NOT NULL DEFAULT '',
    address     VARCHAR(1000) NOT NULL DEFAULT '',
    locale      VARCHAR(16)   NOT NULL DEFAULT '',
    created_at  DATETIME(6)   NOT NULL,
    updated_at  DATETIME(6)   NOT NULL,
    UNIQUE KEY ux_thirdparties_code (code),
    KEY ix_thirdparties_name (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE contacts (
    id            BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    thirdparty_id BIGINT       NOT NULL,
    first_name    VARCHAR(255) NOT NULL DEFAULT '',
    last_name     VARCHAR(255) NOT NULL DEFAULT '',
    email         VARCHAR(255) NOT NULL DEFAULT '',
    phone         VARCHAR(64)  NOT NULL DEFAULT '',
    job_title     VARCHAR(255) NOT NULL DEFAULT '',
    created_at    DATETIME(6)  NOT NULL,
    updated_at    DATETIME(6)  NOT NULL,
    KEY ix_contacts_thirdparty (thirdparty_id, id),
    CONSTRAINT fk_contacts_thirdparty FOREIGN KEY (thirdparty_id) REFERENCES thirdparties (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One table for the four document types. ref is NULL while a draft: the
-- unique index ignores NULLs, and the definitive number is unique per type.
CREATE TABLE commercial_documents (
    id            BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    doc_type      VARCHAR(16)   NOT NULL,
    ref           VARCHAR(64)   NULL,
    status        VARCHAR(16)   NOT NULL,
    thirdparty_id BIGINT        NOT NULL,
    doc_date      DATE          NOT NULL,
    due_date      DATE          NULL,
    currency      CHAR(3)       NOT NULL,
    note          TEXT          NOT NULL,
    source_id     BIGINT        NULL,
    total_net     DECIMAL(24,6) NOT NULL,
    total_vat     DECIMAL(24,6) NOT NULL,
    total_gross   DECIMAL(24,6) NOT NULL,
    amount_paid   DECIMAL(24,6) NOT NULL DEFAULT 0,
    created_by    BIGINT        NOT NULL DEFAULT 0,
    created_at    DATETIME(6)   NOT NULL,
    updated_at    DATETIME(6)   NOT NULL,
    validated_at  DATETIME(6)   NULL,
    UNIQUE KEY ux_commercial_documents_ref (doc_type, ref),
    KEY ix_commercial_documents_type (doc_type, status, id),
    KEY ix_commercial_documents_thirdparty (thirdparty_id, doc_type),
    KEY ix_commercial_documents_source (source_id),
    KEY ix_commercial_documents_date (doc_type, doc_date),
    CONSTRAINT fk_commercial_documents_thirdparty FOREIGN KEY (thirdparty_id) REFERENCES thirdparties (id) ON DELETE RESTRICT,
    CONSTRAINT fk_commercial_documents_source FOREIGN KEY (source_id) REFERENCES commercial_documents (id) ON DELETE RESTRICT,
    CONSTRAINT ck_commercial_documents_type CHECK (doc_type IN ('proposal', 'order', 'invoice', 'credit_note'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE commercial_document_lines (
    id               BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    document_id      BIGINT        NOT NULL,
    line_no          INT           NOT NULL,
    product_id       BIGINT        NULL,
    description      TEXT          NOT NULL,
    qty              DECIMAL(20,6) NOT NULL,
    unit_price       DECIMAL(20,6) NOT NULL,
    discount_percent DECIMAL(7,4)  NOT NULL,
    vat_rate         DECIMAL(7,4)  NOT NULL,
    total_net        DECIMAL(24,6) NOT NULL,
    total_vat        DECIMAL(24,6) NOT NULL,
    total_gross      DECIMAL(24,6) NOT NULL,
    KEY ix_commercial_document_lines_document (document_id, line_no),
    KEY ix_commercial_document_lines_product (product_id),
    CONSTRAINT fk_commercial_document_lines_document FOREIGN KEY (document_id) REFERENCES commercial_documents (id) ON DELETE CASCADE,
    CONSTRAINT fk_commercial_document_lines_product FOREIGN KEY (product_id) REFERENCES products (id) ON DELETE RESTRICT
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Payments received on invoices (refunds, on credit notes).
CREATE TABLE payments (
    id          BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    document_id BIGINT        NOT NULL,
    amount      DECIMAL(24,6) NOT NULL,
    pay_date    DATE          NOT NULL,
    method      VARCHAR(16)   NOT NULL,
    reference   VARCHAR(255)  NOT NULL DEFAULT '',
    created_by  BIGINT        NOT NULL DEFAULT 0,
    created_at  DATETIME(6)   NOT NULL,
    KEY ix_payments_document (document_id, id),
    KEY ix_payments_date (pay_date),
    CONSTRAINT fk_payments_document FOREIGN KEY (document_id) REFERENCES commercial_documents (id) ON DELETE RESTRICT,
    CONSTRAINT ck_payments_method CHECK (method IN ('cash', 'card', 'bank_transfer', 'check', 'other'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The last number handed out per (document type, period): locked FOR UPDATE
-- by each validation, so numbers are unique and gapless. period is '2026-11'
-- (monthly reset), '2026' (yearly) or '' (never).
CREATE TABLE numbering_sequences (
    doc_type   VARCHAR(32) NOT NULL,
    period     VARCHAR(7)  NOT NULL,
    last_value BIGINT      NOT NULL DEFAULT 0,
    PRIMARY KEY (doc_type, period)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
