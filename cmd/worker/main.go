// Command worker runs Dolibarr-Go's background jobs (PDF rendering and
// archiving, e-mail with the PDF attached) from the outbox table, and serves
// its own /health, /ready and /metrics.
//
//	worker               run until SIGTERM (a second signal stops at once)
//	worker healthcheck   exit 0 when the local worker's /health answers 200
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	_ "time/tzdata" // zoneinfo compiled in: scratch has none on disk

	"github.com/rs/zerolog"
	_ "golang.org/x/crypto/x509roots/fallback" // CA roots compiled in: scratch has none on disk

	"github.com/doligo/doligo/embed"
	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/httpserver"
	"github.com/doligo/doligo/internal/infrastructure/i18n"
	"github.com/doligo/doligo/internal/infrastructure/logging"
	"github.com/doligo/doligo/internal/infrastructure/mailer"
	"github.com/doligo/doligo/internal/infrastructure/observability"
	"github.com/doligo/doligo/internal/infrastructure/pdf"
	"github.com/doligo/doligo/internal/infrastructure/queue"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/infrastructure/webhook"
	"github.com/doligo/doligo/internal/usecase"
	"github.com/doligo/doligo/internal/usecase/jobrun"
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
		log := logging.New(nil, cfg.LogLevel, cfg.LogFormat, "worker")
		ctx, stop := drainOnSignal(log)
		defer stop()
		return work(ctx, cfg, log, nil)
	case "healthcheck":
		return httpserver.Probe(cfg.WorkerHTTPAddr, "/health")
	case "version":
		fmt.Println(version)
		return nil
	default:
		return fmt.Errorf("unknown command %q (want run, healthcheck or version)", cmd)
	}
}

// drainOnSignal returns a context that the first SIGINT or SIGTERM cancels:
// the worker drains and exits 0. A second signal exits at once with status 1;
// the jobs it still held come back when their leases expire.
func drainOnSignal(log zerolog.Logger) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		log.Info().Str("signal", s.String()).Msg("draining: no more claims, running jobs may finish (signal again to stop at once)")
		cancel()
		s = <-sigs
		log.Warn().Str("signal", s.String()).Msg("second signal: stopping at once; held jobs return when their leases expire")
		os.Exit(1)
	}()
	return ctx, func() { signal.Stop(sigs); cancel() }
}

// listenRetry is how long the worker waits before it reconnects its
// PostgreSQL LISTEN connection (polling goes on meanwhile).
const listenRetry = 5 * time.Second

// work runs the worker until ctx is done: the ops HTTP server, and the job
// dispatcher once the schema is at this build's version. The worker never
// migrates: /ready stays 503 until the API (or `api migrate up`) has brought
// the schema to the version this build expects. After ctx is done it drains
// the jobs (see jobrun.Dispatcher.Run) and returns nil.
func work(ctx context.Context, cfg config.Config, log zerolog.Logger, listening func(net.Addr)) error {
	db, err := gormdb.Open(ctx, cfg.DBDriver, cfg.DBDSN, gormdb.Pool{
		MaxOpenConns: cfg.DBMaxOpenConns, MaxIdleConns: cfg.DBMaxIdleConns,
		ConnMaxLifetime: cfg.DBConnMaxLifetime, ConnMaxIdleTime: cfg.DBConnMaxIdleTime,
	})
	if err != nil {
		return err
	}
	defer db.Close()

	metrics := observability.NewMetrics(db.SQL)
	store, err := queue.NewStore(db.SQL, db.Dialect)
	if err != nil {
		return err
	}
	wake := make(chan struct{}, 1)
	sender, err := mailer.NewSender(mailer.Config{
		Host: cfg.SMTPHost, Port: cfg.SMTPPort, Username: cfg.SMTPUsername, Password: cfg.SMTPPassword,
		From: cfg.SMTPFrom, TLS: cfg.SMTPTLS, Timeout: cfg.TaskTimeout,
		BreakerFailures: uint32(cfg.SMTPBreakerFailures), BreakerOpen: cfg.SMTPBreakerOpen, Log: log,
		// The server is back: the e-mails that waited for it (deferred, or
		// retrying after a refused connection) go now, not at their run_at.
		OnRecover: func() {
			wctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			n, err := store.Wake(wctx, domain.JobKindEmailSend)
			if err != nil {
				log.Error().Err(err).Msg("could not wake the e-mail jobs after the SMTP server came back")
				return
			}
			log.Info().Int64("jobs", n).Msg("SMTP server back: waiting e-mail jobs woken")
			select {
			case wake <- struct{}{}:
			default:
			}
		},
	})
	if err != nil {
		return err
	}
	sender.RegisterMetrics(metrics.Registry)
	formats, err := i18n.Embedded() // the PDFs' formats, so e-mails write amounts and dates alike
	if err != nil {
		return err
	}
	templates, err := mailer.LoadTemplates(embed.EmailTemplates, "templates/email", formats)
	if err != nil {
		return err
	}
	// The worker renders the PDFs pdf.render jobs ask for and archives them,
	// and loads (or renders) those e-mails attach.
	uow := gormdb.NewUnitOfWork(db)
	documents := usecase.NewArchiveService(uow, usecase.ArchiveOptions{
		Render: pdf.NewRenderer(cfg.PaymentTerms).Render, Company: cfg.CompanyDefaults(),
	})
	// Recurring invoices are created, validated (numbering, stock as
	// DOLIGO_STOCK_TRIGGER says) and sent as the API would.
	recurring := usecase.NewInvoiceTemplateService(uow, usecase.NewDocumentService(uow, usecase.DocumentOptions{
		Masks: cfg.DocumentMasks(), DefaultCurrency: cfg.DefaultCurrency, Company: cfg.CompanyDefaults(),
		Stock: usecase.NewDocumentStock(usecase.NewStockService(uow, usecase.StockOptions{AllowNegative: cfg.StockAllowNegative}),
			usecase.DocumentStockOptions{Trigger: domain.StockTrigger(cfg.StockTrigger), DefaultWarehouseID: cfg.DefaultWarehouseID}),
	}), documents, time.Now)
	dispatcher, err := jobrun.NewDispatcher(store, jobrun.JobHandlers{
		domain.JobKindNoop:             jobrun.NoopJob,
		domain.JobKindPDFRender:        documents.RenderJob,
		domain.JobKindEmailSend:        usecase.NewMailService(sender, templates, documents).SendJob,
		domain.JobKindInvoiceRecurring: recurring.RecurringJob,
		domain.JobKindWebhookDeliver: usecase.NewWebhookService(uow, webhook.New(webhook.Options{
			Timeout: min(cfg.WebhookTimeout, cfg.TaskTimeout), AllowPrivate: cfg.WebhookAllowPrivate,
			MaxBody: domain.MaxWebhookResponseBody, UserAgent: "Doligo-Webhooks/" + version,
		}), time.Now).DeliverJob,
	}, jobrun.DispatcherConfig{
		Concurrency: cfg.WorkerConcurrency, TaskTimeout: cfg.TaskTimeout, ShutdownTimeout: cfg.ShutdownTimeout,
		Lease: cfg.JobLease, PollInterval: cfg.JobPollInterval, BackoffBase: cfg.JobBackoffBase,
		BackoffMax: cfg.JobBackoffMax, Retention: cfg.JobRetention, Wake: wake,
		Observer: queue.NewMetrics(metrics.Registry, store), Log: log,
	})
	if err != nil {
		return err
	}

	ops := observability.NewOpsServer(observability.OpsOptions{
		Log: log, Metrics: metrics, Ready: db.Readiness, MetricsToken: cfg.MetricsToken,
	})
	log.Info().Str("addr", cfg.WorkerHTTPAddr).Str("db", cfg.DBDriver).Int("concurrency", cfg.WorkerConcurrency).
		Str("worker", dispatcher.Worker()).Str("version", version).Msg("worker started")
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	served := make(chan error, 1)
	go func() {
		served <- httpserver.Serve(runCtx, cfg.WorkerHTTPAddr, ops, httpserver.Limits{
			ReadHeader: cfg.HTTPReadHeaderTimeout, Read: cfg.HTTPReadTimeout, Write: cfg.HTTPWriteTimeout,
			Idle: cfg.HTTPIdleTimeout, Shutdown: cfg.ShutdownTimeout, MaxHeaderBytes: cfg.MaxHeaderBytes(),
		}, listening)
		cancel() // a server that cannot listen stops the worker
	}()

	var background sync.WaitGroup // the LISTEN connection and the scheduler end before work returns
	if waitForSchema(runCtx, db, cfg.JobPollInterval, log) {
		if db.Dialect == sqldialect.Postgres {
			background.Go(func() { queue.Listen(runCtx, cfg.DBDSN, wake, listenRetry, log) })
		}
		// The scheduler only enqueues (idempotently): every worker runs it,
		// and it stops with the claims, at the first signal.
		background.Go(func() { jobrun.Every(runCtx, "invoice templates", cfg.RecurringInterval, recurring.EnqueueDue, log) })
		err = dispatcher.Run(runCtx)
	}
	cancel()
	background.Wait()
	err = errors.Join(err, <-served)
	log.Info().Err(err).Msg("worker stopped")
	return err
}

// waitForSchema returns true once the database answers and its schema is at
// this build's version, false if ctx ends first.
func waitForSchema(ctx context.Context, db *gormdb.DB, every time.Duration, log zerolog.Logger) bool {
	last := ""
	for {
		reason := db.Readiness(ctx)
		if reason == "" {
			return true
		}
		if reason != last {
			log.Warn().Str("reason", reason).Msg("waiting for the database schema before running jobs")
			last = reason
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(every):
		}
	}
}
