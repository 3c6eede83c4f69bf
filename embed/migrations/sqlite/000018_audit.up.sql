-- See the PostgreSQL migration.
CREATE TABLE audit_log (
    id          INTEGER      PRIMARY KEY AUTOINCREMENT,
    at          DATETIME     NOT NULL,
    user_id     INTEGER      NULL,
    request_id  VARCHAR(128) NOT NULL DEFAULT '',
    action      VARCHAR(64)  NOT NULL,
    object_type VARCHAR(64)  NOT NULL,
    object_id   INTEGER      NOT NULL,
    changes     TEXT         NOT NULL
);
CREATE INDEX ix_audit_log_object ON audit_log (object_type, object_id, id);
CREATE INDEX ix_audit_log_user ON audit_log (user_id, id);
CREATE INDEX ix_audit_log_at ON audit_log (at, id);

CREATE TABLE fiscal_chain (
    seq         INTEGER     PRIMARY KEY,
    object_type VARCHAR(32) NOT NULL,
    object_id   INTEGER     NOT NULL,
    content     TEXT        NOT NULL,
    prev_hash   CHAR(64)    NOT NULL,
    hash        CHAR(64)    NOT NULL,
    created_at  DATETIME    NOT NULL
);
CREATE INDEX ix_fiscal_chain_object ON fiscal_chain (object_type, object_id);

CREATE TABLE fiscal_chain_head (
    id   INTEGER  PRIMARY KEY CHECK (id = 1),
    seq  INTEGER  NOT NULL,
    prev_hash CHAR(64) NOT NULL, -- the hash of the link before the last: the append's UPDATE sets both in one statement
    hash CHAR(64) NOT NULL
);
INSERT INTO fiscal_chain_head (id, seq, prev_hash, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', '0000000000000000000000000000000000000000000000000000000000000000');
