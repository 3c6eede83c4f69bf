package gormdb

import (
	"context"
	"errors"
	"strings"

	"gorm.io/gorm"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/queue"
	"github.com/doligo/doligo/internal/infrastructure/txretry"
)

// UnitOfWork implements domain.UnitOfWork on GORM.
type UnitOfWork struct {
	db     *DB
	notify *queue.Notifier // PostgreSQL: wakes the workers after a commit that enqueued
	// OnRetry, when set, hears of every failure that Do retries (tests,
	// metrics).
	OnRetry func(attempt int, err error)
	// Replica, when set, is where ReadReplica reads: a streaming replica of
	// db (DOLIGO_DB_READ_DSN).
	Replica *DB
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
	return &UnitOfWork{db: db, notify: queue.NewNotifier(db.SQL)}
}

// newRepositories binds every repository to tx, the unit of work's
// transaction. Features add their repository here and a field to
// domain.Repositories (and its read half to newReaders).
func newRepositories(tx *gorm.DB, dialect string, wake *queue.Wakeups) domain.Repositories {
	return domain.Repositories{
		Products:   &productRepo{db: tx, dialect: dialect},
		Warehouses: &warehouseRepo{db: tx},
		Stock:      &stockRepo{db: tx, dialect: dialect},
		Movements:  &movementRepo{db: tx},

		SupplierPrices: &supplierPriceRepo{db: tx, dialect: dialect},
		StockNeeds:     &stockNeedRepo{db: tx, d: reportDialect(dialect)},

		ThirdParties:  &thirdPartyRepo{db: tx},
		Contacts:      &contactRepo{db: tx},
		Documents:     &documentRepo{db: tx, dialect: dialect},
		Payments:      &paymentRepo{db: tx},
		CurrencyRates: &currencyRateRepo{db: tx, dialect: dialect},
		Numbering:     &numberingRepo{db: tx, dialect: dialect},
		Receptions:    &receptionRepo{db: tx, dialect: dialect},
		Shipments:     &shipmentRepo{db: tx, dialect: dialect},

		InvoiceTemplates: &invoiceTemplateRepo{db: tx},

		BOMs:                &bomRepo{db: tx},
		ManufacturingOrders: &moRepo{db: tx},

		Users:         &userRepo{db: tx},
		Roles:         &roleRepo{db: tx},
		LoginFailures: &loginFailureRepo{db: tx},
		RefreshTokens: &refreshTokenRepo{db: tx},
		Idempotency:   &idempotencyRepo{db: tx},

		Outbox:  queue.NewOutbox(tx).WakeAfterCommit(wake),
		Archive: &archiveRepo{db: tx},
		Company: &companyRepo{db: tx},

		Events:   queue.NewEvents(tx).WakeAfterCommit(wake),
		Webhooks: &webhookRepo{db: tx},
		Audit:    &auditRepo{db: tx, dialect: dialect},

		BankAccounts:   &bankAccountRepo{db: tx},
		BankLines:      &bankLineRepo{db: tx, dialect: dialect},
		BankStatements: &bankStatementRepo{db: tx},
		Accounting:     &accountingRepo{db: tx, dialect: dialect},
		Periods:        &periodRepo{db: tx, dialect: dialect},
	}
}

// newReaders binds the read halves to the pool: no transaction, no lock.
func newReaders(db *gorm.DB, dialect string) domain.Readers {
	return newRepositories(db, dialect, nil).Readers()
}

// Do implements domain.UnitOfWork: fn runs in one transaction, again after a
// deadlock or serialisation failure (txretry.Run), never again after any
// other error.
func (u *UnitOfWork) Do(ctx context.Context, fn func(ctx context.Context, r domain.Repositories) error) error {
	var last error
	return txretry.Run(ctx, func(attempt int) error {
		if attempt > 1 && u.OnRetry != nil {
			u.OnRetry(attempt-1, last)
		}
		var wake queue.Wakeups // a run the database aborted enqueued nothing
		last = u.db.Gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			r := newRepositories(tx, u.db.Dialect, &wake)
			if err := fn(ctx, r); err != nil {
				return err
			}
			return r.Audit.(*auditRepo).flush(ctx) // the audit rows and chain links, last before COMMIT
		})
		if last == nil {
			// Committed: the change stands whether the workers hear of it now
			// or at their next poll.
			_ = wake.Send(ctx, u.notify)
		}
		return last
	})
}

// Read implements domain.UnitOfWork: the read halves on the pool, no
// transaction.
func (u *UnitOfWork) Read(ctx context.Context, fn func(ctx context.Context, r domain.Readers) error) error {
	return fn(ctx, newReaders(u.db.Gorm.WithContext(ctx), u.db.Dialect))
}

// ReadReplica implements domain.UnitOfWork: Read on the replica when there
// is one.
func (u *UnitOfWork) ReadReplica(ctx context.Context, fn func(ctx context.Context, r domain.Readers) error) error {
	db := u.db
	if u.Replica != nil {
		db = u.Replica
	}
	return fn(ctx, newReaders(db.Gorm.WithContext(ctx), db.Dialect))
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
