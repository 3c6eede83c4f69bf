package gormdb_test

import (
	"context"
	"io/fs"
	"os"
	"testing"

	"github.com/doligo/doligo/embed"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

// Every migration goes up, all the way down, and up again on every dialect;
// the schema state that /ready reads follows each step.
func TestMigrationsUpDownUp(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			dsn := testdb.Fresh(t, d)
			want, err := gormdb.ExpectedVersion(d)
			if err != nil {
				t.Fatal(err)
			}
			mg, err := gormdb.NewMigrator(d, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer mg.Close()
			if v, _, _ := mg.Version(); v != 0 {
				t.Fatalf("fresh database at version %d", v)
			}
			if err := mg.Up(); err != nil {
				t.Fatal(err)
			}
			assertVersion(t, mg, want)
			if err := mg.Up(); err != nil { // already current: not an error
				t.Fatal(err)
			}
			db, err := gormdb.Open(context.Background(), d, dsn, testdb.Pool())
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if reason := gormdb.SchemaStatus(context.Background(), db); reason != "" {
				t.Fatalf("schema not ready after up: %s", reason)
			}
			// Down one at a time so every down file runs on its own.
			steps, err := fs.Glob(embed.Migrations, "migrations/"+d+"/*.up.sql")
			if err != nil || len(steps) == 0 {
				t.Fatalf("no migrations embedded for %s: %v", d, err)
			}
			for v := len(steps); v > 0; v-- {
				if err := mg.Down(1); err != nil {
					t.Fatalf("down from %d: %v", v, err)
				}
			}
			if reason := gormdb.SchemaStatus(context.Background(), db); reason == "" {
				t.Fatal("schema reported ready after every migration was reverted")
			}
			if err := mg.Up(); err != nil {
				t.Fatalf("up again: %v", err)
			}
			assertVersion(t, mg, want)
			if err := mg.Down(0); err == nil {
				t.Fatal("down 0 accepted")
			}
		})
	}
}

func assertVersion(t *testing.T, mg *gormdb.Migrator, want uint) {
	t.Helper()
	v, dirty, err := mg.Version()
	if err != nil || dirty || v != want {
		t.Fatalf("version = %d dirty=%v err=%v; want %d clean", v, dirty, err, want)
	}
}
