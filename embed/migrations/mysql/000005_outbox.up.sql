-- The transactional outbox: see the PostgreSQL migration for the design. Times
-- are DATETIME(6) in UTC (the session time zone is forced to +00:00) and are
-- always written from the database clock.
CREATE TABLE jobs (
    id              BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    kind            VARCHAR(64)   NOT NULL,
    payload         JSON          NOT NULL,
    state           VARCHAR(16)   NOT NULL DEFAULT 'available',
    attempt         INT           NOT NULL DEFAULT 0,
    max_attempts    INT           NOT NULL,
    run_at          DATETIME(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    locked_by       VARCHAR(128)  NOT NULL DEFAULT '',
    lease_token     VARCHAR(64)   NULL,
    locked_until    DATETIME(6)   NULL,
    last_error      VARCHAR(2000) NOT NULL DEFAULT '',
    request_id      VARCHAR(128)  NOT NULL DEFAULT '',
    idempotency_key VARCHAR(255)  NULL,
    created_at      DATETIME(6)   NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
    finished_at     DATETIME(6)   NULL,
    CONSTRAINT ck_jobs_state CHECK (state IN ('available', 'running', 'done', 'dead')),
    UNIQUE KEY ux_jobs_idempotency_key (idempotency_key),
    -- Equality column, then exactly the claim's ORDER BY: InnoDB then walks the
    -- index in order and stops after LIMIT rows, locking only what it returns
    -- (with any other index it would lock every row it scans).
    KEY ix_jobs_claim (state, run_at, id),
    KEY ix_jobs_lease (state, locked_until),
    KEY ix_jobs_finished (state, finished_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
