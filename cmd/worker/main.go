// Command worker runs Dolibarr-Go's background jobs (PDF rendering, e-mail)
// from the outbox table, and serves its own /health, /ready and /metrics.
//
//	worker               run until SIGTERM
//	worker healthcheck   exit 0 when the local worker's /health answers 200
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"github.com/rs/zerolog"
	_ "golang.org/x/crypto/x509roots/fallback" // CA roots compiled in: scratch has none on disk
	_ "time/tzdata"                            // zoneinfo compiled in: scratch has none on disk

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/httpserver"
	"github.com/doligo/doligo/internal/infrastructure/logging"
)

var version = "dev"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	cfg, err := config.Load()
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	cmd := "run"
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "run":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return work(ctx, cfg, logging.New(nil, cfg.LogLevel, cfg.LogFormat, "worker"), nil)
	case "healthcheck":
		return httpserver.Probe(cfg.WorkerHTTPAddr, "/health")
	case "version":
		fmt.Println(version)
		return nil
	default:
		return fmt.Errorf("unknown command %q (want run, healthcheck or version)", cmd)
	}
}

// work runs the worker until ctx is done. The worker never migrates: /ready
// stays 503 until the API (or `api migrate up`) has brought the schema to the
// version this build expects.
func work(ctx context.Context, cfg config.Config, log zerolog.Logger, listening func(net.Addr)) error {
	db, err := gormdb.Open(ctx, cfg.DBDriver, cfg.DBDSN, gormdb.Pool{
		MaxOpenConns: cfg.DBMaxOpenConns, MaxIdleConns: cfg.DBMaxIdleConns,
		ConnMaxLifetime: cfg.DBConnMaxLifetime, ConnMaxIdleTime: cfg.DBConnMaxIdleTime,
	})
	if err != nil {
		return err
	}
	defer db.Close()

	e := api.NewOpsServer(api.Options{Log: log, Metrics: api.NewMetrics(db.SQL), Ready: db.Readiness})
	log.Info().Str("addr", cfg.WorkerHTTPAddr).Str("db", cfg.DBDriver).Int("concurrency", cfg.WorkerConcurrency).
		Str("version", version).Msg("worker started")
	err = httpserver.Serve(ctx, cfg.WorkerHTTPAddr, e, httpserver.Timeouts{
		ReadHeader: cfg.HTTPReadHeaderTimeout, Read: cfg.HTTPReadTimeout, Write: cfg.HTTPWriteTimeout,
		Idle: cfg.HTTPIdleTimeout, Shutdown: cfg.ShutdownTimeout,
	}, listening)
	log.Info().Err(err).Msg("worker stopped")
	return err
}
