package e2e

// The job queue benchmark of docs/benchmarks.md ("Job queue"): throughput of
// real worker processes (the binary TestMain built), 1, 2 and 4 of them on
// one database, for no-op jobs (claim + ack: the queue itself) on PostgreSQL
// and MariaDB, e-mail jobs against the in-process SMTP sink, and River with a
// no-op worker on the same PostgreSQL server, with as many processes, in the
// same run. It runs only when asked:
//
//	go test ./cmd/worker/e2e -run '^$' -bench Queue -benchtime 1x -timeout 60m
//
// Settings (environment): BENCH_JOBS (no-op jobs per run, 20000),
// BENCH_EMAIL_JOBS (2000), BENCH_WORKERS ("1,2,4"), BENCH_CONCURRENCY (jobs
// running at once per process, ours and River's alike: 100), BENCH_ROUNDS
// (runs per configuration, the median is reported: 3). Each run gets a fresh
// database; the clock runs from the commit of the jobs (all visible at once)
// until the last one is done, read by polling the table every 20 ms.

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/queue"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/testutil/opstest"
	"github.com/doligo/doligo/internal/testutil/smtpsink"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

func benchWorkers(b *testing.B) []int { return benchInts(b, "BENCH_WORKERS", 1, 2, 4) }

// benchInts reads a list of positive integers such as 1,2,4 from the
// variable name, def when it is unset.
func benchInts(b *testing.B, name string, def ...int) []int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	var out []int
	for f := range strings.SplitSeq(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			b.Fatalf("%s=%q: want positive integers such as %s", name, v, strings.Trim(fmt.Sprint(def), "[]"))
		}
		out = append(out, n)
	}
	return out
}

// queueRun is one configuration to measure: start the processes, enqueue,
// and tell whether some job is not done yet. That check must cost the
// server next to nothing: it runs every 20 ms during the measurement, and a
// COUNT of the done rows (as it once was) scanned up to the whole table on
// each call, which on MariaDB took a third of a CPU from the queue measured.
type queueRun struct {
	jobs  int
	setup func(b *testing.B) (start func(n int) (stop func()), enqueue func(), pending func() bool)
}

// measure runs r rounds times with n worker processes and reports the median
// throughput (jobs/s) as the benchmark's metric.
func measure(b *testing.B, r queueRun, n, rounds int) {
	var rates []float64
	for range rounds {
		start, enqueue, pending := r.setup(b)
		stop := start(n)
		enqueue()
		t0 := time.Now()
		deadline := t0.Add(10 * time.Minute)
		for pending() {
			if time.Now().After(deadline) {
				b.Fatalf("%d jobs not all done after 10 minutes", r.jobs)
			}
			time.Sleep(20 * time.Millisecond)
		}
		took := time.Since(t0)
		stop()
		rates = append(rates, float64(r.jobs)/took.Seconds())
	}
	slices.Sort(rates)
	b.ReportMetric(rates[len(rates)/2], "jobs/s")
	b.Logf("jobs/s of each round: %.0f", rates)
}

func BenchmarkQueue(b *testing.B) {
	jobs, emails := opstest.BenchInt(b, "BENCH_JOBS", 20000), opstest.BenchInt(b, "BENCH_EMAIL_JOBS", 2000)
	concurrency, rounds := opstest.BenchInt(b, "BENCH_CONCURRENCY", 100), opstest.BenchInt(b, "BENCH_ROUNDS", 3)
	riverBin := buildRiver(b)
	sink := smtpsink.Start(b)
	for _, d := range testdb.Dialects() {
		if d == sqldialect.SQLite {
			continue // one process at a time writes: not a queue to scale out
		}
		for _, n := range benchWorkers(b) {
			b.Run(fmt.Sprintf("noop/%s/workers=%d", d, n), func(b *testing.B) {
				measure(b, ours(d, jobs, concurrency, sink, noopJobs), n, rounds)
			})
			if d == sqldialect.Postgres {
				b.Run(fmt.Sprintf("noop/river/workers=%d", n), func(b *testing.B) {
					measure(b, river(riverBin, jobs, concurrency), n, rounds)
				})
			}
		}
		for _, n := range benchWorkers(b) {
			b.Run(fmt.Sprintf("email/%s/workers=%d", d, n), func(b *testing.B) {
				measure(b, ours(d, emails, concurrency, sink, emailJobs), n, rounds)
			})
		}
	}
}

// ours runs our worker binary on a fresh database of dialect d.
func ours(d string, jobs, concurrency int, sink *smtpsink.Sink, fill func(b *testing.B, db *testdb.DB, n int)) queueRun {
	return queueRun{jobs: jobs, setup: func(b *testing.B) (func(int) func(), func(), func() bool) {
		db := testdb.Migrated(b, d)
		start := func(n int) func() {
			env := map[string]string{
				"DB_DRIVER": db.Dialect, "DB_DSN": db.DSN, "JWT_SECRET": strings.Repeat("s", 32),
				"SMTP_HOST": sink.Host, "SMTP_PORT": strconv.Itoa(sink.Port), "SMTP_FROM": "billing@example.com",
				"WORKER_CONCURRENCY": strconv.Itoa(concurrency), "JOB_POLL_INTERVAL": "100ms",
			}
			ws := make([]*worker, n)
			for i := range ws {
				ws[i] = startWorker(b, env)
			}
			for _, w := range ws {
				eventually(b, "the worker's dispatcher running", func() bool { return strings.Contains(w.Output(), "dispatcher started") })
			}
			return func() {
				for _, w := range ws {
					w.stop(b)
				}
			}
		}
		// The claim index's first column: one index probe.
		pending := func() bool {
			return rowExists(b, db.SQL, `SELECT 1 FROM jobs WHERE state IN ('available', 'running') LIMIT 1`)
		}
		return start, func() { fill(b, db, jobs) }, pending
	}}
}

// noopJobs commits n no-op jobs in one transaction: the workers see them all
// at once (on PostgreSQL, woken by the one notification).
func noopJobs(b *testing.B, db *testdb.DB, n int) {
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	const batch = 1000
	for left := n; left > 0; left -= batch {
		rows := strings.TrimSuffix(strings.Repeat(`('noop', '{}', 8), `, min(batch, left)), ", ")
		if _, err := tx.ExecContext(ctx, `INSERT INTO jobs (kind, payload, max_attempts) VALUES `+rows); err != nil {
			b.Fatal(err)
		}
	}
	if db.Dialect == sqldialect.Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, queue.NotifyChannel, domain.JobKindNoop); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// emailJobs commits n e-mails (the "message" template, no attachment) in one
// transaction, through the outbox as the API enqueues them.
func emailJobs(b *testing.B, db *testdb.DB, n int) {
	tx, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	for i := range n {
		_, err := queue.Enqueue(ctx, tx, db.Dialect, domain.NewJob{Kind: domain.JobKindEmailSend, Payload: domain.EmailPayload{
			To: []string{fmt.Sprintf("client%d@example.org", i)}, Template: "message",
			Data: map[string]any{"subject": fmt.Sprintf("Message %d", i), "body": "Hello"},
		}})
		if err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

// buildRiver builds cmd/riverbench, the River side of the benchmark (a
// module of its own, so River never enters the product's dependencies).
func buildRiver(b *testing.B) string {
	bin := filepath.Join(b.TempDir(), "river")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = filepath.Join("..", "..", "riverbench")
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("build cmd/riverbench: %v\n%s", err, out)
	}
	return bin
}

// river runs River's no-op worker on a fresh PostgreSQL database, tuned as
// River's own benchmark (cmd/river/riverbench) tunes it for throughput:
// FetchCooldown 2 ms, FetchPollInterval 20 ms.
func river(bin string, jobs, concurrency int) queueRun {
	return queueRun{jobs: jobs, setup: func(b *testing.B) (func(int) func(), func(), func() bool) {
		dsn, db := riverDB(b, bin)
		start := func(n int) func() {
			procs := make([]*exec.Cmd, n)
			for i := range procs {
				procs[i] = startRiver(b, bin, "work", "-dsn", dsn, "-max-workers", strconv.Itoa(concurrency),
					"-fetch-cooldown", "2ms", "-fetch-poll-interval", "20ms")
			}
			return func() {
				for _, p := range procs {
					_ = p.Process.Signal(syscall.SIGTERM)
					if err := p.Wait(); err != nil {
						b.Errorf("river worker: %v", err)
					}
				}
			}
		}
		enqueue := func() {
			if out, err := exec.Command(bin, "insert", "-dsn", dsn, "-n", strconv.Itoa(jobs)).CombinedOutput(); err != nil {
				b.Fatalf("river insert: %v\n%s", err, out)
			}
		}
		// The states of a job not finalised, the first column of River's
		// fetching index: one index probe, as ours.
		return start, enqueue, func() bool {
			return rowExists(b, db, `SELECT 1 FROM river_job WHERE state IN ('available', 'running', 'retryable', 'scheduled', 'pending') LIMIT 1`)
		}
	}}
}

// riverDB creates a fresh PostgreSQL database with River's tables and
// returns its DSN and a pool on it, closed after the benchmark.
func riverDB(b *testing.B, bin string) (string, *sql.DB) {
	dsn := testdb.Fresh(b, sqldialect.Postgres)
	if out, err := exec.Command(bin, "migrate", "-dsn", dsn).CombinedOutput(); err != nil {
		b.Fatalf("river migrate: %v\n%s", err, out)
	}
	db, err := gormdb.OpenSQL(sqldialect.Postgres, dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return dsn, db
}

// startRiver starts a River worker process and waits for its "ready".
func startRiver(b *testing.B, bin string, args ...string) *exec.Cmd {
	cmd, out := exec.Command(bin, args...), &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		_ = cmd.Process.Kill()
		if b.Failed() {
			b.Logf("river worker %d output:\n%s", cmd.Process.Pid, out.String())
		}
	})
	eventually(b, "the river worker ready", func() bool { return strings.HasPrefix(out.String(), "ready") })
	return cmd
}

// rowExists tells whether q returns a row.
func rowExists(b *testing.B, db *sql.DB, q string) bool {
	var one int
	switch err := db.QueryRowContext(ctx, q).Scan(&one); {
	case errors.Is(err, sql.ErrNoRows):
		return false
	case err != nil:
		b.Fatal(err)
	}
	return true
}
