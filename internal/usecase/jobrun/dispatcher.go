// Package jobrun runs the outbox jobs: the Dispatcher (claim loop, pool of
// workers, retries and backoff, drain on shutdown), the completer that
// acknowledges done jobs in batches, and the ports they need (JobQueue,
// JobHandlers, JobObserver). It is a use case of its own, apart from the
// business use cases of package usecase, because only the worker runs it.
package jobrun

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
)

// The dispatcher is a use case, not infrastructure: it is the policy of the
// jobs (how many run, when a failure is retried or dead, what a shutdown does
// to each job) over two small ports, the queue and the handlers, and it is
// tested with fakes of both. The SQL of each step lives in
// infrastructure/queue.

// JobQueue is the database side of the jobs (queue.Store). Every method but
// Claim, Reap and Prune is fenced by the job's lease token and returns
// domain.ErrJobLeaseLost when the claim no longer holds the job.
//
// CompleteMany marks many jobs done in one statement, so that the dispatcher
// acknowledges finished jobs in batches instead of one round trip each. Each
// job is fenced by its own lease token, as Complete fences one; lost lists
// the jobs whose lease was lost (nothing was written for them). Complete
// remains for a job whose handler returned after the completer stopped.
type JobQueue interface {
	Claim(ctx context.Context, worker string, kinds []string, limit int, lease time.Duration) ([]domain.Job, error)
	Complete(ctx context.Context, j domain.Job) error
	CompleteMany(ctx context.Context, jobs []domain.Job) (lost []int64, err error)
	Retry(ctx context.Context, j domain.Job, delay time.Duration, reason string) error
	Kill(ctx context.Context, j domain.Job, reason string) error
	Release(ctx context.Context, j domain.Job, delay time.Duration) error
	Reap(ctx context.Context) (int64, error)
	Prune(ctx context.Context, retention time.Duration) (int64, error)
}

// JobHandler runs one job. It must return soon after ctx is done. It returns
// nil when the job is done; an error wrapping domain.ErrJobPermanent when no
// retry can help; a *domain.JobDeferredError when the job could not run
// through no fault of its own; any other error to have it retried.
type JobHandler func(ctx context.Context, j domain.Job) error

// JobHandlers maps job kinds to their handlers. The dispatcher claims only
// these kinds: jobs of other kinds wait for a worker that knows them.
type JobHandlers map[string]JobHandler

// NoopJob is the handler of domain.JobKindNoop: the job is claimed and
// acknowledged, nothing else (smoke checks, benchmarks of the queue itself).
func NoopJob(context.Context, domain.Job) error { return nil }

// JobObserver hears how each run of a job ended (metrics).
type JobObserver interface {
	JobFinished(kind, outcome string, took time.Duration)
}

// Outcomes of a run, as JobObserver hears them.
const (
	OutcomeDone      = "done"
	OutcomeRetry     = "retry"
	OutcomeDead      = "dead"
	OutcomeReleased  = "released" // back to the queue, the attempt not spent
	OutcomeLeaseLost = "lease_lost"
)

// DispatcherConfig sets a Dispatcher up. Durations must be positive.
type DispatcherConfig struct {
	Worker          string // names this process in jobs.locked_by; generated when empty
	Concurrency     int    // jobs running at once; as many more wait, claimed, in the buffer
	TaskTimeout     time.Duration
	ShutdownTimeout time.Duration // drain budget once Run's context is done
	Lease           time.Duration // must exceed TaskTimeout + ShutdownTimeout
	PollInterval    time.Duration
	// BusyPollInterval is the shortest polling period, taken after a claim
	// that found jobs and doubled after each that finds none, up to
	// PollInterval; zero means DefaultBusyPollInterval (or PollInterval if
	// shorter).
	BusyPollInterval time.Duration
	BackoffBase      time.Duration   // first retry delay, doubled at each attempt…
	BackoffMax       time.Duration   // …up to this
	Retention        time.Duration   // done jobs are deleted after this
	Wake             <-chan struct{} // optional: work has arrived (LISTEN/NOTIFY)
	Observer         JobObserver     // optional
	Log              zerolog.Logger
}

// Dispatcher claims jobs and runs them on a pool of goroutines:
//
//	claim loop (batch = free slots) → buffered channel (≤ pool) → Concurrency goroutines → completer
//
// It claims only as many jobs as it has free slots (running plus buffered),
// so it never holds a job it could not start soon, and claims in batches of
// at least half the slots. Each job runs with a TaskTimeout context and ends
// as done, retried with exponential backoff and jitter, dead, or released,
// every outcome written under the claim's lease token. Done jobs are
// acknowledged in batches by one goroutine (the completer), at most a slots'
// worth of them waiting at a time.
type Dispatcher struct {
	q        JobQueue
	handlers JobHandlers
	kinds    []string
	cfg      DispatcherConfig
	log      zerolog.Logger
	now      func() time.Time // a test's clock
}

// DefaultBusyPollInterval is the polling period after a claim that found
// jobs (see claimLoop).
const DefaultBusyPollInterval = 5 * time.Millisecond

// finishTimeout bounds writing a job's outcome; it runs on a context of its
// own, because the outcome of a job stopped by shutdown must still be written.
const finishTimeout = 10 * time.Second

// abandonAfter is how long Run waits, after cancelling the running jobs at
// the end of the drain budget, for handlers to return before giving up on
// them (their leases will return the jobs).
const abandonAfter = 5 * time.Second

// NewDispatcher checks cfg and returns a dispatcher of the handlers' kinds.
func NewDispatcher(q JobQueue, handlers JobHandlers, cfg DispatcherConfig) (*Dispatcher, error) {
	var errs []error
	if len(handlers) == 0 {
		errs = append(errs, errors.New("no job handlers"))
	}
	if cfg.Concurrency < 1 {
		errs = append(errs, fmt.Errorf("concurrency must be at least 1, got %d", cfg.Concurrency))
	}
	for name, d := range map[string]time.Duration{
		"task timeout": cfg.TaskTimeout, "shutdown timeout": cfg.ShutdownTimeout, "lease": cfg.Lease,
		"poll interval": cfg.PollInterval, "backoff base": cfg.BackoffBase, "backoff max": cfg.BackoffMax,
		"retention": cfg.Retention,
	} {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%s must be positive, got %s", name, d))
		}
	}
	if cfg.BusyPollInterval < 0 {
		errs = append(errs, fmt.Errorf("busy poll interval must not be negative, got %s", cfg.BusyPollInterval))
	}
	if cfg.BusyPollInterval == 0 {
		cfg.BusyPollInterval = DefaultBusyPollInterval
	}
	cfg.BusyPollInterval = min(cfg.BusyPollInterval, cfg.PollInterval)
	if cfg.Lease <= cfg.TaskTimeout+cfg.ShutdownTimeout {
		errs = append(errs, fmt.Errorf("lease %s must exceed task timeout + shutdown timeout (%s)", cfg.Lease, cfg.TaskTimeout+cfg.ShutdownTimeout))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("job dispatcher: %w", err)
	}
	if cfg.Worker == "" {
		host, _ := os.Hostname()
		cfg.Worker = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), rand.Text()[:6])
	}
	kinds := make([]string, 0, len(handlers))
	for k := range handlers {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	return &Dispatcher{q: q, handlers: handlers, kinds: kinds, cfg: cfg,
		log: cfg.Log.With().Str("worker", cfg.Worker).Logger(), now: time.Now}, nil
}

// Worker is the name this dispatcher claims under.
func (d *Dispatcher) Worker() string { return d.cfg.Worker }

// claimed is a job with the moment its claim began: the lease, taken by the
// database clock during the claim, cannot have started earlier.
type claimed struct {
	job domain.Job
	at  time.Time
}

// Run claims and runs jobs until ctx is done, then drains: it stops claiming
// at once, returns the buffered jobs that have not started (their attempt not
// spent), lets running jobs finish within ShutdownTimeout, then cancels those
// still running and returns them the same way. It returns nil after the drain.
func (d *Dispatcher) Run(ctx context.Context) error {
	n := d.cfg.Concurrency
	slots := 2 * n // n running and n buffered
	jobs := make(chan claimed, n)
	freed := make(chan struct{}, slots) // never blocks: at most one per job in flight
	// Tasks outlive ctx (the first signal) until the drain budget is spent.
	tasks, cancelTasks := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelTasks()
	var draining atomic.Bool
	acks := d.startCompleter(slots)
	defer acks.stop()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for c := range jobs {
				if draining.Load() { // taken from the buffer as the drain began
					d.release(c.job, 0, "shutting down before the job started")
				} else {
					d.run(tasks, c, acks)
				}
				freed <- struct{}{}
			}
		})
	}
	d.log.Info().Int("concurrency", n).Strs("kinds", d.kinds).Msg("dispatcher started")

	d.claimLoop(ctx, jobs, freed, slots)

	draining.Store(true)
	returned := 0
	for pending := true; pending; {
		select {
		case c := <-jobs:
			d.release(c.job, 0, "shutting down before the job started")
			returned++
		default:
			pending = false
		}
	}
	close(jobs)
	d.log.Info().Int("returned", returned).Dur("budget", d.cfg.ShutdownTimeout).Msg("draining: waiting for running jobs")

	allDone := make(chan struct{})
	go func() { wg.Wait(); close(allDone) }()
	budget := time.NewTimer(d.cfg.ShutdownTimeout)
	defer budget.Stop()
	select {
	case <-allDone:
	case <-budget.C:
		d.log.Warn().Msg("drain budget spent: cancelling running jobs, which return to the queue")
		cancelTasks()
		select {
		case <-allDone:
		case <-time.After(abandonAfter):
			d.log.Error().Msg("job handlers ignore cancellation: leaving them; their leases will return the jobs")
		}
	}
	acks.stop() // writes the last acknowledgements
	d.log.Info().Msg("dispatcher stopped")
	return nil
}

// claimLoop claims while there are free slots and work may be waiting: at
// start, on a wake-up, at each poll, and again right away after a claim that
// filled every free slot. It waits for half the slots to be free, so that
// one claim fetches many jobs instead of one per finished job (a round trip
// each); with half the slots free the buffer holds no job or the workers are
// still busy, so none idles for it. It returns when ctx is done.
//
// The poll adapts: after a claim that found jobs the next comes
// BusyPollInterval later, and each claim that finds none doubles the wait up
// to PollInterval. Jobs arriving one at a time are then picked up within a
// few milliseconds where no notification wakes the worker (MySQL, SQLite,
// a dropped LISTEN connection), while an idle queue costs a handful of empty
// claims (at most log2(PollInterval/BusyPollInterval) per claim that found
// jobs) before the polls space out again.
func (d *Dispatcher) claimLoop(ctx context.Context, jobs chan<- claimed, freed <-chan struct{}, slots int) {
	every := d.cfg.PollInterval
	poll := time.NewTimer(every)
	defer poll.Stop()
	reapEvery := min(max(d.cfg.Lease/4, 100*time.Millisecond), time.Minute)
	reap := time.NewTicker(reapEvery)
	defer reap.Stop()
	prune := time.NewTicker(min(max(d.cfg.Retention, time.Minute), time.Hour))
	defer prune.Stop()
	d.reap(ctx)
	d.prune(ctx)

	inFlight, due := 0, true
	for {
		if free := slots - inFlight; due && free >= max(slots/2, 1) && ctx.Err() == nil {
			got := d.claim(ctx, free)
			for _, c := range got {
				jobs <- c
			}
			inFlight += len(got)
			due = len(got) == free // a full batch: more may be waiting
			every = d.nextPoll(every, len(got) > 0)
			poll.Reset(every)
		}
		select {
		case <-ctx.Done():
			return
		case <-freed:
			inFlight--
		case <-d.cfg.Wake:
			due = true
		case <-poll.C:
			due = true
			poll.Reset(every) // should no claim run now (no free slots)
		case <-reap.C:
			d.reap(ctx)
		case <-prune.C:
			d.prune(ctx)
		}
	}
}

// nextPoll is the wait before the next poll after one of every, given
// whether the claim found jobs.
func (d *Dispatcher) nextPoll(every time.Duration, found bool) time.Duration {
	if found {
		return d.cfg.BusyPollInterval
	}
	return min(2*every, d.cfg.PollInterval)
}

// claim runs one claim on a context that the shutdown signal does not cut:
// a claim cancelled halfway might have committed, leaving jobs leased to
// nobody until their lease expires. What it returns, even during shutdown,
// goes to the buffer, from which the drain releases it at once.
func (d *Dispatcher) claim(ctx context.Context, limit int) []claimed {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	at := d.now()
	got, err := d.q.Claim(cctx, d.cfg.Worker, d.kinds, limit, d.cfg.Lease)
	if err != nil {
		d.log.Error().Err(err).Msg("claiming jobs failed: retrying at the next poll")
		return nil
	}
	out := make([]claimed, len(got))
	for i, j := range got {
		out[i] = claimed{job: j, at: at}
	}
	return out
}

func (d *Dispatcher) reap(ctx context.Context) {
	n, err := d.q.Reap(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		d.log.Error().Err(err).Msg("reaping expired job leases failed")
	case n > 0:
		d.log.Warn().Int64("jobs", n).Msg("took back jobs whose lease expired (a worker stopped without finishing them)")
	}
}

func (d *Dispatcher) prune(ctx context.Context) {
	n, err := d.q.Prune(ctx, d.cfg.Retention)
	switch {
	case err != nil && ctx.Err() == nil:
		d.log.Error().Err(err).Msg("pruning finished jobs failed")
	case n > 0:
		d.log.Info().Int64("jobs", n).Dur("retention", d.cfg.Retention).Msg("pruned done jobs")
	}
}

// jobLog is the logger of every line about j.
func (d *Dispatcher) jobLog(j domain.Job) zerolog.Logger {
	return d.log.With().Int64("job_id", j.ID).Str("kind", j.Kind).Int("attempt", j.Attempt).
		Str("request_id", j.RequestID).Logger()
}

// run runs one job and writes its outcome, or hands a done job to the
// completer. tasks is cancelled when the drain budget is spent.
func (d *Dispatcher) run(tasks context.Context, c claimed, acks *completer) {
	j, log := c.job, d.jobLog(c.job)
	// A buffered job starts only while its lease still covers a whole run and
	// a drain: a lease must never expire under a running job.
	if waited := d.now().Sub(c.at); waited+d.cfg.TaskTimeout+d.cfg.ShutdownTimeout >= d.cfg.Lease {
		d.release(j, 0, fmt.Sprintf("waited %s for a free worker: too little lease left to run", waited.Round(time.Millisecond)))
		return
	}
	ctx, cancel := context.WithTimeout(tasks, d.cfg.TaskTimeout)
	defer cancel()
	ctx = domain.WithRequestID(log.WithContext(ctx), j.RequestID)
	log.Debug().Msg("job started")
	start := time.Now()
	err := d.call(ctx, j)
	took := time.Since(start)

	var deferred *domain.JobDeferredError
	switch {
	case err == nil && acks.add(doneRun{job: j, log: log, took: took}): // the completer writes it
	case err == nil:
		d.finish(log, j, OutcomeDone, took, func(ctx context.Context) error { return d.q.Complete(ctx, j) })
	case tasks.Err() != nil: // stopped by the shutdown, not failed
		log.Warn().Err(err).Msg("job cancelled by shutdown: returned to the queue")
		d.finish(log, j, OutcomeReleased, took, func(ctx context.Context) error { return d.q.Release(ctx, j, 0) })
	case errors.As(err, &deferred):
		log.Info().Err(err).Dur("retry_in", deferred.After).Msg("job deferred: returned to the queue, attempt not spent")
		d.finish(log, j, OutcomeReleased, took, func(ctx context.Context) error { return d.q.Release(ctx, j, deferred.After) })
	case errors.Is(err, domain.ErrJobPermanent) || j.Attempt >= j.MaxAttempts:
		log.Error().Err(err).Int("max_attempts", j.MaxAttempts).Msg("job dead")
		d.finish(log, j, OutcomeDead, took, func(ctx context.Context) error { return d.q.Kill(ctx, j, err.Error()) })
	default:
		delay := d.backoff(j.Attempt)
		log.Warn().Err(err).Dur("retry_in", delay).Msg("job failed: will retry")
		d.finish(log, j, OutcomeRetry, took, func(ctx context.Context) error { return d.q.Retry(ctx, j, delay, err.Error()) })
	}
}

// call runs j's handler, turning a panic into an error.
func (d *Dispatcher) call(ctx context.Context, j domain.Job) (err error) {
	h, ok := d.handlers[j.Kind]
	if !ok { // cannot happen: only the handlers' kinds are claimed
		return fmt.Errorf("%w: no handler for job kind %q", domain.ErrJobPermanent, j.Kind)
	}
	defer func() {
		if r := recover(); r != nil {
			zerolog.Ctx(ctx).Error().Str("panic", fmt.Sprint(r)).Bytes("stack", debug.Stack()).Msg("job handler panicked")
			err = fmt.Errorf("handler panicked: %v", r)
		}
	}()
	return h(ctx, j)
}

// release returns a job that did not start.
func (d *Dispatcher) release(j domain.Job, delay time.Duration, why string) {
	log := d.jobLog(j)
	log.Info().Str("reason", why).Msg("job returned to the queue, attempt not spent")
	d.finish(log, j, OutcomeReleased, 0, func(ctx context.Context) error { return d.q.Release(ctx, j, delay) })
}

// finish writes a job's outcome on a context of its own and reports it.
func (d *Dispatcher) finish(log zerolog.Logger, j domain.Job, outcome string, took time.Duration, write func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), finishTimeout)
	defer cancel()
	d.report(log, j, outcome, took, write(ctx))
}

// report logs and observes how writing a job's outcome went.
func (d *Dispatcher) report(log zerolog.Logger, j domain.Job, outcome string, took time.Duration, err error) {
	switch {
	case errors.Is(err, domain.ErrJobLeaseLost):
		outcome = OutcomeLeaseLost
		log.Warn().Err(err).Msg("job lease lost before its outcome was written: another worker may run it again")
	case err != nil:
		log.Error().Err(err).Str("outcome", outcome).Msg("writing the job's outcome failed: its lease will return it")
		return
	case outcome == OutcomeDone:
		log.Info().Dur("took", took).Msg("job done")
	}
	if d.cfg.Observer != nil {
		d.cfg.Observer.JobFinished(j.Kind, outcome, took)
	}
}

// backoff is the delay before retry number attempt: BackoffBase doubled per
// attempt up to BackoffMax, then "equal jitter" (half fixed, half random) so
// jobs that failed together do not all come back together.
func (d *Dispatcher) backoff(attempt int) time.Duration {
	delay := d.cfg.BackoffMax
	if attempt <= 30 {
		if e := d.cfg.BackoffBase << max(attempt-1, 0); e > 0 && e < delay {
			delay = e
		}
	}
	half := delay / 2
	return half + mrand.N(delay-half+1)
}
