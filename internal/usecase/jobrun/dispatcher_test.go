package jobrun

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
)

// fakeQueue is an in-memory JobQueue that checks the dispatcher's use of it:
// every change carries the claim's token, and no more jobs are held than the
// dispatcher's slots.
type fakeQueue struct {
	mu        sync.Mutex
	t         *testing.T
	jobs      map[int64]*fakeJob
	nextID    int64
	held      int // claimed and not yet finished
	maxHeld   int
	inSlots   int // claimed and not yet returned by their handler (see left)
	maxSlots  int
	limits    []int
	reaps     int
	prunedFor []time.Duration
	changed   chan struct{} // signalled after every finishing call
}

type fakeJob struct {
	domain.Job
	token  string
	delays []time.Duration // of retries and releases
	later  bool            // retried or released with a delay: not claimable in this test
	err    string
}

func newFakeQueue(t *testing.T) *fakeQueue {
	return &fakeQueue{t: t, jobs: map[int64]*fakeJob{}, changed: make(chan struct{}, 1000)}
}

func (q *fakeQueue) add(kind string, maxAttempts int) int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.nextID++
	q.jobs[q.nextID] = &fakeJob{Job: domain.Job{ID: q.nextID, Kind: kind, State: domain.JobAvailable,
		MaxAttempts: maxAttempts, RequestID: fmt.Sprintf("req-%d", q.nextID)}}
	return q.nextID
}

func (q *fakeQueue) get(id int64) fakeJob {
	q.mu.Lock()
	defer q.mu.Unlock()
	return *q.jobs[id]
}

func (q *fakeQueue) Claim(_ context.Context, worker string, kinds []string, limit int, _ time.Duration) ([]domain.Job, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.limits = append(q.limits, limit)
	var out []domain.Job
	for id := int64(1); id <= q.nextID && len(out) < limit; id++ {
		j := q.jobs[id]
		if j.State != domain.JobAvailable || j.later || !contains(kinds, j.Kind) {
			continue
		}
		j.State, j.Attempt, j.LockedBy = domain.JobRunning, j.Attempt+1, worker
		j.token = fmt.Sprintf("tok-%d-%d", id, j.Attempt)
		c := j.Job
		c.LeaseToken = j.token
		out = append(out, c)
	}
	q.held += len(out)
	q.maxHeld = max(q.maxHeld, q.held)
	q.inSlots += len(out)
	q.maxSlots = max(q.maxSlots, q.inSlots)
	q.changed <- struct{}{}
	return out, nil
}

// left is called by a test's handler as it returns. A done job leaves its
// slot once handed to the completer, before its acknowledgement is written,
// so held counts it longer than the dispatcher does; inSlots, which drops
// when the handler returns, is what the dispatcher's slots bound.
func (q *fakeQueue) left() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.inSlots--
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func (q *fakeQueue) fenced(j domain.Job, f func(*fakeJob)) error {
	q.mu.Lock()
	defer func() {
		q.mu.Unlock()
		q.changed <- struct{}{}
	}()
	row := q.jobs[j.ID]
	if row.State != domain.JobRunning || row.token != j.LeaseToken {
		return domain.ErrJobLeaseLost
	}
	q.held--
	f(row)
	row.token = ""
	return nil
}

func (q *fakeQueue) Complete(_ context.Context, j domain.Job) error {
	return q.fenced(j, func(r *fakeJob) { r.State = domain.JobDone })
}

// CompleteMany completes each job as Complete would, fenced by its own token.
func (q *fakeQueue) CompleteMany(ctx context.Context, jobs []domain.Job) ([]int64, error) {
	var lost []int64
	for _, j := range jobs {
		if err := q.Complete(ctx, j); errors.Is(err, domain.ErrJobLeaseLost) {
			lost = append(lost, j.ID)
		}
	}
	return lost, nil
}

func (q *fakeQueue) Retry(_ context.Context, j domain.Job, delay time.Duration, reason string) error {
	return q.fenced(j, func(r *fakeJob) {
		r.State, r.err, r.delays, r.later = domain.JobAvailable, reason, append(r.delays, delay), delay > 0
	})
}

func (q *fakeQueue) Kill(_ context.Context, j domain.Job, reason string) error {
	return q.fenced(j, func(r *fakeJob) { r.State, r.err = domain.JobDead, reason })
}

func (q *fakeQueue) Release(_ context.Context, j domain.Job, delay time.Duration) error {
	return q.fenced(j, func(r *fakeJob) {
		r.State, r.Attempt, r.delays, r.later = domain.JobAvailable, r.Attempt-1, append(r.delays, delay), delay > 0
	})
}

func (q *fakeQueue) Reap(context.Context) (int64, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.reaps++
	return 0, nil
}

func (q *fakeQueue) Prune(_ context.Context, retention time.Duration) (int64, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.prunedFor = append(q.prunedFor, retention)
	return 0, nil
}

// waitFor waits until cond (called under the lock) holds after some claim or
// finishing call.
func (q *fakeQueue) waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if !q.await(cond) {
		t.Fatalf("timed out waiting for %s", what)
	}
}

// await is waitFor for other goroutines than the test's: it reports a hang
// instead of failing.
func (q *fakeQueue) await(cond func() bool) bool {
	guard := time.After(30 * time.Second) // a hang guard, not a timing assertion
	for {
		q.mu.Lock()
		ok := cond()
		q.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-q.changed:
		case <-guard:
			return false
		}
	}
}

func (q *fakeQueue) count(state string) int {
	n := 0
	for _, j := range q.jobs {
		if j.State == state {
			n++
		}
	}
	return n
}

type recorder struct {
	mu       sync.Mutex
	outcomes map[string]int
}

func (r *recorder) JobFinished(kind, outcome string, _ time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.outcomes[kind+"/"+outcome]++
}

func (r *recorder) get(key string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.outcomes[key]
}

func testConfig() DispatcherConfig {
	return DispatcherConfig{
		Worker: "w1", Concurrency: 2, TaskTimeout: 10 * time.Second, ShutdownTimeout: 200 * time.Millisecond,
		Lease: time.Minute, PollInterval: 10 * time.Millisecond, BackoffBase: time.Second, BackoffMax: time.Minute,
		Retention: 7 * 24 * time.Hour, Log: zerolog.Nop(),
	}
}

// start runs a dispatcher until the returned stop is called; stop returns
// Run's error.
func start(t *testing.T, q JobQueue, h JobHandlers, cfg DispatcherConfig, tweak ...func(*Dispatcher)) (stop func() error) {
	t.Helper()
	d, err := NewDispatcher(q, h, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range tweak {
		f(d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(30 * time.Second): // a hang guard
				t.Fatal("Run did not return")
			}
		})
		return runErr
	}
	t.Cleanup(func() { stop() })
	return stop
}

func TestDispatcherOutcomes(t *testing.T) {
	q := newFakeQueue(t)
	rec := &recorder{outcomes: map[string]int{}}
	boom := errors.New("smtp: 421 busy")
	done := q.add("ok", 8)
	failing := q.add("fail", 8)
	lastTry := q.add("fail", 1)
	permanent := q.add("permanent", 8)
	deferred := q.add("defer", 8)
	panicking := q.add("panic", 8)
	q.add("unknown", 8) // no handler: never claimed
	var seen sync.Map
	h := JobHandlers{
		"ok": func(ctx context.Context, j domain.Job) error {
			seen.Store(j.ID, domain.RequestID(ctx))
			return nil
		},
		"fail": func(context.Context, domain.Job) error { return boom },
		"permanent": func(context.Context, domain.Job) error {
			return fmt.Errorf("%w: 550 no such user", domain.ErrJobPermanent)
		},
		"defer": func(context.Context, domain.Job) error {
			return &domain.JobDeferredError{After: 42 * time.Second, Reason: errors.New("breaker open")}
		},
		"panic": func(context.Context, domain.Job) error { panic("bug") },
	}
	cfg := testConfig()
	cfg.Observer = rec
	stop := start(t, q, h, cfg)
	q.waitFor(t, "every known job handled once", func() bool {
		for _, id := range []int64{done, failing, lastTry, permanent, deferred, panicking} {
			j := q.jobs[id]
			if j.State == domain.JobRunning || (j.State == domain.JobAvailable && len(j.delays) == 0) {
				return false
			}
		}
		return true
	})
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if j := q.get(done); j.State != domain.JobDone {
		t.Errorf("ok job: %+v", j)
	}
	if id, _ := seen.Load(done); id != "req-1" {
		t.Errorf("handler context carries request id %v, want the job's", id)
	}
	if j := q.get(failing); j.State != domain.JobAvailable || j.Attempt != 1 || j.err != boom.Error() ||
		j.delays[0] < cfg.BackoffBase/2 || j.delays[0] > cfg.BackoffBase {
		t.Errorf("failed job: %+v (want retried after base backoff with jitter)", j)
	}
	if j := q.get(lastTry); j.State != domain.JobDead || j.err != boom.Error() {
		t.Errorf("failed job on its last attempt: %+v, want dead", j)
	}
	if j := q.get(permanent); j.State != domain.JobDead || j.Attempt != 1 {
		t.Errorf("permanently failed job: %+v, want dead at once", j)
	}
	if j := q.get(deferred); j.State != domain.JobAvailable || j.Attempt != 0 || j.delays[0] != 42*time.Second {
		t.Errorf("deferred job: %+v, want released for 42s with its attempt given back", j)
	}
	if j := q.get(panicking); j.State != domain.JobAvailable || j.Attempt != 1 || j.err == "" {
		t.Errorf("panicking job: %+v, want retried", j)
	}
	if j := q.get(7); j.State != domain.JobAvailable || j.Attempt != 0 {
		t.Errorf("job without handler: %+v, want untouched", j)
	}
	for key, want := range map[string]int{"ok/done": 1, "fail/retry": 1, "fail/dead": 1, "permanent/dead": 1, "defer/released": 1, "panic/retry": 1} {
		if got := rec.get(key); got != want {
			t.Errorf("observed %s %d times, want %d", key, got, want)
		}
	}
	if q.reaps == 0 || len(q.prunedFor) == 0 || q.prunedFor[0] != cfg.Retention {
		t.Errorf("reaps %d, prunes %v: both must run at start", q.reaps, q.prunedFor)
	}
}

func TestDispatcherBackoffGrowsToItsCap(t *testing.T) {
	cfg := testConfig()
	d, err := NewDispatcher(newFakeQueue(t), JobHandlers{"x": NoopJob}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for attempt, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 7: time.Minute, 100: time.Minute} {
		for range 20 {
			if got := d.backoff(attempt); got < want/2 || got > want {
				t.Fatalf("backoff(%d) = %s, want within [%s, %s]", attempt, got, want/2, want)
			}
		}
	}
}

// The dispatcher holds at most Concurrency running and Concurrency buffered
// jobs, and asks for no more than its free slots.
func TestDispatcherClaimsOnlyFreeSlots(t *testing.T) {
	q := newFakeQueue(t)
	for range 40 {
		q.add("slow", 8)
	}
	gate := make(chan struct{})
	var mu sync.Mutex
	running, maxRunning := 0, 0
	h := JobHandlers{"slow": func(ctx context.Context, _ domain.Job) error {
		mu.Lock()
		running++
		maxRunning = max(maxRunning, running)
		mu.Unlock()
		<-gate
		mu.Lock()
		running--
		mu.Unlock()
		q.left()
		return nil
	}}
	cfg := testConfig()
	cfg.Concurrency = 3
	stop := start(t, q, h, cfg)
	q.waitFor(t, "a full buffer", func() bool { return q.held >= 2*cfg.Concurrency })
	close(gate)
	q.waitFor(t, "all jobs done", func() bool { return q.count(domain.JobDone) == 40 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if q.maxSlots > 2*cfg.Concurrency {
		t.Errorf("held up to %d jobs running or buffered at once, want at most %d", q.maxSlots, 2*cfg.Concurrency)
	}
	// Plus at most a slots' worth handed to the completer, waiting for their
	// acknowledgement.
	if q.maxHeld > 2*2*cfg.Concurrency {
		t.Errorf("held up to %d jobs at once, want at most %d", q.maxHeld, 2*2*cfg.Concurrency)
	}
	if maxRunning > cfg.Concurrency {
		t.Errorf("ran %d jobs at once, want at most %d", maxRunning, cfg.Concurrency)
	}
	for _, l := range q.limits {
		if l < 1 || l > 2*cfg.Concurrency {
			t.Errorf("claimed with limit %d", l)
		}
	}
}

// CT-04 in miniature: on shutdown the buffered jobs go back at once, a running
// job that finishes within the budget is done, one that does not is cancelled
// and goes back; no attempt is spent on either.
func TestDispatcherDrainsOnShutdown(t *testing.T) {
	q := newFakeQueue(t)
	for range 4 {
		q.add("slow", 8)
	}
	started := make(chan int64, 4)
	finish := map[int64]chan struct{}{1: make(chan struct{}), 2: make(chan struct{})}
	h := JobHandlers{"slow": func(ctx context.Context, j domain.Job) error {
		started <- j.ID
		select {
		case <-finish[j.ID]:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}}
	cfg := testConfig()
	cfg.Concurrency = 2
	stop := start(t, q, h, cfg)
	a, b := <-started, <-started
	q.waitFor(t, "4 jobs claimed", func() bool { return q.held == 4 })
	go func() {
		// Job 1 finishes during the drain; job 2 never does.
		q.await(func() bool { return q.count(domain.JobAvailable) == 2 })
		close(finish[1])
	}()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if (a != 1 && b != 1) || (a != 2 && b != 2) {
		t.Fatalf("started %d and %d, want 1 and 2 (the oldest)", a, b)
	}
	select {
	case id := <-started:
		t.Fatalf("buffered job %d was started during shutdown", id)
	default:
	}
	if j := q.get(1); j.State != domain.JobDone {
		t.Errorf("job finishing within the budget: %+v, want done", j)
	}
	for _, id := range []int64{2, 3, 4} {
		if j := q.get(id); j.State != domain.JobAvailable || j.Attempt != 0 {
			t.Errorf("job %d: %+v, want available with no attempt spent", id, j)
		}
	}
	if q.held != 0 {
		t.Errorf("%d jobs still held after Run returned", q.held)
	}
}

// A buffered job whose lease no longer covers a whole run and a drain is
// returned instead of started, its attempt given back.
func TestDispatcherReturnsStaleBufferedJobs(t *testing.T) {
	q := newFakeQueue(t)
	q.add("slow", 8)
	q.add("slow", 8)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	var ran []domain.Job
	h := JobHandlers{"slow": func(_ context.Context, j domain.Job) error {
		mu.Lock()
		defer mu.Unlock()
		ran = append(ran, j)
		now = now.Add(45 * time.Second) // each run keeps the only worker busy for 45 s
		return nil
	}}
	rec := &recorder{outcomes: map[string]int{}}
	cfg := testConfig()
	cfg.Concurrency = 1
	cfg.TaskTimeout, cfg.ShutdownTimeout, cfg.Lease = 30*time.Second, 15*time.Second, 80*time.Second
	cfg.Observer = rec
	stop := start(t, q, h, cfg, func(d *Dispatcher) { d.now = clock })
	q.waitFor(t, "both jobs done", func() bool { return q.count(domain.JobDone) == 2 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// Both were claimed together; the second waited 45 s in the buffer, so
	// 45 s + 30 s + 15 s would outlast its 80 s lease: it went back and was
	// claimed again.
	if got := rec.get("slow/released"); got != 1 {
		t.Fatalf("released %d times, want 1", got)
	}
	if len(ran) != 2 || ran[0].ID != 1 || ran[1].ID != 2 || ran[1].Attempt != 1 {
		t.Fatalf("runs %+v: want job 1, then job 2 on its first counted attempt", ran)
	}
}

// A wake-up claims at once, long before the next poll.
func TestDispatcherClaimsOnWake(t *testing.T) {
	q := newFakeQueue(t)
	wake := make(chan struct{}, 1)
	cfg := testConfig()
	cfg.PollInterval = time.Hour
	cfg.Wake = wake
	start(t, q, JobHandlers{"noop": NoopJob}, cfg)
	q.waitFor(t, "the first (empty) claim", func() bool { return len(q.limits) == 1 })
	id := q.add("noop", 8)
	wake <- struct{}{}
	q.waitFor(t, "the woken job done", func() bool { return q.jobs[id].State == domain.JobDone })
}

// After a claim that found jobs the dispatcher polls again soon: a job
// enqueued with no wake-up (MySQL, SQLite: no notification) waits for the
// short busy poll, not for PollInterval.
func TestDispatcherPollsSoonAfterFindingJobs(t *testing.T) {
	q := newFakeQueue(t)
	wake := make(chan struct{}, 1)
	cfg := testConfig()
	cfg.PollInterval = time.Hour
	cfg.BusyPollInterval = time.Millisecond
	cfg.Wake = wake
	start(t, q, JobHandlers{"noop": NoopJob}, cfg)
	q.waitFor(t, "the first (empty) claim", func() bool { return len(q.limits) == 1 })
	first := q.add("noop", 8)
	wake <- struct{}{}
	q.waitFor(t, "the woken job done", func() bool { return q.jobs[first].State == domain.JobDone })
	second := q.add("noop", 8) // no wake-up: only a poll finds it
	q.waitFor(t, "the polled job done", func() bool { return q.jobs[second].State == domain.JobDone })
}

// The poll interval drops to BusyPollInterval when a claim finds jobs and
// doubles at each claim that finds none, up to PollInterval.
func TestDispatcherPollBacksOff(t *testing.T) {
	cfg := testConfig()
	cfg.PollInterval, cfg.BusyPollInterval = time.Second, 100*time.Millisecond
	d, err := NewDispatcher(newFakeQueue(t), JobHandlers{"x": NoopJob}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	every := d.nextPoll(time.Second, true)
	var got []time.Duration
	for range 6 {
		got = append(got, every)
		every = d.nextPoll(every, false)
	}
	want := []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond,
		800 * time.Millisecond, time.Second, time.Second}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("poll intervals %v, want %v", got, want)
	}
	cfg.BusyPollInterval = 0 // the default, never above PollInterval
	cfg.PollInterval = 2 * time.Millisecond
	if d, err = NewDispatcher(newFakeQueue(t), JobHandlers{"x": NoopJob}, cfg); err != nil {
		t.Fatal(err)
	}
	if got := d.nextPoll(time.Second, true); got != 2*time.Millisecond {
		t.Errorf("busy poll %s with a 2ms poll interval, want 2ms", got)
	}
}

func TestNewDispatcherChecksItsConfig(t *testing.T) {
	cfg := testConfig()
	cfg.Lease = cfg.TaskTimeout
	if _, err := NewDispatcher(newFakeQueue(t), JobHandlers{"x": NoopJob}, cfg); err == nil {
		t.Error("a lease shorter than task timeout + drain was accepted")
	}
	if _, err := NewDispatcher(newFakeQueue(t), nil, testConfig()); err == nil {
		t.Error("no handlers was accepted")
	}
	d, err := NewDispatcher(newFakeQueue(t), JobHandlers{"x": NoopJob}, DispatcherConfig{
		Concurrency: 1, TaskTimeout: 1, ShutdownTimeout: 1, Lease: 3, PollInterval: 1, BackoffBase: 1, BackoffMax: 1, Retention: 1})
	if err != nil || d.Worker() == "" {
		t.Errorf("worker name %q, %v: want a generated one", d.Worker(), err)
	}
}
