package gormdb

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/rs/zerolog"
	"gorm.io/gorm"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/queue"
)

// DefaultMaxAttempts bounds how often a unit of work runs when the database
// keeps aborting it for deadlocks or serialisation failures.
const DefaultMaxAttempts = 8

// UnitOfWork implements domain.UnitOfWork on GORM.
type UnitOfWork struct {
	db      *DB
	backoff func(attempt int) time.Duration
	// MaxAttempts bounds the runs of one Do (DefaultMaxAttempts by default).
	MaxAttempts int
	// OnRetry, when set, hears of every failure that Do retries (tests,
	// metrics).
	OnRetry func(attempt int, err error)
}

// NewUnitOfWork returns the unit of work of db.
//
// Transactions run at READ COMMITTED on every dialect that has a choice:
// PostgreSQL's default; on MySQL/MariaDB it replaces REPEATABLE READ so that a
// plain read after a row lock sees the latest committed data (not the
// snapshot of the transaction's first read) and locking reads take no gap
// locks, which would make concurrent first-time inserts of stock levels
// deadlock. On MySQL it is the session's level, set once per connection by
// Open (mysqlSessionDSN), not per transaction: sql.TxOptions would cost a
// SET TRANSACTION round trip on every unit of work. SQLite transactions are
// BEGIN IMMEDIATE (see SQLiteDSN): one writer at a time.
func NewUnitOfWork(db *DB) *UnitOfWork {
	return &UnitOfWork{db: db, MaxAttempts: DefaultMaxAttempts, backoff: jitteredBackoff}
}

// newRepositories binds every repository to db (a transaction or the pool).
// Features add their repository here and a field to domain.Repositories.
func newRepositories(db *gorm.DB, dialect string) domain.Repositories {
	return domain.Repositories{
		Products:   &productRepo{db: db, dialect: dialect},
		Warehouses: &warehouseRepo{db: db},
		Stock:      &stockRepo{db: db, dialect: dialect},
		Movements:  &movementRepo{db: db},

		ThirdParties: &thirdPartyRepo{db: db},
		Contacts:     &contactRepo{db: db},
		Documents:    &documentRepo{db: db, dialect: dialect},
		Payments:     &paymentRepo{db: db},
		Numbering:    &numberingRepo{db: db},

		BOMs:                &bomRepo{db: db},
		ManufacturingOrders: &moRepo{db: db},

		Outbox:  queue.NewOutbox(db),
		Archive: &archiveRepo{db: db},
	}
}

// Do implements domain.UnitOfWork: fn runs in one transaction, again after a
// deadlock or serialisation failure (with jittered backoff, at most
// MaxAttempts runs in all), never again after any other error.
func (u *UnitOfWork) Do(ctx context.Context, fn func(ctx context.Context, r domain.Repositories) error) error {
	for attempt := 1; ; attempt++ {
		err := u.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return fn(ctx, newRepositories(tx, u.db.Dialect))
		})
		if err == nil || !Retryable(err) || attempt >= u.MaxAttempts || ctx.Err() != nil {
			return err
		}
		if u.OnRetry != nil {
			u.OnRetry(attempt, err)
		}
		zerolog.Ctx(ctx).Debug().Err(err).Int("attempt", attempt).Msg("transaction aborted by the database: retrying")
		t := time.NewTimer(u.backoff(attempt))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (retry abandoned: %w)", err, ctx.Err())
		case <-t.C:
		}
	}
}

// Read implements domain.UnitOfWork: repositories on the pool, no transaction.
func (u *UnitOfWork) Read(ctx context.Context, fn func(ctx context.Context, r domain.Repositories) error) error {
	return fn(ctx, newRepositories(u.db.Gorm.WithContext(ctx), u.db.Dialect))
}

// jitteredBackoff waits a random time up to 2ms × 2^attempt (capped at 250ms),
// so that transactions that collided do not collide again in step.
func jitteredBackoff(attempt int) time.Duration {
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

// foreignKeyViolated reports a foreign-key violation on any dialect (see
// uniqueViolated for why SQLite is checked by hand).
func foreignKeyViolated(err error) bool {
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return true
	}
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	// ON DELETE RESTRICT is enforced like a trigger: SQLite reports it as
	// SQLITE_CONSTRAINT_TRIGGER, with the foreign-key message.
	return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY ||
		se.Code() == sqlite3.SQLITE_CONSTRAINT_TRIGGER && strings.Contains(se.Error(), "FOREIGN KEY")
}
