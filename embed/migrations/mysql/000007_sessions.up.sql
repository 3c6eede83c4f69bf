-- See the PostgreSQL migration for the design.
ALTER TABLE users ADD COLUMN security_stamp BIGINT NOT NULL DEFAULT 0;

CREATE TABLE refresh_tokens (
    id         BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
    token_hash CHAR(64)    NOT NULL,
    family     CHAR(32)    NOT NULL,
    user_id    BIGINT      NOT NULL,
    created_at DATETIME(6) NOT NULL,
    expires_at DATETIME(6) NOT NULL,
    used_at    DATETIME(6) NULL,
    revoked_at DATETIME(6) NULL,
    UNIQUE KEY ux_refresh_tokens_hash (token_hash),
    KEY ix_refresh_tokens_family (family),
    KEY ix_refresh_tokens_user (user_id),
    KEY ix_refresh_tokens_expires (expires_at),
    CONSTRAINT fk_refresh_tokens_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
