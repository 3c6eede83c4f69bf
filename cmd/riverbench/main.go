// Command river is the River side of the job queue benchmark
// (docs/benchmarks.md, "Job queue"): River (github.com/riverqueue/river) with
// a no-op worker, driven by the benchmark in cmd/worker/e2e so that both
// queues are measured in the same run, on the same PostgreSQL server, with
// the same number of worker processes.
//
//	river migrate -dsn DSN                       create River's tables
//	river insert  -dsn DSN -n 20000              enqueue n no-op jobs, then exit
//	river work    -dsn DSN -max-workers 100      work jobs until SIGTERM; prints "ready" once started
//	river produce -dsn DSN -rate 500 -seconds 10 enqueue jobs one at a time, each in its own
//	                                             transaction, at a steady rate; prints how many it sent
//
// It is a module of its own, so that River is a dependency of the benchmark
// only: the product's module neither builds nor tests this directory.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// NoopArgs is the no-op job: claimed and completed, nothing else.
type NoopArgs struct {
	Num int `json:"num"`
}

func (NoopArgs) Kind() string { return "noop" }

type noopWorker struct {
	river.WorkerDefaults[NoopArgs]
}

func (noopWorker) Work(context.Context, *river.Job[NoopArgs]) error { return nil }

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "river bench:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: river migrate|insert|work -dsn DSN [flags]")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	dsn := fs.String("dsn", "", "PostgreSQL DSN")
	n := fs.Int("n", 10000, "insert: how many jobs")
	maxWorkers := fs.Int("max-workers", 100, "work: River's MaxWorkers (jobs running at once in this process)")
	cooldown := fs.Duration("fetch-cooldown", 0, "work: River's FetchCooldown (0: River's default)")
	poll := fs.Duration("fetch-poll-interval", 0, "work: River's FetchPollInterval (0: River's default)")
	rate := fs.Int("rate", 500, "produce: jobs per second")
	seconds := fs.Int("seconds", 10, "produce: for how long")
	conns := fs.Int("conns", 8, "produce: connections inserting at once (a late insert does not delay the next)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	pool, err := pgxpool.New(ctx, *dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	switch args[0] {
	case "migrate":
		m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
		if err != nil {
			return err
		}
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		return err
	case "insert":
		return insert(ctx, pool, *n)
	case "work":
		return work(ctx, pool, *maxWorkers, *cooldown, *poll)
	case "produce":
		return produce(ctx, pool, *rate, time.Duration(*seconds)*time.Second, *conns, *cooldown)
	}
	return fmt.Errorf("unknown command %q", args[0])
}

// insert enqueues n jobs in batches, as River's own benchmark does.
func insert(ctx context.Context, pool *pgxpool.Pool, n int) error {
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{})
	if err != nil {
		return err
	}
	const batch = 5000
	for done := 0; done < n; {
		size := min(batch, n-done)
		params := make([]river.InsertManyParams, size)
		for i := range params {
			params[i] = river.InsertManyParams{Args: NoopArgs{Num: done + i}}
		}
		if _, err := client.InsertManyFast(ctx, params); err != nil {
			return err
		}
		done += size
	}
	return nil
}

// produce inserts rate jobs a second for d, each with InsertTx in a
// transaction of its own (as an API request enqueues one), the i-th due at
// start + i/rate: up to conns inserts run at once, so one slow commit does
// not shift the schedule. cooldown is the client's FetchCooldown, which also
// spaces the insert notifications River sends (at most one per cooldown).
func produce(ctx context.Context, pool *pgxpool.Pool, rate int, d time.Duration, conns int, cooldown time.Duration) error {
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{FetchCooldown: cooldown})
	if err != nil {
		return err
	}
	total := int(d.Seconds() * float64(rate))
	due := make(chan int)
	errs := make(chan error, conns)
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			for i := range due {
				tx, err := pool.Begin(ctx)
				if err == nil {
					if _, err = client.InsertTx(ctx, tx, NoopArgs{Num: i}, nil); err == nil {
						err = tx.Commit(ctx)
					}
					_ = tx.Rollback(ctx)
				}
				if err != nil {
					select { // the first error ends the run; the rest are dropped
					case errs <- err:
					default:
					}
				}
			}
		})
	}
	start := time.Now()
	sent := 0
	for ; sent < total && len(errs) == 0; sent++ {
		time.Sleep(time.Until(start.Add(time.Duration(sent) * time.Second / time.Duration(rate))))
		due <- sent
	}
	close(due)
	wg.Wait()
	took := time.Since(start)
	select {
	case err := <-errs:
		return err
	default:
	}
	fmt.Printf("sent %d in %.3fs\n", sent, took.Seconds())
	return nil
}

func work(ctx context.Context, pool *pgxpool.Pool, maxWorkers int, cooldown, poll time.Duration) error {
	workers := river.NewWorkers()
	river.AddWorker(workers, noopWorker{})
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		FetchCooldown: cooldown, FetchPollInterval: poll,
		Queues:  map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: maxWorkers}},
		Workers: workers,
	})
	if err != nil {
		return err
	}
	if err := client.Start(ctx); err != nil {
		return err
	}
	fmt.Println("ready")
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return client.Stop(sctx)
}
