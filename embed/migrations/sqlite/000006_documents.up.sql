-- Rendered files of commercial documents: see the PostgreSQL migration for
-- the design.
CREATE TABLE documents (
    id           INTEGER      PRIMARY KEY AUTOINCREMENT,
    owner_type   VARCHAR(16)  NOT NULL CHECK (owner_type IN ('proposal', 'order', 'invoice', 'credit_note')),
    owner_id     INTEGER      NOT NULL REFERENCES commercial_documents (id) ON DELETE RESTRICT,
    lang         VARCHAR(35)  NOT NULL,
    filename     VARCHAR(255) NOT NULL,
    content_type VARCHAR(100) NOT NULL,
    size         INTEGER      NOT NULL,
    sha256       CHAR(64)     NOT NULL,
    content      BLOB         NOT NULL,
    created_at   DATETIME     NOT NULL,
    job_id       INTEGER      NULL
);
CREATE UNIQUE INDEX ux_documents_job ON documents (job_id);
CREATE INDEX ix_documents_owner ON documents (owner_id, id);
