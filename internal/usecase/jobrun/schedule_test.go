package jobrun

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
)

// Every ticks at once, keeps ticking after a failed tick, and returns when
// its context ends.
func TestEveryTicksUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		Every(ctx, "test", time.Millisecond, func(ctx context.Context) (int, error) {
			if !strings.HasPrefix(domain.RequestID(ctx), "tick-") {
				t.Errorf("tick without its request id: %q", domain.RequestID(ctx))
			}
			if calls.Add(1) == 3 {
				cancel()
			}
			return 0, errors.New("boom") // a failing tick does not stop the next
		}, zerolog.Nop())
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Every did not return after its context ended")
	}
	if n := calls.Load(); n != 3 {
		t.Fatalf("%d ticks, want 3 (the last one cancelled)", n)
	}
}
