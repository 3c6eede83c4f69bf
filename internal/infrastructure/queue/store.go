package queue

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/sqlbind"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/infrastructure/txretry"
)

// Store runs the worker side of the queue on one database. Every change to a
// claimed job is one statement fenced by the claim's lease token
// (… WHERE id = ? AND state = 'running' AND lease_token = ?): a worker whose
// lease expired changes nothing and learns it from domain.ErrJobLeaseLost.
type Store struct {
	db      *sql.DB
	dialect dialect
}

// NewStore returns the queue of db, whose dialect is postgres, mysql or sqlite.
func NewStore(db *sql.DB, dialectName string) (*Store, error) {
	d, err := newDialect(dialectName)
	if err != nil {
		return nil, err
	}
	return &Store{db: db, dialect: d}, nil
}

// Claim leases up to limit available jobs of the given kinds whose run_at has
// come, oldest first, to worker for lease (by the database clock). Each gets
// its attempt counted and the returned lease token. Jobs locked by another
// claim in progress are skipped, never waited for.
func (s *Store) Claim(ctx context.Context, worker string, kinds []string, limit int, lease time.Duration) ([]domain.Job, error) {
	if limit < 1 || len(kinds) == 0 {
		return nil, nil
	}
	token := newToken()
	var jobs []domain.Job
	var err error
	switch s.dialect.name {
	case sqldialect.Postgres:
		jobs, err = s.claimPostgres(ctx, worker, token, kinds, limit, lease)
	case sqldialect.MySQL:
		jobs, err = s.claimMySQL(ctx, worker, token, kinds, limit, lease)
	default:
		jobs, err = s.claimInTx(ctx, worker, token, kinds, limit, lease)
	}
	if err != nil {
		return nil, fmt.Errorf("claim jobs: %w", err)
	}
	slices.SortFunc(jobs, func(a, b domain.Job) int { // RETURNING has no order
		if c := a.RunAt.Compare(b.RunAt); c != 0 {
			return c
		}
		return int(a.ID - b.ID)
	})
	return jobs, nil
}

// claimColumns are read by both claims, in scanJob's order.
const claimColumns = `id, kind, payload, attempt, max_attempts, run_at, last_error, request_id, created_at`

// claimPostgres is one statement: the CTE locks the oldest due rows that no
// one else holds, the UPDATE leases them. It must walk ix_jobs_claim in ORDER
// BY order and stop after LIMIT rows; but with the statistics of a table that
// was nearly empty when last analysed (a burst after a quiet spell, before
// autovacuum catches up) the planner prefers a bitmap scan of every available
// row and a sort of them all, and each claim costs a sort of the whole queue
// (25 ms instead of 2 for 50 000 jobs). Forbidding sorts in the claim's
// transaction leaves it the index.
func (s *Store) claimPostgres(ctx context.Context, worker, token string, kinds []string, limit int, lease time.Duration) (jobs []domain.Job, err error) {
	q := s.dialect.sql(`WITH c AS (
			SELECT id FROM jobs
			WHERE state = 'available' AND run_at <= {now} AND kind IN (` + sqlbind.List(len(kinds)) + `)
			ORDER BY run_at, id LIMIT ?
			FOR UPDATE SKIP LOCKED)
		UPDATE jobs AS j SET state = 'running', attempt = j.attempt + 1, locked_by = ?, lease_token = ?,
			locked_until = {now+?}
		FROM c WHERE j.id = c.id
		RETURNING j.id, j.kind, j.payload, j.attempt, j.max_attempts, j.run_at, j.last_error, j.request_id, j.created_at`)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `SET LOCAL enable_sort = off`); err != nil {
			return err
		}
		jobs, err = queryClaimed(ctx, tx, q, append(stringArgs(kinds), limit, worker, token, s.dialect.shift(lease)), worker, token, false)
		return err
	})
	return jobs, err
}

// claimInTx selects then updates in one short transaction: on SQLite. The
// transaction is BEGIN IMMEDIATE (see gormdb.SQLiteDSN): it holds the database write
// lock from its first statement, so two claims cannot read the same rows.
func (s *Store) claimInTx(ctx context.Context, worker, token string, kinds []string, limit int, lease time.Duration) (jobs []domain.Job, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		q := s.dialect.sql(claimSelect(len(kinds)))
		if jobs, err = queryClaimed(ctx, tx, q, append(stringArgs(kinds), limit), worker, token, true); err != nil || len(jobs) == 0 {
			return err
		}
		args := []any{worker, token, s.dialect.shift(lease)}
		for _, j := range jobs {
			args = append(args, j.ID)
		}
		_, err := tx.ExecContext(ctx, s.dialect.sql(`UPDATE jobs SET state = 'running', attempt = attempt + 1,
			locked_by = ?, lease_token = ?, locked_until = {now+?}
			WHERE id IN (`+sqlbind.List(len(jobs))+`)`), args...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return jobs, nil
}

// inTx runs fn in a transaction (on MySQL at READ COMMITTED, so that a
// locking read takes no gap locks): committed when fn returns nil, rolled
// back otherwise, and run again when the database aborted it for a deadlock,
// a lock wait timeout or a busy SQLite file (txretry.Run), as gormdb's unit of
// work is. fn must set its results afresh on every run.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	var opts *sql.TxOptions
	if s.dialect.name == sqldialect.MySQL {
		opts = &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	}
	return txretry.Run(ctx, func(int) error {
		tx, err := s.db.BeginTx(ctx, opts)
		if err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			_ = tx.Rollback()
			return err
		}
		return tx.Commit()
	})
}

// queryClaimed reads the jobs of a claim, leased to worker under token;
// uncounted means the rows do not count this attempt yet (the UPDATE that
// leases them comes next).
func queryClaimed(ctx context.Context, tx *sql.Tx, q string, args []any, worker, token string, uncounted bool) ([]domain.Job, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var jobs []domain.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		if uncounted {
			j.Attempt++
		}
		j.LockedBy, j.LeaseToken = worker, token
		jobs = append(jobs, j)
	}
	return jobs, rows.Err()
}

// claimSelect is the first statement of claimInTx, for kinds kinds.
func claimSelect(kinds int) string {
	return `SELECT ` + claimColumns + ` FROM jobs
		WHERE state = 'available' AND run_at <= {now} AND kind IN (` + sqlbind.List(kinds) + `)
		ORDER BY run_at, id LIMIT ?`
}

type scanner interface{ Scan(dest ...any) error }

func scanJob(r scanner) (domain.Job, error) {
	var j domain.Job
	err := r.Scan(&j.ID, &j.Kind, &j.Payload, &j.Attempt, &j.MaxAttempts, &j.RunAt, &j.LastError, &j.RequestID, &j.CreatedAt)
	j.State = domain.JobRunning
	j.RunAt, j.CreatedAt = j.RunAt.UTC(), j.CreatedAt.UTC()
	return j, err
}

// Complete marks j done.
func (s *Store) Complete(ctx context.Context, j domain.Job) error {
	return s.fenced(ctx, j, "complete", `state = 'done', finished_at = {now}`)
}

// Retry returns j to the queue after delay, its attempt counted, with the
// error that made it fail.
func (s *Store) Retry(ctx context.Context, j domain.Job, delay time.Duration, reason string) error {
	return s.fenced(ctx, j, "retry", `state = 'available', run_at = {now+?}, last_error = ?`,
		s.dialect.shift(delay), truncate(reason, maxError))
}

// Kill marks j dead, keeping it as the dead-letter record with its error,
// and emits the job.dead webhook event in the same transaction; but not for
// a dead webhook.deliver job, whose failure its delivery records (an event
// about it could only fail the same way, or loop).
func (s *Store) Kill(ctx context.Context, j domain.Job, reason string) error {
	const set = `state = 'dead', finished_at = {now}, last_error = ?`
	if j.Kind == domain.JobKindWebhookDeliver {
		return s.fencedOn(ctx, s.db, j, "kill", set, truncate(reason, maxError))
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.fencedOn(ctx, tx, j, "kill", set, truncate(reason, maxError)); err != nil {
			return err
		}
		return emitJobDead(ctx, tx, s.dialect, []domain.Job{j}, []string{reason})
	})
}

// Release returns j to the queue after delay without counting the attempt it
// was claimed for: it did not run, or was stopped by a shutdown, or could not
// run through no fault of its own.
func (s *Store) Release(ctx context.Context, j domain.Job, delay time.Duration) error {
	return s.fenced(ctx, j, "release", `state = 'available', attempt = attempt - 1, run_at = {now+?}`, s.dialect.shift(delay))
}

// fenced applies set to j's row only while j's claim still holds it.
func (s *Store) fenced(ctx context.Context, j domain.Job, what, set string, args ...any) error {
	return s.fencedOn(ctx, s.db, j, what, set, args...)
}

// fencedOn is fenced through c (the pool or a transaction).
func (s *Store) fencedOn(ctx context.Context, c conn, j domain.Job, what, set string, args ...any) error {
	q := s.dialect.sql(`UPDATE jobs SET ` + set + `, lease_token = NULL, locked_until = NULL
		WHERE id = ? AND state = 'running' AND lease_token = ?`)
	res, err := c.ExecContext(ctx, q, append(args, j.ID, j.LeaseToken)...)
	if err != nil {
		return fmt.Errorf("%s job %d: %w", what, j.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s job %d: %w", what, j.ID, err)
	}
	if n == 0 {
		return fmt.Errorf("%s job %d: %w", what, j.ID, domain.ErrJobLeaseLost)
	}
	return nil
}

// LeaseExpired is the last_error of a job the reaper took back.
const LeaseExpired = "lease expired: the worker stopped without finishing the job"

// Reap takes back every running job whose lease expired (its worker crashed
// or was killed): the attempt stays counted, so a job that kills its worker
// every time ends dead rather than looping. In the same transaction, a job
// it leaves dead emits job.dead (as Kill does), or, for a webhook.deliver
// job, leaves its delivery dead. It returns how many it took back.
func (s *Store) Reap(ctx context.Context) (n int64, err error) {
	lock := ``
	if s.dialect.name != sqldialect.SQLite { // SQLite: BEGIN IMMEDIATE holds the write lock already
		lock = ` FOR UPDATE`
	}
	// The expired leases are found first by a plain read of the running rows
	// (through ix_jobs_claim, led by state), then locked by primary key and
	// checked again: on InnoDB a locking read of the running rows would
	// wait on each one that an acknowledgement in progress holds.
	expired, err := s.expiredLeases(ctx)
	if err != nil || len(expired) == 0 {
		return 0, err
	}
	match := `id IN (` + sqlbind.List(len(expired)) + `) AND state = 'running' AND locked_until < {now}`
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		// The jobs that will be dead, locked so that they stay as read.
		rows, err := tx.QueryContext(ctx, s.dialect.sql(`SELECT id, kind, payload, attempt, max_attempts, request_id FROM jobs
			WHERE `+match+` AND attempt >= max_attempts`+lock), expired...)
		if err != nil {
			return err
		}
		var dead, deliveries []domain.Job
		for rows.Next() {
			var j domain.Job
			if err := rows.Scan(&j.ID, &j.Kind, &j.Payload, &j.Attempt, &j.MaxAttempts, &j.RequestID); err != nil {
				rows.Close()
				return err
			}
			if j.Kind == domain.JobKindWebhookDeliver {
				deliveries = append(deliveries, j)
			} else {
				dead = append(dead, j)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		// MySQL evaluates SET left to right with the new values: nothing below
		// reads a column that an earlier assignment changed.
		res, err := tx.ExecContext(ctx, s.dialect.sql(`UPDATE jobs SET
				finished_at = CASE WHEN attempt >= max_attempts THEN {now} ELSE NULL END,
				state = CASE WHEN attempt >= max_attempts THEN 'dead' ELSE 'available' END,
				run_at = {now}, last_error = ?, lease_token = NULL, locked_until = NULL
			WHERE `+match), append([]any{LeaseExpired}, expired...)...)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		reasons := make([]string, len(dead))
		for i := range reasons {
			reasons[i] = LeaseExpired
		}
		if err := killDeliveries(ctx, tx, s.dialect, deliveries, LeaseExpired); err != nil {
			return err
		}
		return emitJobDead(ctx, tx, s.dialect, dead, reasons)
	})
	if err != nil {
		return 0, fmt.Errorf("reap expired job leases: %w", err)
	}
	return n, nil
}

// maxReap bounds the jobs one Reap takes back; the next takes the rest.
const maxReap = 1000

// expiredLeases are the ids of running jobs whose lease has expired, up to
// maxReap, by a plain read.
func (s *Store) expiredLeases(ctx context.Context) ([]any, error) {
	rows, err := s.db.QueryContext(ctx, s.dialect.sql(`SELECT id FROM jobs
		WHERE state = 'running' AND locked_until < {now} ORDER BY id LIMIT ?`), maxReap)
	if err != nil {
		return nil, fmt.Errorf("find expired job leases: %w", err)
	}
	defer rows.Close()
	var ids []any
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// pruneBatch bounds one prune statement, so it never holds many locks at once.
const pruneBatch = 1000

// Prune deletes done jobs finished more than retention ago, and webhook
// events emitted more than retention ago whose deliveries are all finished
// (delivered or dead; the deliveries go with their event), and returns how
// many jobs and events. Dead jobs stay: they are the dead-letter record.
func (s *Store) Prune(ctx context.Context, retention time.Duration) (int64, error) {
	jobs, err := s.pruneBatches(ctx, "finished jobs", retention,
		`DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state = 'done' AND finished_at < {now+?} LIMIT ?)`,
		`DELETE FROM jobs WHERE state = 'done' AND finished_at < {now+?} LIMIT ?`)
	if err != nil {
		return jobs, err
	}
	// The deliveries log keeps what the jobs table keeps, and no longer:
	// an event goes once no delivery of it still waits.
	const open = `NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.event_id = %s AND d.status IN ('pending', 'retrying'))`
	events, err := s.pruneBatches(ctx, "webhook events", retention,
		`DELETE FROM webhook_events WHERE id IN (SELECT e.id FROM webhook_events e
			WHERE e.created_at < {now+?} AND `+fmt.Sprintf(open, "e.id")+` LIMIT ?)`,
		`DELETE FROM webhook_events WHERE created_at < {now+?} AND `+fmt.Sprintf(open, "webhook_events.id")+` LIMIT ?`)
	return jobs + events, err
}

// pruneBatches runs a DELETE of at most pruneBatch rows older than
// retention until one deletes fewer: q, or on MySQL, which has no LIMIT
// inside IN (…) but has DELETE … LIMIT, qMySQL.
func (s *Store) pruneBatches(ctx context.Context, what string, retention time.Duration, q, qMySQL string) (int64, error) {
	if s.dialect.name == sqldialect.MySQL {
		q = qMySQL
	}
	q = s.dialect.sql(q)
	var total int64
	for {
		res, err := s.db.ExecContext(ctx, q, s.dialect.shift(-retention), pruneBatch)
		if err != nil {
			return total, fmt.Errorf("prune %s: %w", what, err)
		}
		n, err := res.RowsAffected()
		total += n
		if err != nil || n < pruneBatch {
			return total, err
		}
	}
}

// Depth counts the jobs in each state, every state present.
func (s *Store) Depth(ctx context.Context) (map[string]int64, error) {
	byKind, err := s.DepthByKind(ctx)
	if err != nil {
		return nil, err
	}
	depth := map[string]int64{domain.JobAvailable: 0, domain.JobRunning: 0, domain.JobDone: 0, domain.JobDead: 0}
	for _, d := range byKind {
		depth[d.State] += d.Jobs
	}
	return depth, nil
}

func stringArgs(ss []string) []any {
	args := make([]any, len(ss))
	for i, s := range ss {
		args[i] = s
	}
	return args
}

// CompleteMany marks jobs done in one statement (on PostgreSQL) or one short
// transaction (elsewhere), each fenced by its own claim's lease token as
// Complete fences one job. It returns the ids whose lease was lost: nothing
// was written for them.
func (s *Store) CompleteMany(ctx context.Context, jobs []domain.Job) (lost []int64, err error) {
	if len(jobs) == 0 {
		return nil, nil
	}
	var written map[int64]bool
	switch s.dialect.name {
	case sqldialect.Postgres:
		written, err = s.completePostgres(ctx, jobs)
	case sqldialect.MySQL:
		written, err = s.completeMySQL(ctx, jobs)
	default:
		written, err = s.completeInTx(ctx, jobs)
	}
	if err != nil {
		return nil, fmt.Errorf("complete %d jobs: %w", len(jobs), err)
	}
	for _, j := range jobs {
		if !written[j.ID] {
			lost = append(lost, j.ID)
		}
	}
	return lost, nil
}

const completeSet = `state = 'done', finished_at = {now}, lease_token = NULL, locked_until = NULL`

// completePostgres matches each row to its own token through two arrays.
// The token alone fences: a row holds one only while running (every way out
// of running clears it). Naming state too would let the planner, with stale
// statistics, hash every running row instead of looking each id up.
func (s *Store) completePostgres(ctx context.Context, jobs []domain.Job) (map[int64]bool, error) {
	ids, tokens := make([]int64, len(jobs)), make([]string, len(jobs))
	for i, j := range jobs {
		ids[i], tokens[i] = j.ID, j.LeaseToken
	}
	rows, err := s.db.QueryContext(ctx, s.dialect.sql(`UPDATE jobs AS j SET `+completeSet+`
		FROM unnest(?::bigint[], ?::text[]) AS c(id, token)
		WHERE j.id = c.id AND j.lease_token = c.token
		RETURNING j.id`), ids, tokens)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	written := make(map[int64]bool, len(jobs))
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		written[id] = true
	}
	return written, rows.Err()
}

// completeInTx reads the rows' tokens under the write lock of BEGIN
// IMMEDIATE (SQLite), then updates those still held by their claim.
func (s *Store) completeInTx(ctx context.Context, jobs []domain.Job) (written map[int64]bool, err error) {
	token := make(map[int64]string, len(jobs))
	args := make([]any, len(jobs))
	for i, j := range jobs {
		token[j.ID], args[i] = j.LeaseToken, j.ID
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		written = nil // a run the database aborted wrote nothing
		held, err := heldOf(ctx, tx, s.dialect.sql(`SELECT id, lease_token FROM jobs
			WHERE id IN (`+sqlbind.List(len(jobs))+`) AND state = 'running'`), args, token)
		if err != nil || len(held) == 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.dialect.sql(`UPDATE jobs SET `+completeSet+`
			WHERE id IN (`+sqlbind.List(len(held))+`)`), held...); err != nil {
			return err
		}
		written = make(map[int64]bool, len(held))
		for _, id := range held {
			written[id.(int64)] = true
		}
		return nil
	})
	return written, err
}

// heldOf returns the ids whose row q reads with the token the claim gave.
func heldOf(ctx context.Context, tx *sql.Tx, q string, args []any, token map[int64]string) ([]any, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var held []any
	for rows.Next() {
		var id int64
		var t sql.NullString
		if err := rows.Scan(&id, &t); err != nil {
			return nil, err
		}
		if t.Valid && t.String == token[id] {
			held = append(held, id)
		}
	}
	return held, rows.Err()
}
