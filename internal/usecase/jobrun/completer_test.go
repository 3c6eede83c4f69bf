package jobrun

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/doligo/doligo/internal/domain"
)

// batchQueue is a fakeQueue that acknowledges done jobs in batches, each job
// fenced by its own token, and records the batches.
type batchQueue struct {
	*fakeQueue
	batches []int
	hold    chan struct{} // when not nil, the first batch waits for it
}

func (q *batchQueue) CompleteMany(ctx context.Context, jobs []domain.Job) ([]int64, error) {
	q.mu.Lock()
	first := len(q.batches) == 0
	q.batches = append(q.batches, len(jobs))
	q.mu.Unlock()
	if first && q.hold != nil {
		<-q.hold
	}
	return q.fakeQueue.CompleteMany(ctx, jobs)
}

// steal gives job id to another claim, as a lease expiry and a second worker
// would: this dispatcher no longer holds it.
func (q *batchQueue) steal(id int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.jobs[id].token = "someone-else"
	q.held--
}

// Done jobs are acknowledged together: while one acknowledgement is being
// written, the jobs finishing meanwhile wait for the next. A job frees its slot
// when it is handed over, so claiming goes on meanwhile, but only until a
// slots' worth of jobs wait for their acknowledgement: then the workers wait,
// and the dispatcher holds at most twice its slots. A job whose lease was
// lost is reported, not written.
func TestDispatcherAcknowledgesInBatches(t *testing.T) {
	q := &batchQueue{fakeQueue: newFakeQueue(t), hold: make(chan struct{})}
	const n = 20
	for range n {
		q.add("noop", 8)
	}
	var ran atomic.Int32
	h := JobHandlers{"noop": func(_ context.Context, j domain.Job) error {
		if j.ID == 2 {
			q.steal(j.ID)
		}
		ran.Add(1)
		q.changed <- struct{}{} // wakes waitFor
		return nil
	}}
	rec := &recorder{outcomes: map[string]int{}}
	cfg := testConfig()
	cfg.Concurrency, cfg.Observer = 2, rec // 4 slots
	stop := start(t, q, h, cfg)
	// While the first acknowledgement is held: 4 jobs claimed, run and handed
	// over (filling the room for 4), their slots freed; 4 more claimed, of
	// which the 2 workers run 2 and wait to hand them over, 2 stay buffered:
	// 8 held, less the stolen job 2.
	q.waitFor(t, "6 jobs run while the first acknowledgement is held", func() bool { return ran.Load() == 6 && q.held == 7 })
	close(q.hold)
	q.waitFor(t, "every job acknowledged", func() bool { return q.count(domain.JobDone) == n-1 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, b := range q.batches {
		total += b
	}
	if total != n || len(q.batches) >= n {
		t.Errorf("batches %v: want the %d jobs in fewer than %d acknowledgements", q.batches, n, n)
	}
	if q.maxHeld > 2*2*cfg.Concurrency || ran.Load() != n {
		t.Errorf("held up to %d jobs, ran %d; want at most %d (twice the slots) and %d", q.maxHeld, ran.Load(), 2*2*cfg.Concurrency, n)
	}
	if rec.get("noop/done") != n-1 || rec.get("noop/lease_lost") != 1 {
		t.Errorf("outcomes %v, want %d done and 1 lease lost", rec.outcomes, n-1)
	}
	if j := q.get(2); j.State != domain.JobRunning {
		t.Errorf("the stolen job: %+v, want left to its new holder", j)
	}
}

// A job that finishes during the drain is acknowledged before Run returns.
func TestDispatcherWritesPendingAcknowledgementsOnShutdown(t *testing.T) {
	q := &batchQueue{fakeQueue: newFakeQueue(t)}
	q.add("slow", 8)
	q.add("slow", 8)
	started := make(chan struct{}, 2)
	h := JobHandlers{"slow": func(context.Context, domain.Job) error {
		started <- struct{}{}
		// Returns once the drain has begun: the buffered job went back.
		q.await(func() bool { return q.count(domain.JobAvailable) == 1 })
		return nil
	}}
	cfg := testConfig()
	cfg.Concurrency = 1
	stop := start(t, q, h, cfg)
	<-started
	q.waitFor(t, "both jobs claimed", func() bool { return q.held == 2 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if j := q.get(1); j.State != domain.JobDone {
		t.Errorf("job finished during the drain: %+v, want done", j)
	}
	if j := q.get(2); j.State != domain.JobAvailable || j.Attempt != 0 {
		t.Errorf("buffered job: %+v, want returned with no attempt spent", j)
	}
	if q.held != 0 || len(q.batches) != 1 {
		t.Errorf("%d jobs still held, %d acknowledgements; want 0 and 1", q.held, len(q.batches))
	}
}
