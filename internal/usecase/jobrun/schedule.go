package jobrun

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
)

// Tick is one run of a periodic task of the worker (the recurring invoices'
// scheduler): it returns how many things it found to do.
type Tick func(ctx context.Context) (int, error)

// Every runs tick at once, then every interval, until ctx is done. A failed
// tick is logged and tried again at the next one: a periodic task only
// enqueues jobs (with idempotency keys), so a missed or repeated tick loses
// and duplicates nothing. Ticks never overlap. Each tick has a request id of
// its own ("tick-…"), which the jobs it enqueues carry into their log lines.
func Every(ctx context.Context, name string, interval time.Duration, tick Tick, log zerolog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for ctx.Err() == nil {
		id := "tick-" + rand.Text()[:12]
		n, err := tick(domain.WithRequestID(ctx, id))
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error().Err(err).Str("task", name).Str("request_id", id).Msg("periodic task failed; trying again at the next tick")
		case n > 0:
			log.Info().Str("task", name).Str("request_id", id).Int("found", n).Msg("periodic task enqueued work")
		}
		select {
		case <-ctx.Done():
		case <-t.C:
		}
	}
}
