-- See the PostgreSQL migration for the design.
ALTER TABLE users ADD COLUMN security_stamp INTEGER NOT NULL DEFAULT 0;

CREATE TABLE refresh_tokens (
    id         INTEGER  PRIMARY KEY AUTOINCREMENT,
    token_hash CHAR(64) NOT NULL,
    family     CHAR(32) NOT NULL,
    user_id    INTEGER  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL,
    used_at    DATETIME NULL,
    revoked_at DATETIME NULL
);
CREATE UNIQUE INDEX ux_refresh_tokens_hash ON refresh_tokens (token_hash);
CREATE INDEX ix_refresh_tokens_family ON refresh_tokens (family);
CREATE INDEX ix_refresh_tokens_user ON refresh_tokens (user_id);
CREATE INDEX ix_refresh_tokens_expires ON refresh_tokens (expires_at);
