// Command api is the Dolibarr-Go REST API server.
//
//	api                      serve (migrating first unless DOLIGO_MIGRATE_ON_START=false)
//	api migrate up|down N|version|force V
//	api healthcheck          exit 0 when the local server's /health answers 200
//	api version
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"syscall"

	_ "time/tzdata" // zoneinfo compiled in: scratch has none on disk

	_ "time/tzdata" // zoneinfo compiled in: scratch has none on disk

	"github.com/rs/zerolog"
	_ "golang.org/x/crypto/x509roots/fallback" // CA roots compiled in: scratch has none on disk

	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/httpserver"
	"github.com/doligo/doligo/internal/infrastructure/logging"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "api:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	cfg, err := config.Load()
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	switch cmd {
	case "serve":
		if n, ok := cfg.APIMemoryLimitBytes(); ok {
			debug.SetMemoryLimit(n) // DOLIGO_API_MEMORY_LIMIT: parallel PDF renders (config/memory.go)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return serve(ctx, cfg, logging.New(nil, cfg.LogLevel, cfg.LogFormat, "api"), nil)
	case "migrate":
		return migrateCmd(cfg, args)
	case "healthcheck":
		return httpserver.Probe(cfg.HTTPAddr, "/health")
	case "version":
		fmt.Println(version)
		return nil
	default:
		return fmt.Errorf("unknown command %q (want serve, migrate, healthcheck or version)", cmd)
	}
}

// serve runs the API until ctx is done. listening, if not nil, receives the
// bound address (tests listen on ":0").
func serve(ctx context.Context, cfg config.Config, log zerolog.Logger, listening func(net.Addr)) error {
	if src, err := cfg.EnsureJWTSecret(); err != nil {
		return err
	} else if src != "" {
		log.Warn().Str("file", src).Msg("DOLIGO_JWT_SECRET is not set: using the key kept in the data folder; set it in production")
	}
	if cfg.MigrateOnStart {
		if err := migrateUp(cfg); err != nil {
			return err
		}
		log.Info().Msg("schema migrated")
	}
	db, err := gormdb.Open(ctx, cfg.DBDriver, cfg.DBDSN, gormdb.Pool{
		MaxOpenConns: cfg.DBMaxOpenConns, MaxIdleConns: cfg.DBMaxIdleConns,
		ConnMaxLifetime: cfg.DBConnMaxLifetime, ConnMaxIdleTime: cfg.DBConnMaxIdleTime,
	})
	if err != nil {
		return err
	}
	defer db.Close()
	var replica *gormdb.DB
	if cfg.DBReadDSN != "" {
		if replica, err = gormdb.Open(ctx, cfg.DBDriver, cfg.DBReadDSN, gormdb.Pool{
			MaxOpenConns: cfg.DBMaxOpenConns, MaxIdleConns: cfg.DBMaxIdleConns,
			ConnMaxLifetime: cfg.DBConnMaxLifetime, ConnMaxIdleTime: cfg.DBConnMaxIdleTime,
		}); err != nil {
			return fmt.Errorf("read replica (DOLIGO_DB_READ_DSN): %w", err)
		}
		defer replica.Close()
		log.Info().Msg("lists, reports and exports read from the replica of DOLIGO_DB_READ_DSN")
	}
	e, err := newServer(ctx, cfg, log, db, replica)
	if err != nil {
		return err
	}
	log.Info().Str("addr", cfg.HTTPAddr).Str("db", cfg.DBDriver).Str("version", version).Msg("api listening")
	err = httpserver.Serve(ctx, cfg.HTTPAddr, e, httpserver.Limits{
		ReadHeader: cfg.HTTPReadHeaderTimeout, Read: cfg.HTTPReadTimeout, Write: cfg.HTTPWriteTimeout,
		Idle: cfg.HTTPIdleTimeout, Shutdown: cfg.ShutdownTimeout, MaxHeaderBytes: cfg.MaxHeaderBytes(),
	}, listening)
	log.Info().Err(err).Msg("api stopped")
	return err
}

func migrateUp(cfg config.Config) error {
	mg, err := gormdb.NewMigrator(cfg.DBDriver, cfg.DBDSN)
	if err != nil {
		return err
	}
	defer mg.Close()
	return mg.Up()
}

func migrateCmd(cfg config.Config, args []string) error {
	usage := errors.New("usage: api migrate up | down N | version | force V")
	if len(args) == 0 {
		return usage
	}
	mg, err := gormdb.NewMigrator(cfg.DBDriver, cfg.DBDSN)
	if err != nil {
		return err
	}
	defer mg.Close()
	num := func() (int, error) {
		if len(args) != 2 {
			return 0, usage
		}
		n, err := strconv.Atoi(args[1])
		if err != nil {
			return 0, fmt.Errorf("%q is not a number: %w", args[1], usage)
		}
		return n, nil
	}
	switch args[0] {
	case "up":
		if err := mg.Up(); err != nil {
			return err
		}
	case "down":
		n, err := num()
		if err != nil {
			return err
		}
		if err := mg.Down(n); err != nil {
			return err
		}
	case "force":
		v, err := num()
		if err != nil {
			return err
		}
		if err := mg.Force(v); err != nil {
			return err
		}
	case "version":
	default:
		return usage
	}
	v, dirty, err := mg.Version()
	if err != nil {
		return err
	}
	want, _ := gormdb.ExpectedVersion(cfg.DBDriver)
	fmt.Printf("version %d (dirty: %v; this build expects %d)\n", v, dirty, want)
	return nil
}
