package e2e

// The SMTP outage benchmark of docs/benchmarks.md ("E-mail after an SMTP
// outage"): one worker process with the product's defaults (breaker, backoff,
// concurrency, poll interval), 20 e-mails enqueued while the SMTP server
// refuses connections, the server back after 8 s; it reports how long after
// the server's return the last e-mail arrived, the attempts spent and the
// jobs dead. It runs only when asked:
//
//	go test ./cmd/worker/e2e -run '^$' -bench SMTPOutage -benchtime 1x -timeout 20m
//
// BENCH_OUTAGE_EMAILS (20) and BENCH_OUTAGE_SECONDS (8) change the scenario.

import (
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/testutil/opstest"
	"github.com/doligo/doligo/internal/testutil/smtpsink"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

func BenchmarkSMTPOutage(b *testing.B) {
	n := opstest.BenchInt(b, "BENCH_OUTAGE_EMAILS", 20)
	outage := time.Duration(opstest.BenchInt(b, "BENCH_OUTAGE_SECONDS", 8)) * time.Second
	for _, d := range testdb.Dialects() {
		b.Run(d, func(b *testing.B) {
			db := testdb.Migrated(b, d)
			sink := smtpsink.Start(b)
			env := settings(db, sink, nil)
			for _, k := range []string{"WORKER_CONCURRENCY", "TASK_TIMEOUT", "JOB_LEASE", "JOB_POLL_INTERVAL",
				"JOB_BACKOFF_BASE", "JOB_BACKOFF_MAX", "LOG_LEVEL"} {
				delete(env, k) // the product's defaults
			}
			w := startWorker(b, env)
			sink.Refuse(true)
			enqueueEmails(b, db, n)
			time.Sleep(outage)
			sink.Refuse(false)
			back := time.Now()
			var last time.Duration
			for got := 0; got < n; got = len(sink.Messages()) {
				if time.Since(back) > 10*time.Minute {
					b.Fatalf("%d of %d e-mails after 10 minutes", got, n)
				}
				time.Sleep(20 * time.Millisecond)
				last = time.Since(back)
			}
			rows, attempts := jobs(b, db), 0
			for _, r := range rows {
				attempts += r.Attempt
			}
			b.ReportMetric(last.Seconds(), "s-after-return")
			b.ReportMetric(float64(attempts-n), "attempts-lost")
			b.ReportMetric(float64(count(rows, domain.JobDead)), "dead")
			b.ReportMetric(float64(sink.Refused()), "refused-connections")
			w.stop(b)
		})
	}
}
