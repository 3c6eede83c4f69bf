-- See the PostgreSQL migration.
CREATE TABLE audit_log (
    id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
    at          DATETIME(6)  NOT NULL,
    user_id     BIGINT       NULL,
    request_id  VARCHAR(128) NOT NULL DEFAULT '',
    action      VARCHAR(64)  NOT NULL,
    object_type VARCHAR(64)  NOT NULL,
    object_id   BIGINT       NOT NULL,
    changes     MEDIUMTEXT   NOT NULL,
    KEY ix_audit_log_object (object_type, object_id, id),
    KEY ix_audit_log_user (user_id, id),
    KEY ix_audit_log_at (at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE fiscal_chain (
    seq         BIGINT      NOT NULL PRIMARY KEY,
    object_type VARCHAR(32) NOT NULL,
    object_id   BIGINT      NOT NULL,
    content     MEDIUMTEXT  NOT NULL,
    prev_hash   CHAR(64)    NOT NULL,
    hash        CHAR(64)    NOT NULL,
    created_at  DATETIME(6) NOT NULL,
    KEY ix_fiscal_chain_object (object_type, object_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE fiscal_chain_head (
    id   INT      NOT NULL PRIMARY KEY,
    seq  BIGINT   NOT NULL,
    prev_hash CHAR(64) NOT NULL, -- the hash of the link before the last: the append's UPDATE sets both in one statement
    hash CHAR(64) NOT NULL,
    CONSTRAINT ck_fiscal_chain_head_one CHECK (id = 1)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO fiscal_chain_head (id, seq, prev_hash, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', '0000000000000000000000000000000000000000000000000000000000000000');
