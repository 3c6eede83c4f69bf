// Package testdb gives each test package its own throw-away databases on
// PostgreSQL, MariaDB/MySQL and SQLite, migrated to the current schema, and
// drops them when the package's tests end, so packages can run in parallel.
//
// Usage:
//
//	func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }
//	func TestX(t *testing.T) { testdb.Each(t, func(t *testing.T, db *testdb.DB) { … }) }
//
// Servers come from TEST_PG_DSN (default postgres://postgres@127.0.0.1:5432/postgres)
// and TEST_MYSQL_DSN (default root@tcp(127.0.0.1:3306)/); TEST_DIALECTS
// (default "sqlite,postgres,mysql") narrows the set. An unreachable server
// fails the tests: CI must exercise every dialect.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// DB is one migrated test database.
type DB struct {
	*gormdb.DB // its Dialect names the database's dialect
	DSN        string
}

var (
	mu       sync.Mutex
	shared   = map[string]*DB{}
	dropping []func()
)

// Main runs the package's tests and then drops every database they created.
func Main(m *testing.M) int {
	code := m.Run()
	mu.Lock()
	defer mu.Unlock()
	for _, db := range shared {
		db.Close()
	}
	for i := len(dropping) - 1; i >= 0; i-- {
		dropping[i]()
	}
	return code
}

// Dialects lists the dialects under test.
func Dialects() []string {
	v := os.Getenv("TEST_DIALECTS")
	if v == "" {
		return sqldialect.All
	}
	return strings.Split(v, ",")
}

// Each runs fn once per dialect as a subtest named after it, on the package's
// shared migrated database. Tests sharing it must use their own references.
func Each(t *testing.T, fn func(t *testing.T, db *DB)) {
	t.Helper()
	for _, d := range Dialects() {
		t.Run(d, func(t *testing.T) { fn(t, Shared(t, d)) })
	}
}

// Shared returns the package's migrated database for a dialect, created on first use.
func Shared(t testing.TB, dialect string) *DB {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if db, ok := shared[dialect]; ok {
		return db
	}
	dsn, drop, err := create(dialect)
	if err != nil {
		t.Fatalf("create %s test database: %v", dialect, err)
	}
	dropping = append(dropping, drop)
	if err := migrateUp(dialect, dsn); err != nil {
		t.Fatalf("migrate %s test database: %v", dialect, err)
	}
	db, err := gormdb.Open(context.Background(), dialect, dsn, Pool())
	if err != nil {
		t.Fatalf("open %s test database: %v", dialect, err)
	}
	shared[dialect] = &DB{DB: db, DSN: dsn}
	return shared[dialect]
}

// Fresh creates an empty, unmigrated database for one test and drops it when
// the test ends. It returns the DSN.
func Fresh(t testing.TB, dialect string) string {
	t.Helper()
	dsn, drop, err := create(dialect)
	if err != nil {
		t.Fatalf("create %s test database: %v", dialect, err)
	}
	t.Cleanup(drop)
	return dsn
}

// Migrated is Fresh plus every migration, opened; closed and dropped after the test.
func Migrated(t testing.TB, dialect string) *DB {
	t.Helper()
	dsn := Fresh(t, dialect)
	if err := migrateUp(dialect, dsn); err != nil {
		t.Fatalf("migrate %s test database: %v", dialect, err)
	}
	db, err := gormdb.Open(context.Background(), dialect, dsn, Pool())
	if err != nil {
		t.Fatalf("open %s test database: %v", dialect, err)
	}
	t.Cleanup(func() { db.Close() })
	return &DB{DB: db, DSN: dsn}
}

// Pool is the pool used for test databases.
func Pool() gormdb.Pool {
	return gormdb.Pool{MaxOpenConns: 40, MaxIdleConns: 10, ConnMaxLifetime: time.Hour, ConnMaxIdleTime: time.Minute}
}

func migrateUp(dialect, dsn string) error {
	mg, err := gormdb.NewMigrator(dialect, dsn)
	if err != nil {
		return err
	}
	defer mg.Close()
	return mg.Up()
}

// PostgresAdminDSN is the maintenance connection used to create databases.
func PostgresAdminDSN() string {
	if v := os.Getenv("TEST_PG_DSN"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// MySQLAdminDSN is the maintenance connection used to create databases.
func MySQLAdminDSN() string {
	if v := os.Getenv("TEST_MYSQL_DSN"); v != "" {
		return v
	}
	return "root@tcp(127.0.0.1:3306)/"
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

// name is unique per process and call, and says which package made it.
func name() string {
	pkg := strings.TrimSuffix(filepath.Base(os.Args[0]), ".test")
	pkg = nonWord.ReplaceAllString(strings.ToLower(pkg), "_")
	if len(pkg) > 24 {
		pkg = pkg[:24]
	}
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return "doligo_t_" + pkg + "_" + hex.EncodeToString(b)
}

func create(dialect string) (dsn string, drop func(), err error) {
	n := name()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	switch dialect {
	case sqldialect.SQLite:
		dir, err := os.MkdirTemp("", n)
		if err != nil {
			return "", nil, err
		}
		return "file:" + filepath.Join(dir, "doligo.db"), func() { os.RemoveAll(dir) }, nil
	case sqldialect.Postgres:
		admin, err := sql.Open("pgx", PostgresAdminDSN())
		if err != nil {
			return "", nil, err
		}
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+n); err != nil {
			return "", nil, fmt.Errorf("%w (is PostgreSQL running? set TEST_PG_DSN)", err)
		}
		u, err := url.Parse(PostgresAdminDSN())
		if err != nil {
			return "", nil, err
		}
		u.Path = "/" + n
		return u.String(), func() { execAdmin("pgx", PostgresAdminDSN(), "DROP DATABASE IF EXISTS "+n+" WITH (FORCE)") }, nil
	case sqldialect.MySQL:
		admin, err := sql.Open("mysql", MySQLAdminDSN())
		if err != nil {
			return "", nil, err
		}
		defer admin.Close()
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+n+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
			return "", nil, fmt.Errorf("%w (is MariaDB running? set TEST_MYSQL_DSN)", err)
		}
		c, err := mysql.ParseDSN(MySQLAdminDSN())
		if err != nil {
			return "", nil, err
		}
		c.DBName = n
		return c.FormatDSN(), func() { execAdmin("mysql", MySQLAdminDSN(), "DROP DATABASE IF EXISTS "+n) }, nil
	}
	return "", nil, fmt.Errorf("unknown dialect %q", dialect)
}

func execAdmin(driver, dsn, stmt string) { _ = Exec(driver, dsn, stmt) }

// Exec runs one statement on a maintenance connection (driver "pgx" or
// "mysql"), e.g. to drop a database under a running server in a test.
func Exec(driver, dsn, stmt string) error {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err = db.ExecContext(ctx, stmt)
	return err
}
