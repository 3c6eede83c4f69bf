package jobrun

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
)

// maxAckBatch bounds the jobs one acknowledgement statement marks done.
const maxAckBatch = 512

// doneRun is a job whose handler succeeded, waiting for its acknowledgement.
type doneRun struct {
	job  domain.Job
	log  zerolog.Logger
	took time.Duration
}

// completer acknowledges done jobs in batches, as River's batch completer
// does: with fast jobs, writing each outcome in a round trip of its own would
// cap the throughput of a worker at one job per round trip. It batches
// naturally: it writes at once whatever has arrived, and what arrives during
// a write goes into the next one, so a lone job waits for no one. A job's
// slot is free once it is handed over, so the next claim overlaps the
// acknowledgement instead of waiting for it; at most a slots' worth of jobs
// wait for theirs, those being written included (a worker handing over more
// waits), so a dispatcher holds at most twice its slots. A job whose handler
// returned but whose acknowledgement a crash prevented comes back through its
// lease, as any job held by a crashed worker (at-least-once).
type completer struct {
	d    *Dispatcher
	in   chan doneRun
	room chan struct{} // a token per job handed over and not yet written: full, the workers wait
	quit chan struct{}
	done chan struct{}

	mu      sync.Mutex
	stopped bool
	once    sync.Once
}

// startCompleter starts the completer of a dispatcher with room for slots
// jobs waiting for their acknowledgement.
func (d *Dispatcher) startCompleter(slots int) *completer {
	c := &completer{d: d, in: make(chan doneRun, slots), room: make(chan struct{}, slots),
		quit: make(chan struct{}), done: make(chan struct{})}
	go c.loop()
	return c
}

// add hands r to the completer, waiting while a slots' worth of jobs wait
// for their acknowledgement. It returns false when the completer has stopped
// (a handler that outlived the drain): the caller then writes the outcome
// itself.
func (c *completer) add(r doneRun) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return false
	}
	c.room <- struct{}{}
	c.in <- r // never waits: in has as much room as room
	return true
}

// stop writes what was handed over so far and returns once it is written.
func (c *completer) stop() {
	c.once.Do(func() {
		c.mu.Lock()
		c.stopped = true
		c.mu.Unlock()
		close(c.quit)
		<-c.done
	})
}

func (c *completer) loop() {
	defer close(c.done)
	for {
		select {
		case r := <-c.in:
			c.flush(c.collect(r))
		case <-c.quit:
			for { // nothing is added any more: write what is left
				select {
				case r := <-c.in:
					c.flush(c.collect(r))
				default:
					return
				}
			}
		}
	}
}

// collect is first and whatever else is waiting, up to maxAckBatch.
func (c *completer) collect(first doneRun) []doneRun {
	batch := []doneRun{first}
	for len(batch) < maxAckBatch {
		select {
		case r := <-c.in:
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

// flush marks the batch done in one statement and reports each job as a
// single acknowledgement would.
func (c *completer) flush(batch []doneRun) {
	ctx, cancel := context.WithTimeout(context.Background(), finishTimeout)
	defer cancel()
	jobs := make([]domain.Job, len(batch))
	for i, r := range batch {
		jobs[i] = r.job
	}
	lost, err := c.d.q.CompleteMany(ctx, jobs)
	isLost := make(map[int64]bool, len(lost))
	for _, id := range lost {
		isLost[id] = true
	}
	for _, r := range batch {
		jerr := err
		if err == nil && isLost[r.job.ID] {
			jerr = fmt.Errorf("complete job %d: %w", r.job.ID, domain.ErrJobLeaseLost)
		}
		c.d.report(r.log, r.job, OutcomeDone, r.took, jerr)
		<-c.room
	}
}
