// Package sqlbind holds the two placeholder chores of the plain SQL that the
// queue and the reports write once for every dialect with `?` placeholders.
package sqlbind

import (
	"strconv"
	"strings"
)

// Dollar numbers the ? placeholders of q as $1, $2, … for PostgreSQL.
// Statements must hold no ? inside string literals.
func Dollar(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// List returns "?, ?, ?" for n values.
func List(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}
