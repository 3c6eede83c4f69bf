// Package txretry is the one way Dolibarr-Go runs a database transaction
// again after the database aborted it: one classifier (Retryable) and one
// budget with one jittered backoff (Run). gormdb's unit of work and the job
// queue both run their transactions through it, so a deadlock, a
// serialisation failure, a lock wait timeout or a busy SQLite file is treated
// the same wherever it happens.
package txretry

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/rs/zerolog"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// MaxAttempts bounds the runs of one transaction that the database keeps
// aborting. Ordered row locks make a retry rare; eight runs with the backoff
// below span about half a second, enough for a burst of collisions to pass.
const MaxAttempts = 8

// Run runs tx, which must run one whole transaction (begin, work, commit or
// roll back), and runs it again, after a jittered pause, while it fails with
// an error Retryable accepts: at most MaxAttempts runs in all. Any other
// error, or a done ctx, ends it. tx gets its run's number, from 1; it must
// have no effect outside the transaction, or only effects safe to repeat.
func Run(ctx context.Context, tx func(attempt int) error) error {
	for attempt := 1; ; attempt++ {
		err := tx(attempt)
		if err == nil || !Retryable(err) || attempt >= MaxAttempts || ctx.Err() != nil {
			return err
		}
		zerolog.Ctx(ctx).Debug().Err(err).Int("attempt", attempt).Msg("transaction aborted by the database: retrying")
		t := time.NewTimer(Backoff(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (retry abandoned: %w)", err, ctx.Err())
		case <-t.C:
		}
	}
}

// Backoff is the pause after a transaction's attempt-th run failed: a random
// time up to 2ms × 2^attempt (capped at 250ms), so that transactions that
// collided do not collide again in step.
func Backoff(attempt int) time.Duration {
	ceiling := min(2*time.Millisecond<<min(attempt, 7), 250*time.Millisecond)
	return time.Duration(rand.Int64N(int64(ceiling))) + time.Millisecond
}

// Retryable reports whether err means that the database aborted the
// transaction and running it again may succeed: a deadlock or serialisation
// failure (PostgreSQL 40P01, 40001), a deadlock or lock wait timeout (MySQL
// 1213, 1205), or a busy or locked database (SQLite).
func Retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40P01" || pe.Code == "40001"
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		return me.Number == 1213 || me.Number == 1205
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		primary := se.Code() & 0xff // extended codes keep the primary one in the low byte
		return primary == sqlite3.SQLITE_BUSY || primary == sqlite3.SQLITE_LOCKED
	}
	return false
}
