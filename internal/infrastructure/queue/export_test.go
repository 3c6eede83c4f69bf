package queue

import "github.com/doligo/doligo/internal/infrastructure/sqldialect"

// ClaimSelectMySQL is the SELECT of the MySQL claim, for the plan test.
func ClaimSelectMySQL(kinds int) string {
	d, _ := newDialect(sqldialect.MySQL)
	return d.sql(claimSelect(d, kinds))
}
