package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"math"
	"strings"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// This file is the operators' side of the queue: reading jobs and giving a
// dead job another chance (the jobs API), and counting them (/metrics).

// adminColumns are read by Get and List, in scanAdmin's order.
const adminColumns = `id, kind, state, attempt, max_attempts, run_at, locked_by, last_error, request_id, created_at, finished_at`

func scanAdmin(r scanner) (domain.Job, error) {
	var j domain.Job
	var finished sql.NullTime
	err := r.Scan(&j.ID, &j.Kind, &j.State, &j.Attempt, &j.MaxAttempts, &j.RunAt, &j.LockedBy, &j.LastError,
		&j.RequestID, &j.CreatedAt, &finished)
	j.RunAt, j.CreatedAt = j.RunAt.UTC(), j.CreatedAt.UTC()
	if finished.Valid {
		t := finished.Time.UTC()
		j.FinishedAt = &t
	}
	return j, err
}

// Get returns job id as the table holds it (without its payload), or a
// NotFound problem.
func (s *Store) Get(ctx context.Context, id int64) (domain.Job, error) {
	return getJob(ctx, s.db, s.dialect, id)
}

func getJob(ctx context.Context, c conn, d dialect, id int64) (domain.Job, error) {
	j, err := scanAdmin(c.QueryRowContext(ctx, d.sql(`SELECT `+adminColumns+` FROM jobs WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Job{}, domain.NotFound("job", id)
	}
	if err != nil {
		return domain.Job{}, fmt.Errorf("read job %d: %w", id, err)
	}
	return j, nil
}

// listSort maps the sortable fields of a job list to their columns.
var listSort = map[string]string{"id": "id", "created_at": "created_at", "run_at": "run_at", "finished_at": "finished_at"}

// List returns a page of jobs, newest first unless q sorts otherwise (the id
// breaks ties, so pages are stable).
func (s *Store) List(ctx context.Context, f domain.JobFilter, q domain.ListQuery) (domain.Page[domain.Job], error) {
	var where []string
	var args []any
	if f.State != "" {
		where, args = append(where, "state = ?"), append(args, f.State)
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	col, desc := listSort[q.Sort], q.Desc
	if col == "" {
		col, desc = "id", true
	}
	dir := " ASC"
	if desc {
		dir = " DESC"
	}
	order := col + dir
	if col != "id" {
		order += ", id" + dir
	}
	limit := int64(q.Limit)
	switch {
	case limit <= 0 && q.Stream:
		limit = math.MaxInt64 // every row: the three dialects take a LIMIT this large
	case limit <= 0:
		limit = 50
	}
	query := s.dialect.sql(`SELECT ` + adminColumns + ` FROM jobs` + cond + ` ORDER BY ` + order + ` LIMIT ? OFFSET ?`)
	args = append(args, limit, q.Offset)
	if q.Stream {
		return domain.Page[domain.Job]{Rows: s.streamJobs(ctx, query, args)}, nil
	}
	var page domain.Page[domain.Job]
	if err := s.db.QueryRowContext(ctx, s.dialect.sql(`SELECT COUNT(*) FROM jobs`+cond), args[:len(args)-2]...).Scan(&page.Total); err != nil {
		return page, fmt.Errorf("count jobs: %w", err)
	}
	page.Items = []domain.Job{}
	for j, err := range s.streamJobs(ctx, query, args) {
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, j)
	}
	return page, nil
}

// streamJobs yields the jobs query selects as the caller ranges over them
// (one statement; stopping the range closes the rows). It ends at the first
// error, which it yields.
func (s *Store) streamJobs(ctx context.Context, query string, args []any) iter.Seq2[domain.Job, error] {
	return func(yield func(domain.Job, error) bool) {
		fail := func(err error) { yield(domain.Job{}, fmt.Errorf("list jobs: %w", err)) }
		rows, err := s.db.QueryContext(ctx, query, args...)
		if err != nil {
			fail(err)
			return
		}
		defer func() { _ = rows.Close() }()
		for rows.Next() {
			j, err := scanAdmin(rows)
			if err != nil {
				fail(err)
				return
			}
			if !yield(j, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			fail(err)
		}
	}
}

// RetryDead gives dead job id a fresh start: available at once, its attempt
// count back to 0 so it has all of max_attempts again. Its last_error stays
// (until the next failure replaces it): it tells why the job had died. A job
// in any other state is a conflict (409): a running job must not get a second
// runner, a pending one needs nothing, a done one is done. It runs in the
// outbox's transaction, so the audit row of the retry commits with it.
func (o *Outbox) RetryDead(ctx context.Context, id int64) (domain.Job, error) {
	if o.err != nil {
		return domain.Job{}, o.err
	}
	res, err := o.conn.ExecContext(ctx, o.dialect.sql(`UPDATE jobs SET state = 'available', attempt = 0, run_at = {now},
			finished_at = NULL, locked_by = '', lease_token = NULL, locked_until = NULL
		WHERE id = ? AND state = 'dead'`), id)
	if err != nil {
		return domain.Job{}, fmt.Errorf("retry job %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return domain.Job{}, fmt.Errorf("retry job %d: %w", id, err)
	}
	j, err := getJob(ctx, o.conn, o.dialect, id)
	if err != nil {
		return domain.Job{}, err
	}
	if n == 0 {
		return domain.Job{}, domain.Conflictf("job-not-dead", "job %d is %s: only a dead job can be retried", id, j.State)
	}
	// Wake the idle workers once it commits, as an enqueue does.
	return j, notify(ctx, o.conn, o.dialect, o.wake, j.Kind)
}

// KindDepth is how many jobs of a kind are in a state.
type KindDepth struct {
	Kind, State string
	Jobs        int64
}

// DepthByKind counts the jobs of each kind in each state (states without jobs
// are left out).
func (s *Store) DepthByKind(ctx context.Context) ([]KindDepth, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT kind, state, COUNT(*) FROM jobs GROUP BY kind, state`)
	if err != nil {
		return nil, fmt.Errorf("count jobs: %w", err)
	}
	defer rows.Close()
	var out []KindDepth
	for rows.Next() {
		var d KindDepth
		if err := rows.Scan(&d.Kind, &d.State, &d.Jobs); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Wake makes every available job of kind that waits for a later run_at (a
// retry's backoff, a deferral) runnable now, and wakes the idle workers as an
// enqueue does. The worker calls it for e-mail when its SMTP circuit breaker
// closes again: the server is back, so what waited for it need wait no more.
// It returns how many jobs it woke.
func (s *Store) Wake(ctx context.Context, kind string) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.dialect.sql(`UPDATE jobs SET run_at = {now}
		WHERE kind = ? AND state = 'available' AND run_at > {now}`), kind)
	if err != nil {
		return 0, fmt.Errorf("wake %s jobs: %w", kind, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("wake %s jobs: %w", kind, err)
	}
	if n > 0 && s.dialect.name == sqldialect.Postgres {
		if _, err := s.db.ExecContext(ctx, `SELECT pg_notify($1, $2)`, NotifyChannel, kind); err != nil {
			return n, fmt.Errorf("notify workers of %s jobs: %w", kind, err)
		}
	}
	return n, nil
}
