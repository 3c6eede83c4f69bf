package gormdb_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// `make run` starts the API and the worker at once on a SQLite file that does
// not exist yet. While the API's migration holds the new file's write lock in
// rollback-journal mode, the worker's connection cannot switch it to WAL (an
// exclusive moment that SQLite's busy timeout does not cover): Open must wait
// for it, not give up.
func TestOpenWaitsForANewSQLiteFileBeingWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "doligo.db")
	first, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	first.SetMaxOpenConns(1)
	ctx := context.Background()
	conn, err := first.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{"CREATE TABLE t (x INTEGER)", "BEGIN IMMEDIATE", "INSERT INTO t VALUES (1)"} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	opened := make(chan error, 1)
	go func() {
		db, err := gormdb.Open(ctx, sqldialect.SQLite, "file:"+path, testdb.Pool())
		if err == nil {
			db.Close()
		}
		opened <- err
	}()
	select {
	case err := <-opened:
		t.Fatalf("Open returned while the file was locked: %v", err)
	case <-time.After(300 * time.Millisecond): // the condition under test: Open is still waiting
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if err := <-opened; err != nil {
		t.Fatalf("Open after the lock was released: %v", err)
	}
}
