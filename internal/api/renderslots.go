package api

import (
	"context"
	"math"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

// RenderLimits bound the PDFs the API renders in its requests
// (DOLIGO_PDF_MAX_CONCURRENT, DOLIGO_PDF_QUEUE_WAIT, DOLIGO_TASK_TIMEOUT).
type RenderLimits struct {
	MaxConcurrent int           // renders at once; at least 1
	QueueWait     time.Duration // longest wait for a free slot; 0 refuses at once
	Timeout       time.Duration // longest render; 0 for none
}

// RenderSlots is the one gate every PDF rendered in a request passes. A long
// document costs hundreds of MB while it renders, and any reader may ask for
// one: without a bound, a few parallel requests take the process's memory
// (8 renders of a 500-line invoice once took the API from 61 MB to 1.16 GB)
// and the OOM killer stops every other request with it. Past the bound a
// request waits a little, since renders are short, then gets 503 with
// Retry-After: the client retries, the API stays up.
type RenderSlots struct {
	slots   chan struct{}
	limits  RenderLimits
	waiting atomic.Int64 // requests waiting for a slot, for tests and metrics
}

// NewRenderSlots returns the gate; a MaxConcurrent below 1 counts as 1.
func NewRenderSlots(l RenderLimits) *RenderSlots {
	return &RenderSlots{slots: make(chan struct{}, max(l.MaxConcurrent, 1)), limits: l}
}

// InFlight is the number of renders running.
func (s *RenderSlots) InFlight() int { return len(s.slots) }

// Waiting is the number of requests waiting for a slot.
func (s *RenderSlots) Waiting() int { return int(s.waiting.Load()) }

// errRenderBusy is the 503 of a request that found no slot in time.
var errRenderBusy = domain.NewProblem(domain.ErrUnavailable, "pdf-busy",
	"too many PDFs are being rendered; retry after the delay in Retry-After")

// acquire takes a slot, waiting at most QueueWait, and returns the context to
// render in (bounded by Timeout) and the function that gives the slot back.
// With no slot in time it sets Retry-After on the response and returns
// errRenderBusy; when the client goes away while waiting, ctx's error.
func (s *RenderSlots) acquire(c echo.Context) (context.Context, func(), error) {
	ctx := c.Request().Context()
	select {
	case s.slots <- struct{}{}:
	default:
		if err := s.wait(ctx); err != nil {
			if err == errRenderBusy {
				// Whole seconds, rounded up: by then a render has most
				// likely ended (the wait itself was not enough).
				c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(max(s.limits.QueueWait, time.Second).Seconds()))))
			}
			return nil, nil, err
		}
	}
	release := func() { <-s.slots }
	if s.limits.Timeout <= 0 {
		return ctx, release, nil
	}
	// The write timeout of the server does not stop a handler: without its
	// own deadline a render could keep its slot long after its answer could
	// still be written.
	rctx, cancel := context.WithTimeout(ctx, s.limits.Timeout)
	return rctx, func() { cancel(); release() }, nil
}

func (s *RenderSlots) wait(ctx context.Context) error {
	if s.limits.QueueWait <= 0 {
		return errRenderBusy
	}
	s.waiting.Add(1)
	defer s.waiting.Add(-1)
	timer := time.NewTimer(s.limits.QueueWait)
	defer timer.Stop()
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-timer.C:
		return errRenderBusy
	case <-ctx.Done():
		return ctx.Err()
	}
}
