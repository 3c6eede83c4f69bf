-- See the PostgreSQL migration.
ALTER TABLE jobs
    DROP INDEX ix_jobs_lease,
    DROP INDEX ix_jobs_finished,
    ADD INDEX ix_jobs_finished (finished_at);
