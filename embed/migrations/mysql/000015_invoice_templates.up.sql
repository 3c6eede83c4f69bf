-- See the PostgreSQL migration.
CREATE TABLE invoice_templates (
    id              BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    thirdparty_id   BIGINT       NOT NULL,
    currency        CHAR(3)      NOT NULL,
    note            TEXT         NOT NULL,
    lines_json      MEDIUMTEXT   NOT NULL,
    frequency       VARCHAR(16)  NOT NULL,
    period_interval INT          NOT NULL,
    anchor_date     DATE         NOT NULL,
    anchor_count    INT          NOT NULL DEFAULT 0,
    next_date       DATE         NOT NULL,
    end_date        DATE         NULL,
    max_count       INT          NULL,
    generated_count INT          NOT NULL DEFAULT 0,
    auto_validate   BOOLEAN      NOT NULL DEFAULT FALSE,
    auto_send       BOOLEAN      NOT NULL DEFAULT FALSE,
    active          BOOLEAN      NOT NULL DEFAULT TRUE,
    version         BIGINT       NOT NULL DEFAULT 1,
    created_by      BIGINT       NOT NULL DEFAULT 0,
    created_at      DATETIME(6)  NOT NULL,
    updated_at      DATETIME(6)  NOT NULL,
    KEY ix_invoice_templates_due (active, next_date, id),
    KEY ix_invoice_templates_thirdparty (thirdparty_id, id),
    CONSTRAINT fk_invoice_templates_thirdparty FOREIGN KEY (thirdparty_id) REFERENCES thirdparties (id) ON DELETE RESTRICT,
    CONSTRAINT ck_invoice_templates_frequency CHECK (frequency IN ('weekly', 'monthly', 'quarterly', 'yearly')),
    CONSTRAINT ck_invoice_templates_interval CHECK (period_interval >= 1),
    CONSTRAINT ck_invoice_templates_send CHECK (auto_validate OR NOT auto_send)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE invoice_template_periods (
    template_id BIGINT      NOT NULL,
    period_date DATE        NOT NULL,
    document_id BIGINT      NULL,
    created_at  DATETIME(6) NOT NULL,
    PRIMARY KEY (template_id, period_date),
    KEY ix_invoice_template_periods_document (document_id),
    CONSTRAINT fk_invoice_template_periods_template FOREIGN KEY (template_id) REFERENCES invoice_templates (id) ON DELETE CASCADE,
    CONSTRAINT fk_invoice_template_periods_document FOREIGN KEY (document_id) REFERENCES commercial_documents (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
