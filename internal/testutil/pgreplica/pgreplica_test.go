package pgreplica_test

import (
	"database/sql"
	"testing"

	"github.com/doligo/doligo/internal/testutil/pgreplica"
)

// The pair replicates, and a paused replica lags until resumed.
func TestPairReplicatesAndLagsWhenPaused(t *testing.T) {
	p := pgreplica.Start(t)
	primary, replica := dbOf(t, p.PrimaryDSN), dbOf(t, p.ReplicaDSN)
	exec(t, primary, `CREATE TABLE notes (id INT PRIMARY KEY)`)
	exec(t, primary, `INSERT INTO notes VALUES (1)`)
	p.WaitCaughtUp(t)
	if n := count(t, replica); n != 1 {
		t.Fatalf("%d rows on the replica, want 1", n)
	}
	p.Pause(t)
	exec(t, primary, `INSERT INTO notes VALUES (2)`)
	if n := count(t, replica); n != 1 {
		t.Fatalf("%d rows on the paused replica, want still 1", n)
	}
	p.Resume(t)
	if n := count(t, replica); n != 2 {
		t.Fatalf("%d rows on the resumed replica, want 2", n)
	}
	if _, err := replica.Exec(`INSERT INTO notes VALUES (3)`); err == nil {
		t.Fatal("the replica took a write")
	}
}

func dbOf(t *testing.T, dsn string) *sql.DB {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func exec(t *testing.T, db *sql.DB, q string) {
	t.Helper()
	if _, err := db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func count(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM notes`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
