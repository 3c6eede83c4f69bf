-- The transactional outbox: see the PostgreSQL migration for the design.
-- SQLite has no time type: every time is UTC text 'YYYY-MM-DD HH:MM:SS.SSS+00:00',
-- written from the database clock (strftime 'now'), fixed-width so that text
-- comparison is time order, and readable by the driver as a time.
CREATE TABLE jobs (
    id              INTEGER       PRIMARY KEY AUTOINCREMENT, -- never reused after pruning: Message-IDs derive from it
    kind            VARCHAR(64)   NOT NULL,
    payload         TEXT          NOT NULL DEFAULT '{}',
    state           VARCHAR(16)   NOT NULL DEFAULT 'available'
                                  CHECK (state IN ('available', 'running', 'done', 'dead')),
    attempt         INTEGER       NOT NULL DEFAULT 0,
    max_attempts    INTEGER       NOT NULL,
    run_at          DATETIME      NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now') || '+00:00'),
    locked_by       VARCHAR(128)  NOT NULL DEFAULT '',
    lease_token     VARCHAR(64)   NULL,
    locked_until    DATETIME      NULL,
    last_error      VARCHAR(2000) NOT NULL DEFAULT '',
    request_id      VARCHAR(128)  NOT NULL DEFAULT '',
    idempotency_key VARCHAR(255)  NULL,
    created_at      DATETIME      NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now') || '+00:00'),
    finished_at     DATETIME      NULL
);
CREATE UNIQUE INDEX ux_jobs_idempotency_key ON jobs (idempotency_key);
CREATE INDEX ix_jobs_claim ON jobs (state, run_at, id);
CREATE INDEX ix_jobs_lease ON jobs (state, locked_until);
CREATE INDEX ix_jobs_finished ON jobs (state, finished_at);
