package gormdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database"
	mmysql "github.com/golang-migrate/migrate/v4/database/mysql"
	mpgx "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	msqlite "github.com/golang-migrate/migrate/v4/database/sqlite"
	"github.com/golang-migrate/migrate/v4/source/iofs"

	"github.com/doligo/doligo/embed"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// Migrator runs the embedded migrations of one dialect with golang-migrate.
// It owns a connection pool of its own (MySQL needs multiStatements for
// migration files), closed by Close.
type Migrator struct {
	m *migrate.Migrate
}

// NewMigrator opens a migration session on the database named by driver and dsn.
func NewMigrator(driver, dsn string) (*Migrator, error) {
	src, err := iofs.New(embed.Migrations, "migrations/"+driver)
	if err != nil {
		return nil, fmt.Errorf("embedded migrations for %s: %w", driver, err)
	}
	var db *sql.DB
	if driver == sqldialect.MySQL {
		d, derr := MySQLDSN(dsn, true)
		if derr != nil {
			return nil, derr
		}
		db, err = sql.Open("mysql", d)
	} else {
		db, err = OpenSQL(driver, dsn)
	}
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ping(pctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to %s: %w", driver, err)
	}
	var drv database.Driver
	switch driver {
	case sqldialect.Postgres:
		drv, err = mpgx.WithInstance(db, &mpgx.Config{})
	case sqldialect.MySQL:
		drv, err = mmysql.WithInstance(db, &mmysql.Config{})
	case sqldialect.SQLite:
		drv, err = msqlite.WithInstance(db, &msqlite.Config{})
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("migration driver for %s: %w", driver, err)
	}
	m, err := migrate.NewWithInstance("iofs", src, driver, drv)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Migrator{m: m}, nil
}

// Up applies every pending migration; being already current is not an error.
func (mg *Migrator) Up() error {
	if err := mg.m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("migrate up: %w", err)
	}
	return nil
}

// Down reverts n migrations.
func (mg *Migrator) Down(n int) error {
	if n < 1 {
		return fmt.Errorf("migrate down: N must be at least 1, got %d", n)
	}
	if err := mg.m.Steps(-n); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("migrate down %d: %w", n, err)
	}
	return nil
}

// Version reports the current version; 0 with no error means no migration ran yet.
func (mg *Migrator) Version() (version uint, dirty bool, err error) {
	v, d, err := mg.m.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		return 0, false, nil
	}
	return v, d, err
}

// Force sets the version without running anything, to recover from a dirty state.
func (mg *Migrator) Force(v int) error { return mg.m.Force(v) }

// Close releases the migrator's connections.
func (mg *Migrator) Close() error {
	serr, derr := mg.m.Close()
	return errors.Join(serr, derr)
}

// ExpectedVersion is the highest migration version embedded for the dialect:
// the version this build of the binaries needs.
func ExpectedVersion(driver string) (uint, error) {
	entries, err := fs.ReadDir(embed.Migrations, path.Join("migrations", driver))
	if err != nil {
		return 0, fmt.Errorf("embedded migrations for %s: %w", driver, err)
	}
	var max uint64
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		if !ok {
			continue
		}
		v, err := strconv.ParseUint(num, 10, 64)
		if err != nil {
			continue
		}
		if v > max {
			max = v
		}
	}
	if max == 0 {
		return 0, fmt.Errorf("no migrations embedded for %s", driver)
	}
	return uint(max), nil
}

// SchemaState reads golang-migrate's bookkeeping row directly: cheap enough for
// every /ready probe, and it needs no migration lock.
func SchemaState(ctx context.Context, db *sql.DB) (version uint, dirty bool, err error) {
	var v int64
	err = db.QueryRowContext(ctx, "SELECT version, dirty FROM schema_migrations LIMIT 1").Scan(&v, &dirty)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, err
	}
	return uint(v), dirty, nil
}

// SchemaStatus describes whether the schema is what this build needs; it
// returns "" when ready, or the reason it is not.
func SchemaStatus(ctx context.Context, d *DB) string {
	want, err := ExpectedVersion(d.Dialect)
	if err != nil {
		return err.Error()
	}
	have, dirty, err := SchemaState(ctx, d.SQL)
	switch {
	case err != nil:
		return "database unreachable or schema missing: " + err.Error()
	case dirty:
		return fmt.Sprintf("schema is dirty at version %d: a migration failed; fix it, then `api migrate force V`", have)
	case have < want:
		return fmt.Sprintf("schema at version %d, this build needs %d: run `api migrate up`", have, want)
	case have > want:
		return fmt.Sprintf("schema at version %d is newer than this build (%d): upgrade the binary", have, want)
	}
	return ""
}

// Readiness returns "" when the database answers within two seconds and the
// schema is at this build's version, or the reason it is not ready.
func (d *DB) Readiness(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := d.SQL.PingContext(ctx); err != nil {
		return "database unreachable: " + err.Error()
	}
	return SchemaStatus(ctx, d)
}
