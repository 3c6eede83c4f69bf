package queue_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/queue"
	"github.com/doligo/doligo/internal/testutil/listentest"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

var ctx = context.Background()

// kindOf gives each test its own job kind: tests share the package's
// database, and claims only see the kinds they ask for.
func kindOf(t *testing.T) string {
	return "test." + strings.ReplaceAll(t.Name(), "/", ".")
}

func newStore(t *testing.T, db *testdb.DB) *queue.Store {
	t.Helper()
	s, err := queue.NewStore(db.SQL, db.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func enqueue(t *testing.T, db *testdb.DB, j domain.NewJob) int64 {
	t.Helper()
	id, err := queue.Enqueue(ctx, db.SQL, db.Dialect, j)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// row is what the tests check of a job, read straight from the table.
type row struct {
	State, LastError, RequestID, Payload string
	Attempt, MaxAttempts                 int
	Leased, Finished                     bool
}

func readRow(t *testing.T, db *testdb.DB, id int64) row {
	t.Helper()
	var r row
	q := `SELECT state, last_error, request_id, payload, attempt, max_attempts,
		lease_token IS NOT NULL AND locked_until IS NOT NULL, finished_at IS NOT NULL FROM jobs WHERE id = ?`
	if db.Dialect == "postgres" {
		q = strings.Replace(q, "?", "$1", 1)
	}
	if err := db.SQL.QueryRowContext(ctx, q, id).Scan(&r.State, &r.LastError, &r.RequestID, &r.Payload,
		&r.Attempt, &r.MaxAttempts, &r.Leased, &r.Finished); err != nil {
		t.Fatalf("read job %d: %v", id, err)
	}
	return r
}

func claim(t *testing.T, s *queue.Store, kind string, n int, lease time.Duration) []domain.Job {
	t.Helper()
	jobs, err := s.Claim(ctx, "test-worker", []string{kind}, n, lease)
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}

func ids(jobs []domain.Job) []int64 {
	out := make([]int64, len(jobs))
	for i, j := range jobs {
		out[i] = j.ID
	}
	return out
}

// A job enqueued in a transaction exists exactly when the transaction commits.
func TestEnqueueCommitsWithTheTransaction(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		kind := kindOf(t)
		rctx := domain.WithRequestID(ctx, "req-outbox-1")
		var committed int64
		boom := errors.New("business rule failed")
		err := db.Gorm.WithContext(rctx).Transaction(func(tx *gorm.DB) error {
			if _, err := queue.NewOutbox(tx).Enqueue(rctx, domain.NewJob{Kind: kind, Payload: map[string]int{"n": 1}}); err != nil {
				t.Fatal(err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		err = db.Gorm.WithContext(rctx).Transaction(func(tx *gorm.DB) error {
			var err error
			committed, err = queue.NewOutbox(tx).Enqueue(rctx, domain.NewJob{Kind: kind, Payload: map[string]int{"n": 2}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		q := "SELECT COUNT(*) FROM jobs WHERE kind = ?"
		if db.Dialect == "postgres" {
			q = "SELECT COUNT(*) FROM jobs WHERE kind = $1"
		}
		if err := db.SQL.QueryRowContext(ctx, q, kind).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d jobs (%v), want 1: the rolled-back transaction's job must not exist", n, err)
		}
		r := readRow(t, db, committed)
		if r.State != domain.JobAvailable || r.Attempt != 0 || r.MaxAttempts != domain.DefaultJobMaxAttempts ||
			r.RequestID != "req-outbox-1" || r.Leased || r.Finished {
			t.Fatalf("committed job: %+v", r)
		}
		if !strings.Contains(r.Payload, `"n"`) || !strings.Contains(r.Payload, "2") {
			t.Fatalf("payload %q", r.Payload)
		}
		jobs := claim(t, newStore(t, db), kind, 10, time.Minute)
		if len(jobs) != 1 || jobs[0].ID != committed || jobs[0].RequestID != "req-outbox-1" {
			t.Fatalf("claimed %+v, want only job %d", jobs, committed)
		}
	})
}

// The unit of work hands out the outbox of its transaction.
func TestUnitOfWorkEnqueuesInItsTransaction(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		kind := kindOf(t)
		uow := gormdb.NewUnitOfWork(db.DB)
		boom := errors.New("rolled back")
		err := uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
			if _, err := r.Outbox.Enqueue(ctx, domain.NewJob{Kind: kind}); err != nil {
				t.Fatal(err)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		var id int64
		err = uow.Do(ctx, func(ctx context.Context, r domain.Repositories) (err error) {
			id, err = r.Outbox.Enqueue(ctx, domain.NewJob{Kind: kind})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := claim(t, newStore(t, db), kind, 10, time.Minute); len(got) != 1 || got[0].ID != id {
			t.Fatalf("claimed %v, want only the committed job %d", ids(got), id)
		}
	})
}

func TestEnqueueWithIdempotencyKeyAddsOneJob(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		kind := kindOf(t)
		key := kind + ":invoice-42-send"
		first := enqueue(t, db, domain.NewJob{Kind: kind, IdempotencyKey: key})
		var again int64
		err := db.Gorm.Transaction(func(tx *gorm.DB) error { // also inside a transaction: no abort on the conflict
			var err error
			if again, err = queue.NewOutbox(tx).Enqueue(ctx, domain.NewJob{Kind: kind, IdempotencyKey: key}); err != nil {
				return err
			}
			_, err = queue.NewOutbox(tx).Enqueue(ctx, domain.NewJob{Kind: kind}) // the transaction still works
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if again != first {
			t.Fatalf("second enqueue with the same key: job %d, want %d", again, first)
		}
		other := enqueue(t, db, domain.NewJob{Kind: kind})
		if other == first {
			t.Fatal("a job without key was merged with a keyed one")
		}
		if got := claim(t, newStore(t, db), kind, 10, time.Minute); len(got) != 3 {
			t.Fatalf("claimed %d jobs, want 3 (one keyed, two without key)", len(got))
		}
	})
}

func TestEnqueueRejectsBadJobs(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		for _, j := range []domain.NewJob{
			{Kind: ""},
			{Kind: strings.Repeat("k", 65)},
			{Kind: "x", MaxAttempts: -1},
			{Kind: "x", IdempotencyKey: strings.Repeat("k", 256)},
		} {
			// The caller's mistake, not the client's: an error, but no 422.
			if _, err := queue.Enqueue(ctx, db.SQL, db.Dialect, j); err == nil || errors.Is(err, domain.ErrInvalid) {
				t.Errorf("enqueue %+v: %v, want a plain error", j, err)
			}
		}
		if _, err := queue.Enqueue(ctx, db.SQL, db.Dialect, domain.NewJob{Kind: "x", Payload: func() {}}); err == nil {
			t.Error("a payload that is not JSON was accepted")
		}
	})
}

// Claims take due jobs of their kinds only, oldest run_at first, and count
// the attempt.
func TestClaimTakesDueJobsOfItsKindsInOrder(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		kind := kindOf(t)
		s := newStore(t, db)
		now := time.Now()
		late := enqueue(t, db, domain.NewJob{Kind: kind, RunAt: now.Add(-time.Minute)})
		early := enqueue(t, db, domain.NewJob{Kind: kind, RunAt: now.Add(-time.Hour)})
		enqueue(t, db, domain.NewJob{Kind: kind, RunAt: now.Add(time.Hour)}) // not due
		enqueue(t, db, domain.NewJob{Kind: kind + ".other"})
		jobs := claim(t, s, kind, 10, time.Minute)
		if got := ids(jobs); !slices.Equal(got, []int64{early, late}) {
			t.Fatalf("claimed %v, want %v (due jobs of the kind, by run_at)", got, []int64{early, late})
		}
		for _, j := range jobs {
			if j.Attempt != 1 || j.LeaseToken == "" || j.LockedBy != "test-worker" || j.State != domain.JobRunning {
				t.Fatalf("claimed job %+v", j)
			}
			if r := readRow(t, db, j.ID); r.State != domain.JobRunning || r.Attempt != 1 || !r.Leased {
				t.Fatalf("row of claimed job %d: %+v", j.ID, r)
			}
		}
		if again := claim(t, s, kind, 10, time.Minute); len(again) != 0 {
			t.Fatalf("claimed running jobs again: %v", ids(again))
		}
	})
}

// Concurrent claims never hand out one job twice (SKIP LOCKED on the server
// dialects, the IMMEDIATE write lock on SQLite).
func TestConcurrentClaimsTakeEachJobOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		kind := kindOf(t)
		s := newStore(t, db)
		const jobs, claimers = 60, 6
		for range jobs {
			enqueue(t, db, domain.NewJob{Kind: kind})
		}
		var mu sync.Mutex
		seen := map[int64]int{}
		var wg sync.WaitGroup
		for range claimers {
			wg.Go(func() {
				for {
					got, err := s.Claim(ctx, "w", []string{kind}, 4, time.Minute)
					if err != nil {
						t.Error(err)
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, j := range got {
						seen[j.ID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if len(seen) != jobs {
			t.Fatalf("claimed %d distinct jobs, want %d", len(seen), jobs)
		}
		for id, n := range seen {
			if n != 1 {
				t.Fatalf("job %d claimed %d times", id, n)
			}
		}
	})
}

// Every change to a claimed job is fenced by its lease token.
func TestFinishingNeedsTheLease(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		kind := kindOf(t)
		s := newStore(t, db)
		id := enqueue(t, db, domain.NewJob{Kind: kind})
		j := claim(t, s, kind, 1, time.Minute)[0]
		stolen := j
		stolen.LeaseToken = "someone-else"
		for name, f := range map[string]func(domain.Job) error{
			"complete": func(j domain.Job) error { return s.Complete(ctx, j) },
			"retry":    func(j domain.Job) error { return s.Retry(ctx, j, 0, "x") },
			"kill":     func(j domain.Job) error { return s.Kill(ctx, j, "x") },
			"release":  func(j domain.Job) error { return s.Release(ctx, j, 0) },
		} {
			if err := f(stolen); !errors.Is(err, domain.ErrJobLeaseLost) {
				t.Fatalf("%s with a wrong token: %v, want ErrJobLeaseLost", name, err)
			}
		}
		if r := readRow(t, db, id); r.State != domain.JobRunning || !r.Leased {
			t.Fatalf("a wrong token changed the job: %+v", r)
		}
		if err := s.Complete(ctx, j); err != nil {
			t.Fatal(err)
		}
		if r := readRow(t, db, id); r.State != domain.JobDone || r.Leased || !r.Finished || r.Attempt != 1 {
			t.Fatalf("completed job: %+v", r)
		}
		if err := s.Complete(ctx, j); !errors.Is(err, domain.ErrJobLeaseLost) {
			t.Fatalf("completing twice: %v, want ErrJobLeaseLost", err)
		}
	})
}

func TestRetryKillAndRelease(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		kind := kindOf(t)
		s := newStore(t, db)
		retried := enqueue(t, db, domain.NewJob{Kind: kind})
		j := claim(t, s, kind, 1, time.Minute)[0]
		if err := s.Retry(ctx, j, time.Hour, "smtp: 421 try later"); err != nil {
			t.Fatal(err)
		}
		if r := readRow(t, db, retried); r.State != domain.JobAvailable || r.Attempt != 1 || r.LastError != "smtp: 421 try later" || r.Leased {
			t.Fatalf("retried job: %+v", r)
		}
		if got := claim(t, s, kind, 10, time.Minute); len(got) != 0 {
			t.Fatalf("a job retried in an hour was claimed now: %v", ids(got))
		}

		released := enqueue(t, db, domain.NewJob{Kind: kind})
		j = claim(t, s, kind, 1, time.Minute)[0]
		if err := s.Release(ctx, j, 0); err != nil {
			t.Fatal(err)
		}
		if r := readRow(t, db, released); r.State != domain.JobAvailable || r.Attempt != 0 || r.Leased {
			t.Fatalf("released job: %+v (the attempt must not count)", r)
		}
		j = claim(t, s, kind, 1, time.Minute)[0]
		if j.ID != released || j.Attempt != 1 {
			t.Fatalf("claim after release: %+v", j)
		}
		if err := s.Kill(ctx, j, "550 no such user"); err != nil {
			t.Fatal(err)
		}
		if r := readRow(t, db, released); r.State != domain.JobDead || r.LastError != "550 no such user" || !r.Finished || r.Leased {
			t.Fatalf("killed job: %+v", r)
		}
		long := strings.Repeat("é", 3000)
		id := enqueue(t, db, domain.NewJob{Kind: kind})
		j = claim(t, s, kind, 1, time.Minute)[0]
		if j.ID != id {
			t.Fatalf("claimed %d, want %d", j.ID, id)
		}
		if err := s.Kill(ctx, j, long); err != nil {
			t.Fatalf("a long error must be cut to the column, not fail: %v", err)
		}
	})
}

// The reaper takes back running jobs whose lease expired by the database
// clock; a job out of attempts goes dead instead.
func TestReapReturnsExpiredLeases(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		kind := kindOf(t)
		s := newStore(t, db)
		crashed := enqueue(t, db, domain.NewJob{Kind: kind})
		exhausted := enqueue(t, db, domain.NewJob{Kind: kind, MaxAttempts: 1})
		alive := enqueue(t, db, domain.NewJob{Kind: kind})
		// A negative lease is already expired: no waiting for the clock.
		expired := claim(t, s, kind, 2, -time.Second)
		if got := ids(expired); !slices.Equal(got, []int64{crashed, exhausted}) {
			t.Fatalf("claimed %v", got)
		}
		if got := claim(t, s, kind, 1, time.Hour); len(got) != 1 || got[0].ID != alive {
			t.Fatalf("claimed %v, want %d", ids(got), alive)
		}
		n, err := s.Reap(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n < 2 { // other tests' expired leases may be reaped too
			t.Fatalf("reaped %d, want at least 2", n)
		}
		if r := readRow(t, db, crashed); r.State != domain.JobAvailable || r.Attempt != 1 || r.LastError != queue.LeaseExpired || r.Leased {
			t.Fatalf("reaped job: %+v", r)
		}
		if r := readRow(t, db, exhausted); r.State != domain.JobDead || !r.Finished {
			t.Fatalf("reaped job without attempts left: %+v", r)
		}
		if r := readRow(t, db, alive); r.State != domain.JobRunning || !r.Leased {
			t.Fatalf("a live lease was reaped: %+v", r)
		}
		if err := s.Complete(ctx, expired[0]); !errors.Is(err, domain.ErrJobLeaseLost) {
			t.Fatalf("the crashed worker's late ack: %v, want ErrJobLeaseLost", err)
		}
		again := claim(t, s, kind, 10, time.Minute)
		if len(again) != 1 || again[0].ID != crashed || again[0].Attempt != 2 {
			t.Fatalf("claim after reap: %+v", again)
		}
	})
}

// Prune and Depth look at the whole table: each runs on a database of its own.
func TestPruneDeletesOnlyOldDoneJobs(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			s := newStore(t, db)
			kind := kindOf(t)
			for range 3 {
				enqueue(t, db, domain.NewJob{Kind: kind})
			}
			got := claim(t, s, kind, 3, time.Minute)
			if err := s.Complete(ctx, got[0]); err != nil {
				t.Fatal(err)
			}
			if err := s.Kill(ctx, got[1], "x"); err != nil {
				t.Fatal(err)
			}
			enqueue(t, db, domain.NewJob{Kind: kind})
			depth, err := s.Depth(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int64{"available": 1, "running": 1, "done": 1, "dead": 1}
			if len(depth) != len(want) {
				t.Fatalf("depth %v, want %v", depth, want)
			}
			for k, v := range want {
				if depth[k] != v {
					t.Fatalf("depth %v, want %v", depth, want)
				}
			}
			if n, err := s.Prune(ctx, time.Hour); err != nil || n != 0 {
				t.Fatalf("prune with 1h retention: %d, %v; want 0", n, err)
			}
			// A negative retention puts the cut-off in the future: everything
			// finished so far is old enough.
			if n, err := s.Prune(ctx, -time.Minute); err != nil || n != 1 {
				t.Fatalf("prune: %d, %v; want 1 (the done job, never the dead one)", n, err)
			}
			depth, _ = s.Depth(ctx)
			if depth["done"] != 0 || depth["dead"] != 1 || depth["available"] != 1 || depth["running"] != 1 {
				t.Fatalf("depth after prune %v", depth)
			}
		})
	}
}

// The MySQL claim finds its candidates by walking the (state, run_at, id)
// index in its ORDER BY order, without a filesort, so that it stops after
// LIMIT rows; it then locks them by primary key (on InnoDB a locking read
// locks every row it scans).
func TestMySQLClaimUsesTheClaimIndex(t *testing.T) {
	if !slices.Contains(testdb.Dialects(), "mysql") {
		t.Skip("mysql not under test")
	}
	db := testdb.Shared(t, "mysql")
	var queued []any
	for range 50 {
		queued = append(queued, enqueue(t, db, domain.NewJob{Kind: kindOf(t)}))
	}
	explain := func(q string, args ...any) map[string]string {
		t.Helper()
		rows, err := db.SQL.QueryContext(ctx, "EXPLAIN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		plans := scanExplain(t, rows)
		if len(plans) != 1 {
			t.Fatalf("plan %v", plans)
		}
		return plans[0]
	}
	for _, kinds := range []int{1, 3} {
		args := []any{}
		for range kinds {
			args = append(args, kindOf(t))
		}
		p := explain(queue.ClaimCandidatesMySQL(kinds), append(args, 8)...)
		if p["key"] != "ix_jobs_claim" {
			t.Fatalf("claim uses key %q, want ix_jobs_claim: %v", p["key"], p)
		}
		if strings.Contains(strings.ToLower(p["Extra"]), "filesort") {
			t.Fatalf("claim sorts instead of walking the index in order: %v", p)
		}
		if p["type"] != "range" && p["type"] != "ref" {
			t.Fatalf("claim access type %q, want range or ref: %v", p["type"], p)
		}
	}
	for _, n := range []int{1, 4} {
		if p := explain(queue.ClaimLockMySQL(n), queued[:n]...); p["key"] != "PRIMARY" || (p["type"] != "range" && p["type"] != "const" && p["type"] != "eq_ref") {
			t.Fatalf("the claim's lock of %d candidates: key %q, type %q, want the primary key: %v", n, p["key"], p["type"], p)
		}
	}
}

// The MySQL acknowledgement finds its rows by primary key, whatever the
// statistics: never by walking the running rows of an index on state, where
// it would wait on the rows a concurrent claim holds.
func TestMySQLCompleteUsesThePrimaryKey(t *testing.T) {
	if !slices.Contains(testdb.Dialects(), "mysql") {
		t.Skip("mysql not under test")
	}
	db := testdb.Migrated(t, "mysql") // statistics of its own: no running rows yet
	s := newStore(t, db)
	for range 50 {
		enqueue(t, db, domain.NewJob{Kind: kindOf(t)})
	}
	if _, err := db.SQL.ExecContext(ctx, `ANALYZE TABLE jobs`); err != nil {
		t.Fatal(err)
	}
	match, args := queue.CompleteMatchMySQL(claim(t, s, kindOf(t), 8, time.Minute))
	for _, q := range []string{`SELECT id FROM jobs WHERE ` + match + ` FOR UPDATE`, `UPDATE jobs SET state = 'done' WHERE ` + match} {
		rows, err := db.SQL.QueryContext(ctx, "EXPLAIN "+q, args...)
		if err != nil {
			t.Fatal(err)
		}
		plans := scanExplain(t, rows)
		if len(plans) != 1 || plans[0]["key"] != "PRIMARY" {
			t.Fatalf("%s: plan %v, want the primary key", q, plans)
		}
	}
}

func scanExplain(t *testing.T, rows *sql.Rows) []map[string]string {
	t.Helper()
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for i, c := range cols {
			m[c] = vals[i].String
		}
		out = append(out, m)
	}
	return out
}

// On PostgreSQL a commit wakes listening workers; a rollback does not matter
// (NOTIFY is transactional), so only the positive case is checked here.
func TestListenWakesOnCommit(t *testing.T) {
	if !slices.Contains(testdb.Dialects(), "postgres") {
		t.Skip("postgres not under test")
	}
	db := testdb.Shared(t, "postgres")
	l := listentest.Start(t, db.DSN)
	err := db.Gorm.Transaction(func(tx *gorm.DB) error {
		_, err := queue.NewOutbox(tx).Enqueue(ctx, domain.NewJob{Kind: kindOf(t)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	l.Wait("after the commit")
}

// An outbox that leaves its notification to Wakeups sends none in its
// transaction: the workers hear of the job when Send runs after the commit.
func TestWakeAfterCommitNotifiesOnSend(t *testing.T) {
	if !slices.Contains(testdb.Dialects(), "postgres") {
		t.Skip("postgres not under test")
	}
	db := testdb.Shared(t, "postgres")
	l := listentest.Start(t, db.DSN)
	var w queue.Wakeups
	err := db.Gorm.Transaction(func(tx *gorm.DB) error {
		_, err := queue.NewOutbox(tx).WakeAfterCommit(&w).Enqueue(ctx, domain.NewJob{Kind: kindOf(t)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	l.None("from the transaction itself", 300*time.Millisecond)
	if err := w.Send(ctx, queue.NewNotifier(db.SQL)); err != nil {
		t.Fatal(err)
	}
	l.Wait("after Send")
}

// Prune also deletes the webhook events past the retention whose deliveries
// are all finished, with their deliveries; an event a delivery still waits
// on stays, whatever its age.
func TestPruneDeletesOldFinishedWebhookEvents(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) { pruneWebhookEvents(t, testdb.Migrated(t, d)) })
	}
}

// pruneWebhookEvents runs on a database of its own: a prune with a negative
// retention deletes every finished job and event in it.
func pruneWebhookEvents(t *testing.T, db *testdb.DB) {
	s := newStore(t, db)
	exec := func(q string, args ...any) {
		t.Helper()
		if err := db.Gorm.Exec(q, args...).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	event := func(statuses ...string) int64 {
		t.Helper()
		exec(`INSERT INTO webhook_events (type, data) VALUES ('test.pruned', '{}')`)
		var id int64
		if err := db.Gorm.Raw(`SELECT MAX(id) FROM webhook_events`).Scan(&id).Error; err != nil {
			t.Fatal(err)
		}
		for i, st := range statuses {
			exec(`INSERT INTO webhook_deliveries (subscription_id, event_id, status) VALUES (?, ?, ?)`, 900000+i, id, st)
		}
		return id
	}
	finished := event("delivered", "dead")
	waiting := event("delivered", "retrying")
	alone := event()
	if _, err := s.Prune(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	left := func() []int64 {
		var ids []int64
		db.Gorm.Raw(`SELECT id FROM webhook_events WHERE type = 'test.pruned' ORDER BY id`).Scan(&ids)
		return ids
	}
	if got := left(); !slices.Equal(got, []int64{finished, waiting, alone}) {
		t.Fatalf("events %v after a prune that none is old enough for", got)
	}
	if _, err := s.Prune(ctx, -time.Minute); err != nil { // every event old enough
		t.Fatal(err)
	}
	if got := left(); !slices.Equal(got, []int64{waiting}) {
		t.Fatalf("events %v after the prune, want only %d (a delivery still retrying)", got, waiting)
	}
	var deliveries int64
	db.Gorm.Raw(`SELECT COUNT(*) FROM webhook_deliveries WHERE event_id IN (?, ?)`, finished, alone).Scan(&deliveries)
	if deliveries != 0 {
		t.Fatalf("%d deliveries of pruned events left", deliveries)
	}
}
