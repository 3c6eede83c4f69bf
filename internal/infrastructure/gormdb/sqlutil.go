package gormdb

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// likeEscape escapes the LIKE wildcards of s for ESCAPE '!' ('!' rather than
// a backslash, which MySQL would also read as a string escape).
func likeEscape(s string) string {
	return strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(s)
}

// uniqueViolated reports a unique-index violation on any dialect. GORM
// translates PostgreSQL's and MySQL's; its SQLite translator only knows
// mattn/go-sqlite3's error type, so modernc's is checked here.
func uniqueViolated(err error) bool {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	return false
}

// txAttempts bounds the runs of a transaction that the database keeps
// aborting for deadlocks.
const txAttempts = 5

// retryTx runs fn in a transaction, again (after a jittered pause) when the
// database aborted it for a deadlock or serialisation failure, as
// UnitOfWork.Do does for the repositories it hands out.
func retryTx(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB) error) error {
	for attempt := 1; ; attempt++ {
		err := db.WithContext(ctx).Transaction(fn)
		if err == nil || !Retryable(err) || attempt >= txAttempts {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(jitteredBackoff(attempt)):
		}
	}
}
