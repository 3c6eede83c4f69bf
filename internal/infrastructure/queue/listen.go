package queue

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"
)

// Listen keeps a PostgreSQL connection LISTENing on NotifyChannel until ctx
// is done and signals wake (without blocking: give it a buffer of 1) for
// every job enqueued, so idle workers claim at once instead of at their next
// poll. When the connection drops it reconnects after retry; polling covers
// the gap, and a wake after each (re)connection covers what was missed.
func Listen(ctx context.Context, dsn string, wake chan<- struct{}, retry time.Duration, log zerolog.Logger) {
	for {
		err := listenOnce(ctx, dsn, wake)
		if ctx.Err() != nil {
			return
		}
		log.Warn().Err(err).Dur("retry_in", retry).Msg("job notifications interrupted: polling until reconnected")
		select {
		case <-ctx.Done():
			return
		case <-time.After(retry):
		}
	}
}

func listenOnce(ctx context.Context, dsn string, wake chan<- struct{}) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+NotifyChannel); err != nil {
		return err
	}
	for {
		signal(wake)
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
	}
}

func signal(c chan<- struct{}) {
	select {
	case c <- struct{}{}:
	default: // a wake-up is already pending
	}
}
