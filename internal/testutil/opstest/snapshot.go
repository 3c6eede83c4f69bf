package opstest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// Snapshot is every row of every table of a database as text, each table's
// rows ordered by primary key: two snapshots are equal when the databases
// hold the same data.
type Snapshot map[string][]string

// TakeSnapshot reads every base table of the database at dsn (postgres or
// mysql).
func TakeSnapshot(t testing.TB, driver, dsn string) Snapshot {
	t.Helper()
	db := OpenSQL(t, driver, dsn)
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), Hang)
	defer cancel()
	schema, quote, param := "current_schema()", `"`, "$1"
	if driver == sqldialect.MySQL {
		schema, quote, param = "DATABASE()", "`", "?"
	}
	tables := queryStrings(ctx, t, db, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = `+schema+` AND table_type = 'BASE TABLE' ORDER BY table_name`)
	if len(tables) == 0 {
		t.Fatalf("no tables in %s", dsn)
	}
	snap := Snapshot{}
	for _, table := range tables {
		key := queryStrings(ctx, t, db, `SELECT kcu.column_name
			FROM information_schema.table_constraints tc
			JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name
				AND kcu.table_schema = tc.table_schema AND kcu.table_name = tc.table_name
			WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = `+schema+` AND tc.table_name = `+param+`
			ORDER BY kcu.ordinal_position`, table)
		q := "SELECT * FROM " + quote + table + quote
		if len(key) > 0 {
			q += " ORDER BY " + quote + strings.Join(key, quote+", "+quote) + quote
		}
		rows := renderRows(ctx, t, db, q)
		if len(key) == 0 { // no key to order by: the rows' text gives one order
			slices.Sort(rows)
		}
		snap[table] = rows
	}
	return snap
}

// OpenSQL opens a database/sql handle on a postgres or mysql DSN.
func OpenSQL(t testing.TB, driver, dsn string) *sql.DB {
	t.Helper()
	name := "pgx"
	if driver == sqldialect.MySQL {
		name = "mysql"
	}
	db, err := sql.Open(name, dsn)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func queryStrings(ctx context.Context, t testing.TB, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// renderRows returns each row as "col=value, …", values quoted so that no two
// different rows read the same.
func renderRows(ctx context.Context, t testing.TB, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	vals, ptrs := make([]any, len(cols)), make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, v := range vals {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(cols[i] + "=")
			switch v := v.(type) {
			case nil:
				b.WriteString("NULL")
			case []byte:
				b.WriteString(quote(string(v)))
			case string:
				b.WriteString(quote(v))
			case time.Time:
				b.WriteString(v.UTC().Format(time.RFC3339Nano))
			default:
				fmt.Fprintf(&b, "%v", v)
			}
		}
		out = append(out, b.String())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// quote quotes a value; a long one (an archived PDF) is summed up by its
// length and SHA-256, which tell two values apart as well and keep a failure
// message readable.
func quote(s string) string {
	if len(s) <= 200 {
		return strconv.Quote(s)
	}
	return fmt.Sprintf("%d bytes, sha256 %x", len(s), sha256.Sum256([]byte(s)))
}

// Without returns the snapshot less some tables.
func (s Snapshot) Without(tables ...string) Snapshot {
	out := Snapshot{}
	for k, v := range s {
		if !slices.Contains(tables, k) {
			out[k] = v
		}
	}
	return out
}

// Rows counts the rows of every table.
func (s Snapshot) Rows() map[string]int {
	out := map[string]int{}
	for k, v := range s {
		out[k] = len(v)
	}
	return out
}

// Diff describes how got differs from s, table by table, naming the first
// differing row; "" when they hold the same data.
func (s Snapshot) Diff(got Snapshot) string {
	var b strings.Builder
	var names []string
	for k := range s {
		names = append(names, k)
	}
	for k := range got {
		if _, ok := s[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, table := range names {
		want, ok1 := s[table]
		have, ok2 := got[table]
		switch {
		case !ok1:
			fmt.Fprintf(&b, "table %s: not expected (%d rows)\n", table, len(have))
		case !ok2:
			fmt.Fprintf(&b, "table %s: missing (want %d rows)\n", table, len(want))
		case !slices.Equal(want, have):
			i := 0
			for i < len(want) && i < len(have) && want[i] == have[i] {
				i++
			}
			fmt.Fprintf(&b, "table %s: %d rows, want %d; first difference at row %d:\n  want %s\n  got  %s\n",
				table, len(have), len(want), i, at(want, i), at(have, i))
		}
	}
	return b.String()
}

func at(rows []string, i int) string {
	if i < len(rows) {
		return rows[i]
	}
	return "(none)"
}
