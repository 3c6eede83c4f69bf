package queue

import (
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/doligo/doligo/internal/infrastructure/sqlbind"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// dialect renders the few expressions that differ between the databases.
// Statements are written once with ? placeholders and two macros:
//
//	{now}    the database clock
//	{now+?}  the database clock shifted by a duration, given as one argument (see shift)
//
// Every time the queue compares or writes comes from the database clock, so
// workers on hosts whose clocks disagree still agree on leases and run_at.
type dialect struct {
	name     string
	replacer *strings.Replacer
}

// dialects are built once: an outbox is made for every unit of work.
var dialects = func() map[string]dialect {
	m := map[string]dialect{}
	for _, name := range sqldialect.All {
		m[name] = buildDialect(name)
	}
	return m
}()

func newDialect(name string) (dialect, error) {
	d, ok := dialects[name]
	if !ok {
		return dialect{}, fmt.Errorf("job queue: unknown database dialect %q", name)
	}
	return d, nil
}

func buildDialect(name string) dialect {
	var now, shifted string
	switch name {
	case sqldialect.Postgres:
		now, shifted = "now()", "(now() + ?::bigint * interval '1 microsecond')"
	case sqldialect.MySQL:
		now, shifted = "CURRENT_TIMESTAMP(6)", "(CURRENT_TIMESTAMP(6) + INTERVAL ? MICROSECOND)"
	case sqldialect.SQLite:
		// Fixed-width UTC text, so that comparing text is comparing times.
		now = "(strftime('%Y-%m-%d %H:%M:%f', 'now') || '+00:00')"
		shifted = "(strftime('%Y-%m-%d %H:%M:%f', 'now', ?) || '+00:00')"
	}
	return dialect{name: name, replacer: strings.NewReplacer("{now+?}", shifted, "{now}", now)}
}

// sql expands the macros and, on PostgreSQL, numbers the placeholders.
// Statements hold no ? inside string literals.
func (d dialect) sql(q string) string {
	q = d.replacer.Replace(q)
	if d.name != sqldialect.Postgres {
		return q
	}
	return sqlbind.Dollar(q)
}

// shift is the argument of {now+?} for a duration (negative: the past).
func (d dialect) shift(dur time.Duration) any {
	if d.name == sqldialect.SQLite {
		return fmt.Sprintf("%+.3f seconds", dur.Seconds())
	}
	return dur.Microseconds()
}

// timeArg is a time as the dialect stores it: SQLite keeps the same text the
// {now} macro writes.
func (d dialect) timeArg(t time.Time) any {
	if d.name == sqldialect.SQLite {
		return t.UTC().Format("2006-01-02 15:04:05.000") + "+00:00"
	}
	return t.UTC()
}

// newToken returns a fresh lease token: 128 random bits (26 base32 characters).
func newToken() string {
	return rand.Text()
}
