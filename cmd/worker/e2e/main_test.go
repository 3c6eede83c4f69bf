// Package e2e runs the built worker binary as real processes against the
// test databases and an in-process SMTP server: shutdown (CT-04), crash
// recovery through leases, the SMTP circuit breaker, several workers on one
// queue. With SQLite the test process plays the API: both share one file.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/queue"
	"github.com/doligo/doligo/internal/testutil/opstest"
	"github.com/doligo/doligo/internal/testutil/smtpsink"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

var workerBin string

// TestMain builds the worker once, static as it ships, then runs the tests.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "doligo-worker-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	workerBin = filepath.Join(dir, "worker")
	build := exec.Command("go", "build", "-o", workerBin, "github.com/doligo/doligo/cmd/worker")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	code := 1
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build the worker:", err)
	} else {
		code = testdb.Main(m)
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

var ctx = context.Background()

// hang bounds every wait: a guard against a test hanging, never a timing
// assertion (the machine may be slow).
const hang = 90 * time.Second

// lockedBuffer collects a process's output.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// worker is one running worker process (opstest.Start) with its ops
// server's address.
type worker struct {
	*opstest.Proc
	httpAddr string
}

// settings are the worker's variables for a scenario: short leases and
// budgets so each scenario stays bounded.
func settings(db *testdb.DB, sink *smtpsink.Sink, over map[string]string) map[string]string {
	env := map[string]string{
		"DB_DRIVER": db.Dialect, "DB_DSN": db.DSN, "DB_MAX_OPEN_CONNS": "10", "DB_MAX_IDLE_CONNS": "5",
		"JWT_SECRET": strings.Repeat("s", 32),
		"SMTP_HOST":  sink.Host, "SMTP_PORT": strconv.Itoa(sink.Port), "SMTP_FROM": "billing@example.com",
		"WORKER_CONCURRENCY": "2", "TASK_TIMEOUT": "20s", "SHUTDOWN_TIMEOUT": "2s", "JOB_LEASE": "25s",
		"JOB_POLL_INTERVAL": "100ms", "JOB_BACKOFF_BASE": "100ms", "JOB_BACKOFF_MAX": "1s",
		"LOG_LEVEL": "debug", "LOG_FORMAT": "json",
	}
	for k, v := range over {
		env[k] = v
	}
	return env
}

func startWorker(t testing.TB, env map[string]string) *worker {
	t.Helper()
	w := &worker{httpAddr: opstest.FreeAddr(t)}
	env["WORKER_HTTP_ADDR"] = w.httpAddr
	vars := make(map[string]string, len(env))
	for k, v := range env {
		vars["DOLIGO_"+k] = v
	}
	w.Proc = opstest.Start(t, workerBin, vars)
	return w
}

// metric reads one sample from the worker's /metrics; ok is false while the
// server is not up or the sample absent.
func (w *worker) metric(name string, labels ...string) (v float64, ok bool) {
	res, err := http.Get("http://" + w.httpAddr + "/metrics")
	if err != nil {
		return 0, false
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
next:
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+" ") && !strings.HasPrefix(line, name+"{") {
			continue
		}
		for _, l := range labels {
			if !strings.Contains(line, l) {
				continue next
			}
		}
		f, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		return f, err == nil
	}
	return 0, false
}

func enqueueEmails(t testing.TB, db *testdb.DB, n int) map[int64]string {
	t.Helper()
	requestIDs := map[int64]string{}
	for i := range n {
		rid := fmt.Sprintf("req-%s-%d", db.Dialect, i)
		id, err := queue.Enqueue(ctx, db.SQL, db.Dialect, domain.NewJob{
			Kind: domain.JobKindEmailSend, RequestID: rid,
			Payload: domain.EmailPayload{To: []string{fmt.Sprintf("client%d@example.org", i)}, Template: "message",
				Data: map[string]any{"subject": fmt.Sprintf("Message %d", i), "body": "Hello"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		requestIDs[id] = rid
	}
	return requestIDs
}

// jobRow is a job as the table holds it.
type jobRow struct {
	State, LockedBy, LastError string
	Attempt                    int
	Leased                     bool
}

func jobs(t testing.TB, db *testdb.DB) map[int64]jobRow {
	t.Helper()
	rows, err := db.SQL.QueryContext(ctx, `SELECT id, state, locked_by, last_error, attempt,
		lease_token IS NOT NULL OR locked_until IS NOT NULL FROM jobs`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[int64]jobRow{}
	for rows.Next() {
		var id int64
		var r jobRow
		if err := rows.Scan(&id, &r.State, &r.LockedBy, &r.LastError, &r.Attempt, &r.Leased); err != nil {
			t.Fatal(err)
		}
		out[id] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func count(rows map[int64]jobRow, state string) int {
	n := 0
	for _, r := range rows {
		if r.State == state {
			n++
		}
	}
	return n
}

// eventually polls cond (reading the database or /metrics) until it holds.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(hang)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never saw: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// arrival waits for the next message the sink holds.
func arrival(t *testing.T, sink *smtpsink.Sink) *smtpsink.Held {
	t.Helper()
	select {
	case h := <-sink.Arrived:
		return h
	case <-time.After(hang):
		t.Fatal("no message reached the SMTP server")
		return nil
	}
}

// jobOf returns the job id in a Message-ID made by usecase.MessageID.
func jobOf(t *testing.T, messageID string) int64 {
	t.Helper()
	var id, ms int64
	if _, err := fmt.Sscanf(messageID, "job-%d.%d@", &id, &ms); err != nil {
		t.Fatalf("Message-ID %q: %v", messageID, err)
	}
	return id
}

// checkJobLogs checks that every log line about a job names it with its
// kind, attempt and the request id that enqueued it, and that the jobs in
// want were all logged.
func checkJobLogs(t *testing.T, out string, requestIDs map[int64]string, want ...int64) {
	t.Helper()
	logged := map[int64]bool{}
	for line := range strings.Lines(out) {
		var entry map[string]any
		if json.Unmarshal([]byte(line), &entry) != nil {
			continue
		}
		raw, ok := entry["job_id"]
		if !ok {
			continue
		}
		id := int64(raw.(float64))
		logged[id] = true
		if entry["request_id"] != requestIDs[id] || entry["kind"] != domain.JobKindEmailSend || entry["attempt"] == nil {
			t.Errorf("log line of job %d lacks its kind, attempt or request id %q: %s", id, requestIDs[id], line)
		}
	}
	for _, id := range want {
		if !logged[id] {
			t.Errorf("no log line about job %d", id)
		}
	}
}

func exitedCleanly(t testing.TB, st *os.ProcessState) {
	t.Helper()
	if st == nil || !st.Exited() || st.ExitCode() != 0 {
		t.Fatalf("worker ended with %v, want exit status 0", st)
	}
}

// stop sends SIGTERM and checks that the worker drains and exits 0.
func (w *worker) stop(t testing.TB) {
	t.Helper()
	w.Signal(t, syscall.SIGTERM)
	exitedCleanly(t, w.Wait(t))
}

// waitMetric waits until the worker's metric satisfies ok.
func waitMetric(t *testing.T, w *worker, what string, ok func(float64) bool, name string, labels ...string) {
	t.Helper()
	eventually(t, what, func() bool {
		v, found := w.metric(name, labels...)
		return found && ok(v)
	})
}
