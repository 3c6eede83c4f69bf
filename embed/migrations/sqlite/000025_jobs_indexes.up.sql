-- See the PostgreSQL migration.
DROP INDEX ix_jobs_lease;
DROP INDEX ix_jobs_finished;
CREATE INDEX ix_jobs_finished ON jobs (finished_at);
