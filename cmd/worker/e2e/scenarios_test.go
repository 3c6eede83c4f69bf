package e2e

import (
	"strings"
	"syscall"
	"testing"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/testutil/smtpsink"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// CT-04. A worker with every slot full (2 jobs running, 2 buffered, more
// waiting) gets SIGTERM: it stops claiming, returns the buffered jobs at once,
// lets a running job that finishes within the budget complete, cancels the
// other at the end of the budget and returns it, and exits 0. Every job ends
// done or available again, no attempt spent on a returned one, none running.
func TestShutdownDrainsAndExitsZero(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			sink := smtpsink.Start(t)
			sink.Hold(true)
			requestIDs := enqueueEmails(t, db, 5)
			w := startWorker(t, settings(db, sink, map[string]string{"WORKER_CONCURRENCY": "2", "SHUTDOWN_TIMEOUT": "4s"}))

			finishing, stuck := arrival(t, sink), arrival(t, sink)
			eventually(t, "4 jobs claimed (2 running, 2 buffered)", func() bool { return count(jobs(t, db), domain.JobRunning) == 4 })

			w.Signal(t, syscall.SIGTERM)
			eventually(t, "the buffered jobs returned at once", func() bool {
				rows := jobs(t, db)
				return count(rows, domain.JobAvailable) == 3 && count(rows, domain.JobRunning) == 2
			})
			finishing.Accept() // finishes within the budget; the other never does
			exitedCleanly(t, w.Wait(t))

			done, cancelled := jobOf(t, finishing.MessageID), jobOf(t, stuck.MessageID)
			for id, r := range jobs(t, db) {
				switch {
				case r.Leased || r.State == domain.JobRunning || r.State == domain.JobDead:
					t.Errorf("job %d left %+v", id, r)
				case id == done:
					if r.State != domain.JobDone || r.Attempt != 1 {
						t.Errorf("job %d, finished during the drain: %+v, want done", id, r)
					}
				case r.State != domain.JobAvailable || r.Attempt != 0:
					t.Errorf("job %d: %+v, want available with no attempt spent", id, r)
				}
			}
			if sink.Count(finishing.MessageID) != 1 || sink.Count(stuck.MessageID) != 0 {
				t.Errorf("delivered %d × the finished job's e-mail and %d × the cancelled one's, want 1 and 0",
					sink.Count(finishing.MessageID), sink.Count(stuck.MessageID))
			}
			checkJobLogs(t, w.Output(), requestIDs, done, cancelled)
		})
	}
}

// A worker killed while it holds jobs leaves them running; once their lease
// expires another worker takes them back and delivers them.
func TestKilledWorkersJobsComeBackAfterTheLease(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			sink := smtpsink.Start(t)
			sink.Hold(true)
			enqueueEmails(t, db, 3)
			short := map[string]string{"TASK_TIMEOUT": "5s", "SHUTDOWN_TIMEOUT": "1s", "JOB_LEASE": "7s"}
			a := startWorker(t, settings(db, sink, short))
			held := []*smtpsink.Held{arrival(t, sink), arrival(t, sink)}
			eventually(t, "all 3 jobs claimed", func() bool { return count(jobs(t, db), domain.JobRunning) == 3 })
			crashed := jobs(t, db)
			var holder string
			for _, r := range crashed {
				holder = r.LockedBy
			}

			a.Signal(t, syscall.SIGKILL)
			if st := a.Wait(t); st.Exited() {
				t.Fatalf("worker A %v, want killed", st)
			}
			if got := count(jobs(t, db), domain.JobRunning); got != 3 {
				t.Fatalf("%d jobs running after the kill, want 3 (held by the dead worker)", got)
			}
			for _, h := range held { // the dead worker's sessions
				h.Reject(451)
			}
			sink.Hold(false)

			b := startWorker(t, settings(db, sink, short))
			eventually(t, "all jobs done by worker B", func() bool { return count(jobs(t, db), domain.JobDone) == 3 })
			for id, r := range jobs(t, db) {
				if r.LockedBy == holder || r.Attempt < 2 {
					t.Errorf("job %d: %+v, want finished by another worker than %s on a later attempt", id, r, holder)
				}
			}
			deliveredOnce(t, sink, crashed)
			b.stop(t)
		})
	}
}

// While the SMTP server refuses connections the breaker opens and jobs wait
// without spending attempts; once it is back every e-mail is delivered,
// nothing is dead, and the only attempts spent besides the deliveries are
// the refused connections before the breaker opened (at most
// SMTP_BREAKER_FAILURES − 1: the one that opens it, and the failed trial
// sends, cost none).
func TestSMTPOutageOpensTheBreakerAndLosesNothing(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			sink := smtpsink.Start(t)
			sink.Refuse(true)
			const n = 6
			enqueueEmails(t, db, n)
			w := startWorker(t, settings(db, sink, map[string]string{
				"SMTP_BREAKER_FAILURES": "2", "SMTP_BREAKER_OPEN": "1s",
				"TASK_TIMEOUT": "5s", "SHUTDOWN_TIMEOUT": "1s", "JOB_LEASE": "10s",
			}))
			waitMetric(t, w, "the breaker open", func(v float64) bool { return v == 2 }, "doligo_smtp_breaker_state")
			waitMetric(t, w, "a job deferred by the open breaker", func(v float64) bool { return v >= 1 },
				"doligo_jobs_finished_total", `kind="email.send"`, `outcome="released"`)
			sink.Refuse(false)

			eventually(t, "every job done", func() bool { return count(jobs(t, db), domain.JobDone) == n })
			rows, attempts := jobs(t, db), 0
			for _, r := range rows {
				attempts += r.Attempt
			}
			deliveredOnce(t, sink, rows)
			if refused := int(sink.Refused()); attempts > n+1 || attempts-n >= refused {
				t.Errorf("%d attempts spent for %d deliveries and %d refused connections, want at most 1 besides the deliveries: a deferred job must not spend one",
					attempts, n, refused)
			}
			waitMetric(t, w, "the queue depth in /metrics", func(v float64) bool { return v == n }, "doligo_jobs", `state="done"`)
			if v, _ := w.metric("doligo_smtp_breaker_state"); v != 0 {
				t.Errorf("breaker state %v after recovery, want closed", v)
			}
			w.stop(t)
		})
	}
}

// When the SMTP server comes back, the e-mails waiting for it go at once:
// those whose send failed before the breaker opened wait for a retry an hour
// away here, and the breaker's return wakes them; nothing is dead.
func TestSMTPServerBackWakesTheWaitingEmails(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			sink := smtpsink.Start(t)
			sink.Refuse(true)
			const n = 6
			enqueueEmails(t, db, n)
			w := startWorker(t, settings(db, sink, map[string]string{
				"SMTP_BREAKER_FAILURES": "3", "SMTP_BREAKER_OPEN": "1s",
				"JOB_BACKOFF_BASE": "1h", "JOB_BACKOFF_MAX": "1h",
			}))
			waitMetric(t, w, "the breaker open", func(v float64) bool { return v == 2 }, "doligo_smtp_breaker_state")
			// Sends failed before the breaker opened: their jobs wait an hour.
			eventually(t, "a job waiting for its retry", func() bool {
				for _, r := range jobs(t, db) {
					if r.Attempt > 0 && r.State == string(domain.JobAvailable) {
						return true
					}
				}
				return false
			})
			sink.Refuse(false)
			eventually(t, "every job done, the retrying ones included", func() bool { return count(jobs(t, db), domain.JobDone) == n })
			deliveredOnce(t, sink, jobs(t, db))
			if !strings.Contains(w.Output(), "waiting e-mail jobs woken") {
				t.Error("no log line says the waiting e-mails were woken")
			}
			w.stop(t)
		})
	}
}

// Three workers on one database, nobody crashing: each job runs once.
func TestThreeWorkersRunEachJobOnce(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			sink := smtpsink.Start(t)
			var ws []*worker
			for range 3 {
				ws = append(ws, startWorker(t, settings(db, sink, nil)))
			}
			for _, w := range ws { // all three compete for the jobs
				eventually(t, "the worker's dispatcher running", func() bool {
					return strings.Contains(w.Output(), "dispatcher started")
				})
			}
			const n = 30
			requestIDs := enqueueEmails(t, db, n)
			eventually(t, "every job done", func() bool { return count(jobs(t, db), domain.JobDone) == n })
			rows, perWorker := jobs(t, db), map[string]int{}
			for id, r := range rows {
				perWorker[r.LockedBy]++
				if r.Attempt != 1 {
					t.Errorf("job %d ran %d times", id, r.Attempt)
				}
			}
			deliveredOnce(t, sink, rows)
			if got := len(sink.Messages()); got != n {
				t.Errorf("%d e-mails delivered, want %d", got, n)
			}
			t.Logf("jobs per worker: %v", perWorker)
			for _, w := range ws {
				w.stop(t)
				checkJobLogs(t, w.Output(), requestIDs)
			}
		})
	}
}

// deliveredOnce checks that the e-mail of each job was delivered exactly once.
func deliveredOnce(t *testing.T, sink *smtpsink.Sink, rows map[int64]jobRow) {
	t.Helper()
	n := map[int64]int{}
	for _, m := range sink.Messages() {
		n[jobOf(t, m.MessageID)]++
	}
	for id := range rows {
		if n[id] != 1 {
			t.Errorf("job %d delivered %d times, want 1", id, n[id])
		}
	}
}

// A second signal stops the worker at once, without draining: what it held
// stays leased (the lease returns it later).
func TestSecondSignalStopsAtOnce(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			sink := smtpsink.Start(t)
			sink.Hold(true)
			enqueueEmails(t, db, 1)
			// A drain budget longer than the test's hang guard: only the
			// second signal can end this worker in time.
			w := startWorker(t, settings(db, sink, map[string]string{"SHUTDOWN_TIMEOUT": "10m", "JOB_LEASE": "11m"}))
			held := arrival(t, sink)
			w.Signal(t, syscall.SIGTERM)
			eventually(t, "the drain begun", func() bool { return strings.Contains(w.Output(), "draining: waiting for running jobs") })
			w.Signal(t, syscall.SIGTERM)
			st := w.Wait(t)
			if !st.Exited() || st.ExitCode() != 1 {
				t.Fatalf("worker ended with %v, want exit status 1", st)
			}
			held.Reject(451)
			for id, r := range jobs(t, db) {
				if r.State != domain.JobRunning || !r.Leased {
					t.Errorf("job %d: %+v, want still running under its lease", id, r)
				}
			}
		})
	}
}
