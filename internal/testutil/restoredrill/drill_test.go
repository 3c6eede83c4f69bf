package restoredrill_test

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/testutil/opstest"
	"github.com/doligo/doligo/internal/testutil/smtpsink"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

func TestMain(m *testing.M) { os.Exit(opstest.Main(m)) }

// emails is how many invoices the drill sends; with two worker slots, two
// are running (held by the SMTP server), up to two more claimed and waiting
// for a slot, and the rest pending when the dump is taken.
const emails = 6

// The restore drill of docs/operations.md, step by step:
//
//  1. An API and a worker (2 slots) run on database A. The product is filled
//     through the API, then 6 invoices are sent by e-mail; the SMTP server
//     holds each message at the end of DATA, so 2 jobs are running, others
//     claimed and the rest pending.
//  2. The worker is frozen (SIGSTOP) so that nothing moves, and the dump is
//     taken with the documented backup block while the API still serves.
//  3. The crash: of the two messages in flight, the SMTP server accepts one
//     (the old worker delivered it after the dump, but never recorded it) and
//     refuses the other; the worker is killed with SIGKILL, as a lost host
//     would end it: SIGTERM would drain, which a crash never does, and what
//     the old worker writes after the dump is lost with database A anyway.
//     The API is stopped with SIGTERM (it must drain and exit 0).
//  4. A fresh database B; the documented restore block with the connection
//     variables naming B; `api migrate up`; `api migrate version`. B then
//     holds exactly what A held at the dump, jobs included.
//  5. API and worker are started on B. The jobs caught running come back when
//     their lease expires; every job ends done, every e-mail is delivered, and
//     the business data is still what it was at the dump.
func TestRestoreDrill(t *testing.T) {
	apiBin, workerBin := opstest.Binaries(t)
	for _, driver := range []string{sqldialect.Postgres, sqldialect.MySQL} {
		if !slices.Contains(testdb.Dialects(), driver) {
			continue
		}
		t.Run(driver, func(t *testing.T) { drill(t, driver, apiBin, workerBin) })
	}
}

func drill(t *testing.T, driver, apiBin, workerBin string) {
	sink := smtpsink.Start(t)
	settings := func(dsn string) map[string]string {
		// Short budgets keep the drill short: a job caught running comes back
		// 5 s after its claim at most. The lease must exceed task timeout +
		// drain (the configuration refuses it otherwise).
		return opstest.Env(driver, dsn, map[string]string{
			"DOLIGO_SMTP_HOST": sink.Host, "DOLIGO_SMTP_PORT": strconv.Itoa(sink.Port), "DOLIGO_SMTP_FROM": "billing@example.com",
			"DOLIGO_WORKER_CONCURRENCY": "2", "DOLIGO_TASK_TIMEOUT": "3s", "DOLIGO_SHUTDOWN_TIMEOUT": "1s",
			"DOLIGO_JOB_LEASE": "5s", "DOLIGO_JOB_POLL_INTERVAL": "100ms",
			"DOLIGO_JOB_BACKOFF_BASE": "100ms", "DOLIGO_JOB_BACKOFF_MAX": "1s",
		})
	}

	// 1. API and worker on A; data and jobs.
	dsnA := testdb.Fresh(t, driver)
	api := opstest.StartAPI(t, apiBin, settings(dsnA))
	admin := opstest.Login(t, api.URL, "admin", opstest.AdminPassword)
	seeded := opstest.Seed(t, admin)
	worker := opstest.StartWorker(t, workerBin, settings(dsnA))
	opstest.Eventually(t, "the PDFs of the validated documents archived", func() bool {
		return len(jobsIn(t, driver, dsnA, domain.JobDone)) == len(jobsIn(t, driver, dsnA, ""))
	})
	sink.Hold(true)
	requestIDs := map[int64]string{} // e-mail job → the X-Request-ID of the request that enqueued it
	for i := range emails {
		rid := fmt.Sprintf("drill-%s-%d", driver, i)
		res := admin.JSON(t, http.StatusAccepted, "POST", fmt.Sprintf("/api/v1/invoices/%d/send", seeded.InvoiceID),
			fmt.Sprintf(`{"to": ["client%d@example.org"]}`, i), "X-Request-ID", rid)
		requestIDs[int64(res["job_id"].(float64))] = rid
	}
	inFlight := held(t, sink, 2)

	// 2. Nothing moves; the documented backup, online.
	worker.Signal(t, syscall.SIGSTOP)
	running, pending := jobsIn(t, driver, dsnA, domain.JobRunning), jobsIn(t, driver, dsnA, domain.JobAvailable)
	if len(running) < 2 || len(pending) < 1 {
		t.Fatalf("at the dump %d jobs running and %d pending, want at least 2 and 1: the drill would prove nothing", len(running), len(pending))
	}
	t.Logf("at the dump: %d jobs running (2 in SMTP DATA, the rest claimed), %d pending, %d done", len(running), len(pending),
		len(jobsIn(t, driver, dsnA, domain.JobDone)))
	atDump := opstest.TakeSnapshot(t, driver, dsnA)
	backupDir := t.TempDir()
	if out, code := opstest.RunBash(t, opstest.BackupBlock(t, driver, "Backup Completo"), opstest.BackupEnv(t, driver, dsnA, backupDir)); code != 0 {
		t.Fatalf("backup: exit %d\n%s", code, out)
	}

	// 3. The crash.
	deliveredByTheDeadWorker := jobOf(t, inFlight[0].MessageID)
	inFlight[0].Accept()
	inFlight[1].Reject(451)
	worker.Kill(t)
	api.Stop(t)
	sink.Hold(false)

	// 4. Restore into a fresh database, migrate, check the version.
	dsnB := testdb.Fresh(t, driver)
	benv := opstest.BackupEnv(t, driver, dsnB, backupDir)
	if out, code := opstest.RunBash(t, opstest.BackupBlock(t, driver, "Restauração"), benv); code != 0 || !strings.Contains(out, "Restauração concluída") {
		t.Fatalf("restore: exit %d\n%s", code, out)
	}
	envB := settings(dsnB)
	for _, args := range [][]string{{"migrate", "up"}, {"migrate", "version"}} {
		out, code := opstest.Run(t, apiBin, envB, args...)
		want, _ := gormdb.ExpectedVersion(driver)
		if code != 0 || !strings.Contains(out, fmt.Sprintf("version %d (dirty: false", want)) {
			t.Fatalf("api %s: exit %d, want 0 and version %d, not dirty:\n%s", strings.Join(args, " "), code, want, out)
		}
	}
	if diff := atDump.Diff(opstest.TakeSnapshot(t, driver, dsnB)); diff != "" {
		t.Fatalf("database B after the restore differs from A at the dump:\n%s", diff)
	}

	// 5. Both binaries on B; every job finishes.
	api = opstest.StartAPI(t, apiBin, envB)
	worker = opstest.StartWorker(t, workerBin, envB)
	opstest.Eventually(t, "every job done on the restored database", func() bool {
		return len(jobsIn(t, driver, dsnB, domain.JobDone)) == len(atDump["jobs"])
	})
	after := jobsIn(t, driver, dsnB, "")
	for id := range running {
		if j := after[id]; j.attempt < 2 || j.lockedBy == "" {
			t.Errorf("job %d, running at the dump: %+v, want finished on a later attempt after its lease expired", id, j)
		}
	}
	for id, rid := range requestIDs {
		if after[id].requestID != rid {
			t.Errorf("job %d carries request id %q, want %q (the X-Request-ID that enqueued it)", id, after[id].requestID, rid)
		}
	}
	checkDeliveries(t, sink, requestIDs, deliveredByTheDeadWorker)
	checkWorkerLogs(t, worker.Output(), requestIDs)
	if !strings.Contains(worker.Output(), "took back jobs whose lease expired") {
		t.Error("the restarted worker never logged taking back the jobs caught running")
	}

	if diff := atDump.Without("jobs").Diff(opstest.TakeSnapshot(t, driver, dsnB).Without("jobs")); diff != "" {
		t.Errorf("business data after the jobs ran differs from the dump:\n%s", diff)
	}
	admin = opstest.Login(t, api.URL, "admin", opstest.AdminPassword)
	list := admin.JSON(t, http.StatusOK, "GET", "/api/v1/jobs?status=done&limit=500", "")
	if list["total"] != float64(len(atDump["jobs"])) {
		t.Errorf("GET /api/v1/jobs?status=done: total %v, want %d", list["total"], len(atDump["jobs"]))
	}
	worker.Stop(t)
	api.Stop(t)
}

// checkDeliveries: every e-mail job's message arrived; the only one that
// arrived twice is the one the dead worker delivered after the dump, and both
// copies carry the same Message-ID, so a mail client or a dedup filter can
// recognise the second (at-least-once delivery).
func checkDeliveries(t *testing.T, sink *smtpsink.Sink, requestIDs map[int64]string, duplicate int64) {
	t.Helper()
	perJob, ids := map[int64]int{}, map[int64][]string{}
	for _, m := range sink.Messages() {
		id := jobOf(t, m.MessageID)
		perJob[id]++
		ids[id] = append(ids[id], m.MessageID)
	}
	duplicates := 0
	for id := range requestIDs {
		want := 1
		if id == duplicate {
			want = 2
		}
		if perJob[id] != want {
			t.Errorf("the e-mail of job %d arrived %d times, want %d", id, perJob[id], want)
		}
		if len(ids[id]) == 2 && ids[id][0] != ids[id][1] {
			t.Errorf("the two copies of job %d's e-mail have Message-IDs %q: a duplicate must be recognisable", id, ids[id])
		}
		duplicates += max(perJob[id]-1, 0)
	}
	if len(perJob) != len(requestIDs) {
		t.Errorf("e-mails of %d jobs arrived, want %d: %v", len(perJob), len(requestIDs), perJob)
	}
	t.Logf("%d e-mails delivered for %d jobs: %d duplicate (job %d, delivered by the crashed worker after the dump)",
		len(sink.Messages()), len(requestIDs), duplicates, duplicate)
}

// checkWorkerLogs: the restarted worker's log lines about each e-mail job
// carry the request id of the API request that enqueued it.
func checkWorkerLogs(t *testing.T, out string, requestIDs map[int64]string) {
	t.Helper()
	for id, rid := range requestIDs {
		if !strings.Contains(out, fmt.Sprintf(`"job_id":%d,`, id)) || !strings.Contains(out, `"request_id":"`+rid+`"`) {
			t.Errorf("no log line of the restarted worker names job %d with request id %s", id, rid)
		}
	}
}

// held waits until the SMTP server holds n messages at the end of DATA.
func held(t *testing.T, sink *smtpsink.Sink, n int) []*smtpsink.Held {
	t.Helper()
	var out []*smtpsink.Held
	opstest.Eventually(t, fmt.Sprintf("%d messages held by the SMTP server", n), func() bool {
		for len(out) < n && len(sink.Arrived) > 0 {
			out = append(out, <-sink.Arrived)
		}
		return len(out) == n
	})
	return out
}

// jobOf returns the job id that a Message-ID made by usecase.MessageID
// (job-<id>.<created ms>@host) names.
func jobOf(t *testing.T, messageID string) int64 {
	t.Helper()
	rest, ok := strings.CutPrefix(messageID, "job-")
	num, _, dot := strings.Cut(rest, ".")
	id, err := strconv.ParseInt(num, 10, 64)
	if !ok || !dot || err != nil {
		t.Fatalf("Message-ID %q does not name a job", messageID)
	}
	return id
}

type job struct {
	kind, state, lockedBy, requestID string
	attempt                          int
}

// jobsIn returns the jobs in a state ("" for all) by id.
func jobsIn(t *testing.T, driver, dsn, state string) map[int64]job {
	t.Helper()
	db := opstest.OpenSQL(t, driver, dsn)
	defer db.Close()
	rows, err := db.Query("SELECT id, kind, state, attempt, locked_by, request_id FROM jobs")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]job{}
	for rows.Next() {
		var id int64
		var j job
		if err := rows.Scan(&id, &j.kind, &j.state, &j.attempt, &j.lockedBy, &j.requestID); err != nil {
			t.Fatal(err)
		}
		if state == "" || j.state == state {
			out[id] = j
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
