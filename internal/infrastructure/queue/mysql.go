package queue

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"strings"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/sqlbind"
	"github.com/doligo/doligo/internal/infrastructure/txretry"
)

// On MySQL, which has no UPDATE … RETURNING, the claim and the batched
// acknowledgement are each a short READ COMMITTED transaction of a locking
// read and an UPDATE. Sent as separate statements, each costs five round
// trips (the isolation level, START TRANSACTION, the read, the UPDATE,
// COMMIT); as multi-statement commands (the pool's connections allow them,
// arguments interpolated and escaped by the driver: see gormdb.MySQLDSN) the
// acknowledgement costs one round trip and the claim's transaction two (its
// UPDATE needs the ids its read returned), after the plain read that finds
// its candidates. A command that fails halfway leaves its
// transaction open on the connection: onConn rolls it back there, or drops
// the connection.

// mysqlBegin opens the transaction of a command: READ COMMITTED, so that a
// locking read takes no gap locks.
const mysqlBegin = "SET TRANSACTION ISOLATION LEVEL READ COMMITTED;\nSTART TRANSACTION;\n"

// onConn runs fn on a connection of its own, again when the database aborted
// it (txretry.Run). When fn fails, whatever transaction it left open is
// rolled back on that connection; should that fail too, the connection is
// discarded rather than returned to the pool mid-transaction.
func (s *Store) onConn(ctx context.Context, fn func(c *sql.Conn) error) error {
	return txretry.Run(ctx, func(int) error {
		c, err := s.db.Conn(ctx)
		if err != nil {
			return err
		}
		defer c.Close()
		if err = fn(c); err != nil {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if _, rerr := c.ExecContext(rctx, "ROLLBACK"); rerr != nil {
				_ = c.Raw(func(any) error { return driver.ErrBadConn })
			}
		}
		return err
	})
}

// queryAll runs a multi-statement command and calls scan for every row of
// every result set (the statements that return none have empty ones).
func queryAll(ctx context.Context, c *sql.Conn, q string, args []any, scan func(*sql.Rows) error) error {
	rows, err := c.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for {
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		if !rows.NextResultSet() {
			break
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	return rows.Close()
}

// claimMySQL leases up to limit jobs in three round trips:
//
//  1. the candidates: the ids of the oldest due jobs of kinds, twice as many
//     as wanted, by a plain (consistent, non-locking) read of ix_jobs_claim,
//     outside any transaction; none, and the claim ends there;
//  2. the transaction, opened with a locking read of the first limit
//     candidates by primary key that are still available and due, FOR
//     UPDATE SKIP LOCKED (again with the next ones, should a concurrent
//     claim hold some: each round trip locks only what it returns);
//  3. the UPDATE that leases them, with its COMMIT.
//
// Why not one locking read of ix_jobs_claim, as on PostgreSQL: each claimed
// row leaves a delete-marked entry at the head of the index's 'available'
// range until InnoDB's purge removes it, and a locking read must check
// every such entry against its row, where a plain read passes it by. Under a
// steady load that made a claim of 100 jobs cost MariaDB 1–14 ms growing
// with the purge's lag, against 0.3–0.5 ms for the plain read of the same
// range (docs/benchmarks.md, "Throughput, fifth round").
func (s *Store) claimMySQL(ctx context.Context, worker, token string, kinds []string, limit int, lease time.Duration) (jobs []domain.Job, err error) {
	var candidates []int64
	rows, err := s.db.QueryContext(ctx, s.dialect.sql(claimCandidatesMySQL(len(kinds))), append(stringArgs(kinds), 2*limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		candidates = append(candidates, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(candidates) == 0 {
		return nil, nil
	}
	err = s.onConn(ctx, func(c *sql.Conn) error {
		jobs = nil
		begin := mysqlBegin
		for left := candidates; len(jobs) < limit && len(left) > 0; begin = "" {
			batch := left[:min(limit-len(jobs), len(left))]
			left = left[len(batch):]
			args := make([]any, len(batch))
			for i, id := range batch {
				args[i] = id
			}
			err := queryAll(ctx, c, begin+s.dialect.sql(claimLockMySQL(len(batch))), args, func(rows *sql.Rows) error {
				j, err := scanJob(rows)
				j.Attempt++ // counted by the UPDATE below
				j.LockedBy, j.LeaseToken = worker, token
				jobs = append(jobs, j)
				return err
			})
			if err != nil {
				return err
			}
		}
		if len(jobs) == 0 {
			_, err = c.ExecContext(ctx, "COMMIT")
			return err
		}
		args := []any{worker, token, s.dialect.shift(lease)}
		for _, j := range jobs {
			args = append(args, j.ID)
		}
		return queryAll(ctx, c, s.dialect.sql(`UPDATE jobs SET state = 'running', attempt = attempt + 1,
			locked_by = ?, lease_token = ?, locked_until = {now+?}
			WHERE id IN (`+sqlbind.List(len(jobs))+`);
			COMMIT`), args, nil)
	})
	return jobs, err
}

// claimCandidatesMySQL is the claim's first read, for kinds kinds: forced
// onto the (state, run_at, id) index, which it walks in ORDER BY order,
// stopping after LIMIT rows.
func claimCandidatesMySQL(kinds int) string {
	return `SELECT id FROM jobs FORCE INDEX (ix_jobs_claim)
		WHERE state = 'available' AND run_at <= {now} AND kind IN (` + sqlbind.List(kinds) + `)
		ORDER BY run_at, id LIMIT ?`
}

// claimLockMySQL locks n candidates by primary key, those that are still
// available and due and that no other claim holds.
func claimLockMySQL(n int) string {
	return `SELECT ` + claimColumns + ` FROM jobs FORCE INDEX (PRIMARY)
		WHERE id IN (` + sqlbind.List(n) + `) AND state = 'available' AND run_at <= {now}
		FOR UPDATE SKIP LOCKED`
}

// completeMySQL is CompleteMany in one round trip: the rows still held by
// their claim (matched by primary key and token: a row holds a token only
// while running) are read under lock, then updated, then committed.
func (s *Store) completeMySQL(ctx context.Context, jobs []domain.Job) (written map[int64]bool, err error) {
	match, args := completeMatchMySQL(jobs)
	q := s.dialect.sql(mysqlBegin + `SELECT id FROM jobs WHERE ` + match + ` FOR UPDATE;
		UPDATE jobs SET ` + completeSet + ` WHERE ` + match + `;
		COMMIT`)
	err = s.onConn(ctx, func(c *sql.Conn) error {
		written = make(map[int64]bool, len(jobs)) // a run the database aborted wrote nothing
		return queryAll(ctx, c, q, append(args, args...), func(rows *sql.Rows) error {
			var id int64
			err := rows.Scan(&id)
			written[id] = true
			return err
		})
	})
	return written, err
}

// completeMatchMySQL is the condition that matches the rows of jobs still
// held by their own claim, with its arguments. id IN (…) walks the primary
// key (naming state too would let InnoDB walk the running rows of
// ix_jobs_claim instead, waiting on every row a concurrent claim has
// locked); the CASE pairs each row with its own claim's token.
func completeMatchMySQL(jobs []domain.Job) (string, []any) {
	var match strings.Builder
	match.WriteString(`id IN (` + sqlbind.List(len(jobs)) + `) AND lease_token = CASE id`)
	args := make([]any, 0, 3*len(jobs))
	for _, j := range jobs {
		args = append(args, j.ID)
	}
	for _, j := range jobs {
		match.WriteString(` WHEN ? THEN ?`)
		args = append(args, j.ID, j.LeaseToken)
	}
	match.WriteString(` END`)
	return match.String(), args
}
