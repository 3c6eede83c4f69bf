// Package listentest hears the job queue's PostgreSQL notifications in a
// test, through queue.Listen as a worker does.
package listentest

import (
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/infrastructure/queue"
)

// Listener holds a LISTEN connection for one test.
type Listener struct {
	t    testing.TB
	wake chan struct{}
}

// Start listens on the PostgreSQL database of dsn until the test ends, and
// returns once the connection listens.
func Start(t testing.TB, dsn string) *Listener {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l := &Listener{t: t, wake: make(chan struct{}, 1)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		queue.Listen(ctx, dsn, l.wake, time.Second, zerolog.Nop())
	}()
	t.Cleanup(func() { cancel(); <-done })
	l.Wait("after LISTEN") // Listen wakes once the connection listens
	return l
}

// Wait fails the test unless a wake-up arrives.
func (l *Listener) Wait(what string) {
	l.t.Helper()
	select {
	case <-l.wake:
	case <-time.After(30 * time.Second): // a hang guard
		l.t.Fatalf("no wake-up %s", what)
	}
}

// None fails the test if a wake-up arrives within d.
func (l *Listener) None(what string, d time.Duration) {
	l.t.Helper()
	select {
	case <-l.wake:
		l.t.Fatalf("a wake-up %s", what)
	case <-time.After(d):
	}
}
