ALTER TABLE jobs
    DROP INDEX ix_jobs_finished,
    ADD INDEX ix_jobs_finished (state, finished_at),
    ADD INDEX ix_jobs_lease (state, locked_until);
