// Package gormdb holds the database side of Dolibarr-Go: opening the three
// dialects, migrations, the unit of work and the GORM repositories.
package gormdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/infrastructure/txretry"
	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	gmysql "gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	_ "modernc.org/sqlite" // pure-Go SQLite, registered as "sqlite"
)

// Pool is the connection-pool part of the configuration.
type Pool struct {
	MaxOpenConns    int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
	ConnMaxIdleTime time.Duration
}

// DB is an open database: GORM for CRUD, the *sql.DB beneath it for plain SQL,
// and the dialect for the few statements that differ.
type DB struct {
	Gorm    *gorm.DB
	SQL     *sql.DB
	Dialect string
}

// Close closes the pool.
func (d *DB) Close() error { return d.SQL.Close() }

// Open connects to the database named by driver and dsn, applies the pool
// settings and checks that the server can do what the product relies on.
func Open(ctx context.Context, driver, dsn string, pool Pool) (*DB, error) {
	if driver == sqldialect.MySQL {
		var err error
		if dsn, err = mysqlSessionDSN(ctx, dsn); err != nil {
			return nil, err
		}
	}
	sqlDB, err := OpenSQL(driver, dsn)
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(pool.MaxOpenConns)
	sqlDB.SetMaxIdleConns(pool.MaxIdleConns)
	sqlDB.SetConnMaxLifetime(pool.ConnMaxLifetime)
	sqlDB.SetConnMaxIdleTime(pool.ConnMaxIdleTime)

	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := ping(pctx, sqlDB); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("connect to %s: %w", driver, err)
	}

	var dialector gorm.Dialector
	switch driver {
	case sqldialect.Postgres:
		dialector = postgres.New(postgres.Config{Conn: sqlDB})
	case sqldialect.MySQL:
		dialector = gmysql.New(gmysql.Config{Conn: sqlDB, SkipInitializeWithVersion: false})
	case sqldialect.SQLite:
		dialector = &sqlite.Dialector{DriverName: "sqlite", Conn: sqlDB}
	}
	g, err := gorm.Open(dialector, &gorm.Config{
		SkipDefaultTransaction: true, // every business change opens its own unit of work
		TranslateError:         true,
		NowFunc:                func() time.Time { return time.Now().UTC() },
		Logger:                 logger.Discard,
	})
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("gorm open %s: %w", driver, err)
	}
	return &DB{Gorm: g, SQL: sqlDB, Dialect: driver}, nil
}

// OpenSQL opens a database/sql pool with the settings each dialect needs:
// UTC times and parsed DATETIMEs on MySQL; WAL, a busy timeout, foreign keys
// and IMMEDIATE write transactions on SQLite.
func OpenSQL(driver, dsn string) (*sql.DB, error) {
	switch driver {
	case sqldialect.Postgres:
		return sql.Open("pgx", dsn)
	case sqldialect.MySQL:
		// Multi-statements: stockRepo.SaveLevelsAndMovements sends a stock
		// change's writes in one round trip.
		d, err := MySQLDSN(dsn, true)
		if err != nil {
			return nil, err
		}
		return sql.Open("mysql", d)
	case sqldialect.SQLite:
		d, err := SQLiteDSN(dsn)
		if err != nil {
			return nil, err
		}
		return sql.Open("sqlite", d)
	default:
		return nil, fmt.Errorf("unknown database driver %q (want sqlite, postgres or mysql)", driver)
	}
}

// MySQLDSN forces the connection settings the product relies on: parsed
// DATETIMEs in UTC, client-side parameter interpolation and, when asked,
// multi-statement execution. Interpolation is what makes multi-statements
// safe to use with arguments: the driver escapes every argument into the
// command itself (with server-side prepared statements, placeholders would
// be allowed in the first statement only), and the product never builds SQL
// from input.
func MySQLDSN(dsn string, multiStatements bool) (string, error) {
	c, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "", fmt.Errorf("DOLIGO_DB_DSN: %w", err)
	}
	c.ParseTime = true
	c.Loc = time.UTC
	c.MultiStatements = multiStatements
	// Without it, every statement with arguments is a server-side prepared
	// statement: prepare, execute and close, two round trips instead of one.
	// Inside a transaction that holds stock row locks, each extra round trip
	// is time other writers of the row wait (docs/benchmarks.md). The
	// connection charset is utf8mb4, which interpolation escapes safely.
	c.InterpolateParams = true
	if c.Params == nil {
		c.Params = map[string]string{}
	}
	c.Params["time_zone"] = "'+00:00'"
	return c.FormatDSN(), nil
}

// SQLiteDSN adds the pragmas the product relies on to a modernc SQLite DSN and
// creates the folder (0700) and the database file (0600) when missing.
func SQLiteDSN(dsn string) (string, error) {
	path, query, _ := strings.Cut(dsn, "?")
	q, err := url.ParseQuery(query)
	if err != nil {
		return "", fmt.Errorf("DOLIGO_DB_DSN: %w", err)
	}
	file := strings.TrimPrefix(path, "file:")
	if file != "" && file != ":memory:" && !strings.HasPrefix(file, ":") && q.Get("mode") != "memory" && q.Get("mode") != "ro" {
		if err := createPrivateDir(filepath.Dir(file)); err != nil {
			return "", err
		}
		if err := createPrivate(file); err != nil {
			return "", err
		}
	}
	have := strings.Join(q["_pragma"], ",")
	for _, p := range []string{
		"busy_timeout(30000)", // the API and the worker share the file: wait, don't fail
		"journal_mode(WAL)",
		"foreign_keys(1)",
		"synchronous(NORMAL)",
		"temp_store(MEMORY)", // the binaries write no temporary files
	} {
		name, _, _ := strings.Cut(p, "(")
		if !strings.Contains(have, name) {
			q.Add("_pragma", p)
		}
	}
	if q.Get("_txlock") == "" {
		// BEGIN IMMEDIATE takes the write lock up front: SQLite's equivalent of
		// SELECT … FOR UPDATE, and no upgrade deadlocks between readers.
		q.Set("_txlock", "immediate")
	}
	if q.Get("_time_format") == "" {
		q.Set("_time_format", "sqlite")
	}
	return path + "?" + q.Encode(), nil
}

// createPrivateDir creates the data folder, owner only (0700 whatever the
// umask), when it does not exist; an existing folder is left as it is.
func createPrivateDir(dir string) error {
	if _, err := os.Stat(dir); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create folder %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("chmod %s: %w", dir, err)
	}
	return nil
}

// createPrivate creates the database file, empty, readable and writable by
// its owner only, unless it exists. SQLite would create it 0644 minus the
// umask: the whole ledger, users' password hashes included, readable by every
// account of the host. SQLite gives the -wal and -shm files it creates the
// mode of the database file (and sets it whatever the umask), so they are
// 0600 too. An existing file keeps its mode: the operator may have chosen it
// (docs/security.md says how to narrow an older one).
func createPrivate(file string) error {
	f, err := os.OpenFile(file, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create %s: %w", file, err)
	}
	defer f.Close()
	// The mode given to open is narrowed by the umask but never widened;
	// Chmod makes it exactly 0600 whatever the umask.
	if err := f.Chmod(0o600); err != nil {
		return fmt.Errorf("chmod %s: %w", file, err)
	}
	return nil
}

var versionRe = regexp.MustCompile(`^(\d+)\.(\d+)\.(\d+)`)

// mysqlSessionDSN connects once to check the server (checkMySQLVersion) and
// returns dsn with the session's isolation level set to READ COMMITTED (see
// NewUnitOfWork), under the name the server's flavour gives the variable.
// Set per connection, it saves every transaction a SET TRANSACTION round
// trip; it overrides any level the DSN names.
func mysqlSessionDSN(ctx context.Context, dsn string) (string, error) {
	probe, err := OpenSQL(sqldialect.MySQL, dsn)
	if err != nil {
		return "", err
	}
	defer probe.Close()
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := probe.PingContext(pctx); err != nil {
		return "", fmt.Errorf("connect to %s: %w", sqldialect.MySQL, err)
	}
	version, err := checkMySQLVersion(pctx, probe)
	if err != nil {
		return "", err
	}
	c, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "", fmt.Errorf("DOLIGO_DB_DSN: %w", err)
	}
	if c.Params == nil {
		c.Params = map[string]string{}
	}
	delete(c.Params, "tx_isolation")
	delete(c.Params, "transaction_isolation")
	name, err := isolationVariable(version)
	if err != nil {
		return "", err
	}
	c.Params[name] = "'READ-COMMITTED'"
	return c.FormatDSN(), nil
}

// isolationVariable names the session's isolation level variable: MySQL 8
// has only transaction_isolation; MariaDB has tx_isolation, and
// transaction_isolation from 11.1 on, which deprecates the old name.
func isolationVariable(version string) (string, error) {
	major, minor, _, err := parseVersion(version)
	if err != nil {
		return "", err
	}
	if isMariaDB(version) && (major < 11 || major == 11 && minor < 1) {
		return "tx_isolation", nil
	}
	return "transaction_isolation", nil
}

// checkMySQLVersion refuses servers without SELECT … FOR UPDATE SKIP LOCKED,
// which the job queue's claim needs, and returns the server's version.
func checkMySQLVersion(ctx context.Context, db *sql.DB) (string, error) {
	var v string
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&v); err != nil {
		return "", fmt.Errorf("read server version: %w", err)
	}
	ok, err := supportedServer(v)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("database server %q is too old: Dolibarr-Go needs MySQL 8.0.19+ or MariaDB 10.6+ (SELECT … FOR UPDATE SKIP LOCKED, enforced CHECK constraints that migrations can drop)", v)
	}
	return v, nil
}

func isMariaDB(version string) bool { return strings.Contains(strings.ToLower(version), "mariadb") }

func parseVersion(version string) (major, minor, patch int, err error) {
	m := versionRe.FindStringSubmatch(version)
	if m == nil {
		return 0, 0, 0, fmt.Errorf("unrecognised server version %q", version)
	}
	major, _ = strconv.Atoi(m[1])
	minor, _ = strconv.Atoi(m[2])
	patch, _ = strconv.Atoi(m[3])
	return major, minor, patch, nil
}

// supportedServer reports whether a MySQL or MariaDB server can run the
// product: SKIP LOCKED for the job queue (MySQL 8.0.1, MariaDB 10.6) and
// ALTER TABLE … DROP CONSTRAINT for the migrations (MySQL 8.0.19).
func supportedServer(version string) (bool, error) {
	major, minor, patch, err := parseVersion(version)
	if err != nil {
		return false, err
	}
	if isMariaDB(version) {
		return major > 10 || (major == 10 && minor >= 6), nil
	}
	return major > 8 || (major == 8 && (minor > 0 || patch >= 19)), nil
}

// ping connects, waiting out a busy database: when the API and the worker
// start together on a new SQLite file, one of them is switching it to WAL
// (an exclusive moment the busy timeout does not cover) while the other
// connects, and that must not stop the second one.
func ping(ctx context.Context, db *sql.DB) error {
	for {
		err := db.PingContext(ctx)
		if err == nil || !txretry.Retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (still busy: %w)", err, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}
