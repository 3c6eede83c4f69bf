-- See the PostgreSQL migration.
CREATE TABLE invoice_templates (
    id              INTEGER     PRIMARY KEY AUTOINCREMENT,
    thirdparty_id   INTEGER     NOT NULL REFERENCES thirdparties (id) ON DELETE RESTRICT,
    currency        CHAR(3)     NOT NULL,
    note            TEXT        NOT NULL,
    lines_json      TEXT        NOT NULL,
    frequency       VARCHAR(16) NOT NULL CHECK (frequency IN ('weekly', 'monthly', 'quarterly', 'yearly')),
    period_interval INTEGER     NOT NULL CHECK (period_interval >= 1),
    anchor_date     DATE        NOT NULL,
    anchor_count    INTEGER     NOT NULL DEFAULT 0,
    next_date       DATE        NOT NULL,
    end_date        DATE        NULL,
    max_count       INTEGER     NULL,
    generated_count INTEGER     NOT NULL DEFAULT 0,
    auto_validate   BOOLEAN     NOT NULL DEFAULT 0,
    auto_send       BOOLEAN     NOT NULL DEFAULT 0,
    active          BOOLEAN     NOT NULL DEFAULT 1,
    version         INTEGER     NOT NULL DEFAULT 1,
    created_by      INTEGER     NOT NULL DEFAULT 0,
    created_at      DATETIME    NOT NULL,
    updated_at      DATETIME    NOT NULL,
    CHECK (auto_validate OR NOT auto_send)
);
CREATE INDEX ix_invoice_templates_due ON invoice_templates (active, next_date, id);
CREATE INDEX ix_invoice_templates_thirdparty ON invoice_templates (thirdparty_id, id);

CREATE TABLE invoice_template_periods (
    template_id INTEGER  NOT NULL REFERENCES invoice_templates (id) ON DELETE CASCADE,
    period_date DATE     NOT NULL,
    document_id INTEGER  NULL REFERENCES commercial_documents (id) ON DELETE SET NULL,
    created_at  DATETIME NOT NULL,
    PRIMARY KEY (template_id, period_date)
);
CREATE INDEX ix_invoice_template_periods_document ON invoice_template_periods (document_id);
