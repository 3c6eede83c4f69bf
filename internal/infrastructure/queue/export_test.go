package queue

// ClaimSelectMySQL is the SELECT of the MySQL claim, for the plan test.
func ClaimSelectMySQL(kinds int) string {
	d, _ := newDialect(mysql)
	return d.sql(claimSelect(d, kinds))
}
