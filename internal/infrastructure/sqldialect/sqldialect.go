// Package sqldialect names the three SQL dialects Dolibarr-Go runs on, as
// DOLIGO_DB_DRIVER spells them. It is a leaf: gormdb, the job queue, the
// configuration and the test helpers all name a dialect with these constants,
// so none of them has to import another to agree on a spelling.
package sqldialect

import (
	"fmt"
	"slices"
)

// The dialects.
const (
	Postgres = "postgres" // PostgreSQL through pgx
	MySQL    = "mysql"    // MySQL 8.0.19+ and MariaDB 10.6+ through go-sql-driver
	SQLite   = "sqlite"   // the embedded pure-Go SQLite, the zero-set-up default
)

// All lists every dialect, the default first.
var All = []string{SQLite, Postgres, MySQL}

// Check returns an error naming the dialects when name is none of them.
func Check(name string) error {
	if !slices.Contains(All, name) {
		return fmt.Errorf("unknown database dialect %q (want %s, %s or %s)", name, SQLite, Postgres, MySQL)
	}
	return nil
}
