package gormdb

import (
	"context"
	"errors"
	"fmt"
	"strings"

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

// insertAll inserts one row per item in one INSERT (conv makes the row) and
// gives each item the id of its row (setID); what names the rows in the
// error.
func insertAll[E, M any](ctx context.Context, db *gorm.DB, items []E, conv func(E) M, setID func(E, M), what string) error {
	if len(items) == 0 {
		return nil
	}
	rows := make([]M, len(items))
	for i, it := range items {
		rows[i] = conv(it)
	}
	if err := db.WithContext(ctx).Create(&rows).Error; err != nil {
		return fmt.Errorf("append %s: %w", what, err)
	}
	for i, it := range items {
		setID(it, rows[i])
	}
	return nil
}
