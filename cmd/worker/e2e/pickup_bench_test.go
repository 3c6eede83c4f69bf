package e2e

// The pickup latency benchmark of docs/benchmarks.md ("Job queue", "Pickup
// latency"): how long a no-op job waits between its enqueue and its
// acknowledgement when jobs arrive one at a time at a steady rate, as API
// requests enqueue them, with one real worker process (the binary TestMain
// built) at the product's defaults but for its concurrency, and River with a
// no-op worker (one process, as tuned in BenchmarkQueue and at River's
// defaults) on the same PostgreSQL server in the same run. It runs only
// when asked:
//
//	go test ./cmd/worker/e2e -run '^$' -bench Pickup -benchtime 1x -timeout 60m
//
// The producer (this process for ours, `riverbench produce` for River)
// inserts each job in a transaction of its own, the i-th due at
// start + i/rate, from BENCH_PRODUCERS connections (16) so that one slow
// commit does not shift the schedule. A job's latency is finished_at −
// created_at (River: finalized_at − created_at), both written by the
// database clock: from the start of the enqueueing transaction (its commit,
// and on PostgreSQL the notification, included) to the acknowledging
// statement. The percentiles are those of the steady state: the jobs sent
// in the first BENCH_WARMUP seconds (1) are left out of them, as the first
// of them find a worker idle since its start (polling every
// DOLIGO_JOB_POLL_INTERVAL where no notification wakes it); their own
// maximum is reported apart (cold-max-ms). Settings (environment):
// BENCH_RATES (jobs/s, "500,2000"), BENCH_SECONDS (sending, warm-up
// included: 11), BENCH_CONCURRENCY (100), BENCH_ROUNDS (3: each figure is
// the median of the rounds'), BENCH_POLL (ours: DOLIGO_JOB_POLL_INTERVAL,
// the product's default when unset).

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/testutil/opstest"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// pickupRun is one round of one configuration: start the worker, produce for
// the given time at the given rate, and return the jobs sent, how long sending
// took, and a way to read the latencies (ms) of the jobs finished so far.
type pickupRun func(b *testing.B, rate int, d time.Duration) (sent int, took time.Duration, latencies func() []float64, stop func())

func BenchmarkPickup(b *testing.B) {
	seconds, rounds := opstest.BenchInt(b, "BENCH_SECONDS", 11), opstest.BenchInt(b, "BENCH_ROUNDS", 3)
	warmup := opstest.BenchInt(b, "BENCH_WARMUP", 1)
	concurrency, producers := opstest.BenchInt(b, "BENCH_CONCURRENCY", 100), opstest.BenchInt(b, "BENCH_PRODUCERS", 16)
	riverBin := buildRiver(b)
	for _, rate := range benchInts(b, "BENCH_RATES", 500, 2000) {
		for _, d := range testdb.Dialects() {
			b.Run(fmt.Sprintf("%s/rate=%d", d, rate), func(b *testing.B) {
				measureLatency(b, oursPickup(d, concurrency, producers), rate, seconds, warmup, rounds)
			})
			if d == sqldialect.Postgres {
				b.Run(fmt.Sprintf("river/rate=%d", rate), func(b *testing.B) {
					measureLatency(b, riverPickup(riverBin, concurrency, producers, "2ms", "20ms"), rate, seconds, warmup, rounds)
				})
				b.Run(fmt.Sprintf("river-defaults/rate=%d", rate), func(b *testing.B) {
					measureLatency(b, riverPickup(riverBin, concurrency, producers, "", ""), rate, seconds, warmup, rounds)
				})
			}
		}
	}
}

// measureLatency runs rounds rounds and reports the medians of their p50,
// p99 and max after the warm-up, of the warm-up's max, and of the rate the
// producer kept.
func measureLatency(b *testing.B, run pickupRun, rate, seconds, warmup, rounds int) {
	if warmup >= seconds {
		b.Fatalf("BENCH_WARMUP (%d s) leaves nothing of BENCH_SECONDS (%d s) to measure", warmup, seconds)
	}
	var p50, p99, worst, cold, kept []float64
	for range rounds {
		sent, took, latencies, stop := run(b, rate, time.Duration(seconds)*time.Second)
		var ms []float64
		deadline := time.Now().Add(5 * time.Minute)
		for ms = latencies(); len(ms) < sent; ms = latencies() {
			if time.Now().After(deadline) {
				b.Fatalf("only %d of %d jobs done after 5 minutes", len(ms), sent)
			}
			time.Sleep(50 * time.Millisecond)
		}
		stop()
		first := min(warmup*rate, len(ms)-1) // ms is in the order of sending
		cold = append(cold, slices.Max(ms[:max(first, 1)]))
		ms = slices.Sorted(slices.Values(ms[first:]))
		p50, p99, worst = append(p50, percentile(ms, 50)), append(p99, percentile(ms, 99)), append(worst, ms[len(ms)-1])
		kept = append(kept, float64(sent)/took.Seconds())
		b.Logf("%d jobs in %s: after the warm-up p50 %.1f ms, p99 %.1f ms, max %.1f ms; warm-up max %.1f ms",
			sent, took.Round(time.Millisecond), p50[len(p50)-1], p99[len(p99)-1], worst[len(worst)-1], cold[len(cold)-1])
	}
	b.ReportMetric(median(p50), "p50-ms")
	b.ReportMetric(median(p99), "p99-ms")
	b.ReportMetric(median(worst), "max-ms")
	b.ReportMetric(median(cold), "cold-max-ms")
	b.ReportMetric(median(kept), "sent/s")
}

// percentile is the nearest-rank percentile p of sorted values.
func percentile(sorted []float64, p float64) float64 {
	i := int(float64(len(sorted))*p/100+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

func median(v []float64) float64 {
	s := slices.Sorted(slices.Values(v))
	return s[len(s)/2]
}

// pace calls send total times, the i-th at start + i/rate, from conns
// goroutines (so one slow call does not delay the next), and returns how
// many it sent in how long; the first error stops it.
func pace(rate int, d time.Duration, conns int, send func() error) (int, time.Duration, error) {
	total := int(d.Seconds() * float64(rate))
	due := make(chan struct{})
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for range conns {
		wg.Go(func() {
			for range due {
				if err := send(); err != nil {
					mu.Lock()
					first = cmpOr(first, err)
					mu.Unlock()
				}
			}
		})
	}
	start, sent := time.Now(), 0
	for ; sent < total; sent++ {
		mu.Lock()
		failed := first != nil
		mu.Unlock()
		if failed {
			break
		}
		time.Sleep(time.Until(start.Add(time.Duration(sent) * time.Second / time.Duration(rate))))
		due <- struct{}{}
	}
	close(due)
	wg.Wait()
	return sent, time.Since(start), first
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// latencySQL reads finished_at − created_at in milliseconds, per dialect, in
// the order the jobs were sent.
var latencySQL = map[string]string{
	sqldialect.Postgres: `SELECT EXTRACT(EPOCH FROM finished_at - created_at) * 1000 FROM jobs WHERE state = 'done' ORDER BY id`,
	sqldialect.MySQL:    `SELECT TIMESTAMPDIFF(MICROSECOND, created_at, finished_at) / 1000 FROM jobs WHERE state = 'done' ORDER BY id`,
	sqldialect.SQLite:   `SELECT (julianday(finished_at) - julianday(created_at)) * 86400000 FROM jobs WHERE state = 'done' ORDER BY id`,
}

// oursPickup runs one worker process of ours, at the product's defaults but
// for its concurrency, on a fresh database of dialect d; the producer
// enqueues as the API does, through a unit of work's outbox (on PostgreSQL
// its notification follows the commit).
func oursPickup(d string, concurrency, producers int) pickupRun {
	return func(b *testing.B, rate int, dur time.Duration) (int, time.Duration, func() []float64, func()) {
		db := testdb.Migrated(b, d)
		env := map[string]string{
			"DB_DRIVER": db.Dialect, "DB_DSN": db.DSN, "JWT_SECRET": strings.Repeat("s", 32),
			"WORKER_CONCURRENCY": strconv.Itoa(concurrency),
		}
		if v := os.Getenv("BENCH_POLL"); v != "" {
			env["JOB_POLL_INTERVAL"] = v
		}
		w := startWorker(b, env)
		eventually(b, "the worker's dispatcher running", func() bool { return strings.Contains(w.Output(), "dispatcher started") })
		uow := gormdb.NewUnitOfWork(db.DB)
		var mu sync.Mutex
		var enqueues []float64 // ms each
		sent, took, err := pace(rate, dur, producers, func() error {
			t0 := time.Now()
			defer func() {
				mu.Lock()
				enqueues = append(enqueues, float64(time.Since(t0).Microseconds())/1000)
				mu.Unlock()
			}()
			return uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
				_, err := r.Outbox.Enqueue(ctx, domain.NewJob{Kind: domain.JobKindNoop})
				return err
			})
		})
		if err != nil {
			b.Fatal(err)
		}
		slices.Sort(enqueues) // part of each job's latency: a commit on a busy machine
		b.Logf("enqueue (unit of work, commit included): p50 %.1f ms, p99 %.1f ms, max %.1f ms",
			percentile(enqueues, 50), percentile(enqueues, 99), enqueues[len(enqueues)-1])
		return sent, took, func() []float64 { return readLatencies(b, db.SQL, latencySQL[d]) }, func() { w.stop(b) }
	}
}

// riverPickup runs one River worker process with the given FetchCooldown
// and FetchPollInterval ("": River's defaults, 100 ms and 1 s; BenchmarkQueue
// tunes them to 2 ms and 20 ms); its producer uses the same FetchCooldown,
// which also spaces River's insert notifications.
func riverPickup(bin string, concurrency, producers int, cooldown, poll string) pickupRun {
	var tuning []string
	if cooldown != "" {
		tuning = []string{"-fetch-cooldown", cooldown, "-fetch-poll-interval", poll}
	}
	return func(b *testing.B, rate int, dur time.Duration) (int, time.Duration, func() []float64, func()) {
		dsn, db := riverDB(b, bin)
		p := startRiver(b, bin, append([]string{"work", "-dsn", dsn, "-max-workers", strconv.Itoa(concurrency)}, tuning...)...)
		out, err := exec.Command(bin, append([]string{"produce", "-dsn", dsn, "-rate", strconv.Itoa(rate),
			"-seconds", strconv.Itoa(int(dur.Seconds())), "-conns", strconv.Itoa(producers)}, tuning[:min(len(tuning), 2)]...)...).CombinedOutput()
		if err != nil {
			b.Fatalf("river produce: %v\n%s", err, out)
		}
		var sent int
		var took float64
		if _, err := fmt.Sscanf(string(out), "sent %d in %fs", &sent, &took); err != nil {
			b.Fatalf("river produce said %q: %v", out, err)
		}
		return sent, time.Duration(took * float64(time.Second)), func() []float64 {
				return readLatencies(b, db, `SELECT EXTRACT(EPOCH FROM finalized_at - created_at) * 1000 FROM river_job WHERE state = 'completed' ORDER BY id`)
			}, func() {
				_ = p.Process.Signal(os.Interrupt)
				if err := p.Wait(); err != nil {
					b.Errorf("river worker: %v", err)
				}
			}
	}
}

func readLatencies(b *testing.B, db *sql.DB, q string) []float64 {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var ms []float64
	for rows.Next() {
		var v float64
		if err := rows.Scan(&v); err != nil {
			b.Fatal(err)
		}
		ms = append(ms, v)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return ms
}
