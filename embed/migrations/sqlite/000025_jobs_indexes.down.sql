DROP INDEX ix_jobs_finished;
CREATE INDEX ix_jobs_finished ON jobs (state, finished_at);
CREATE INDEX ix_jobs_lease ON jobs (state, locked_until);
