-- Rendered files of commercial documents: see the PostgreSQL migration for
-- the design. LONGBLOB: a PDF with many pages outgrows BLOB's 64 KiB.
CREATE TABLE documents (
    id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    owner_type   VARCHAR(16)  NOT NULL,
    owner_id     BIGINT       NOT NULL,
    lang         VARCHAR(35)  NOT NULL,
    filename     VARCHAR(255) NOT NULL,
    content_type VARCHAR(100) NOT NULL,
    size         BIGINT       NOT NULL,
    sha256       CHAR(64)     NOT NULL,
    content      LONGBLOB     NOT NULL,
    created_at   DATETIME(6)  NOT NULL,
    job_id       BIGINT       NULL,
    CONSTRAINT ck_documents_owner_type CHECK (owner_type IN ('proposal', 'order', 'invoice', 'credit_note')),
    CONSTRAINT fk_documents_owner FOREIGN KEY (owner_id) REFERENCES commercial_documents (id) ON DELETE RESTRICT,
    UNIQUE KEY ux_documents_job (job_id),
    KEY ix_documents_owner (owner_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
