package pdf

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingCtx counts the times Render checks it and cancels itself at the
// at-th check (never when at is 0).
type countingCtx struct {
	context.Context
	cancel context.CancelFunc
	at     int64
	n      atomic.Int64
}

func newCountingCtx(at int64) *countingCtx {
	ctx, cancel := context.WithCancel(context.Background())
	return &countingCtx{Context: ctx, cancel: cancel, at: at}
}

func (c *countingCtx) Err() error {
	if c.n.Add(1) == c.at {
		c.cancel()
	}
	return c.Context.Err()
}

func TestRenderCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if out, err := Render(ctx, sampleDoc(Invoice, threeLines()), "en"); !errors.Is(err, context.Canceled) || out != nil {
		t.Errorf("already cancelled: %d bytes, %v", len(out), err)
	}
	ctx, cancel = context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer cancel()
	if out, err := Render(ctx, sampleDoc(Invoice, threeLines()), "en"); !errors.Is(err, context.DeadlineExceeded) || out != nil {
		t.Errorf("past deadline: %d bytes, %v", len(out), err)
	}

	doc := sampleDoc(Invoice, manyLines(300))
	full := newCountingCtx(0)
	if _, err := Render(full, doc, "en"); err != nil {
		t.Fatal(err)
	}
	checks := full.n.Load()
	layoutChecks := int64(len(doc.Lines)) + 3 // on entry, per line, before the totals, before drawing
	if checks <= layoutChecks+int64(len(doc.Lines)) {
		t.Fatalf("Render checked its context %d times: it does not check while drawing the rows", checks)
	}
	// Cancelled at any point, laying out or drawing, it returns the context's
	// error and no bytes: half a document must never reach a client.
	for _, at := range []int64{1, 2, layoutChecks / 2, layoutChecks, layoutChecks + 1, (layoutChecks + checks) / 2, checks - 1, checks} {
		ctx := newCountingCtx(at)
		out, err := Render(ctx, doc, "en")
		if !errors.Is(err, context.Canceled) || out != nil {
			t.Errorf("cancelled at check %d of %d: %d bytes, err %v", at, checks, len(out), err)
		}
		// Once it has seen the cancellation it stops: no more rows laid out
		// or drawn, only the final check on the way out.
		if n := ctx.n.Load(); n > at+1 {
			t.Errorf("cancelled at check %d: Render went on to check %d", at, n)
		}
	}
}

// pauseCtx is the request context as the handler of the CT-03 test sees it:
// at the at-th check Render makes, it tells the client to hang up, then
// holds the renderer there until the server has noticed the disconnection,
// so the cancellation lands in the middle of the document every time.
type pauseCtx struct {
	context.Context
	at      int64
	n       atomic.Int64
	reached chan struct{}
}

func (c *pauseCtx) Err() error {
	if c.n.Add(1) == c.at {
		close(c.reached)
		select {
		case <-c.Context.Done():
		case <-time.After(time.Minute): // the server never noticed: Render completes and the test fails
		}
	}
	return c.Context.Err()
}

// CT-03: a client that closes the connection in the middle of a large PDF
// stops the rendering; the goroutine that rendered ends, and nothing is written.
func TestClientDisconnectStopsRendering(t *testing.T) {
	// About 60 pages, and the largest invoice DOLIGO_MAX_DOCUMENT_LINES
	// allows by default (about 100 pages).
	for _, n := range []int{3000, 5000} {
		t.Run(fmt.Sprintf("%d lines", n), func(t *testing.T) { clientDisconnectStopsRendering(t, sampleDoc(Invoice, manyLines(n))) })
	}
}

func clientDisconnectStopsRendering(t *testing.T, huge Document) {
	for _, tc := range []struct {
		phase string
		at    int64
	}{
		{"while laying out", int64(len(huge.Lines)) / 2},
		{"while drawing", int64(len(huge.Lines)) + 200}, // layout done, a few pages drawn
	} {
		t.Run(tc.phase, func(t *testing.T) {
			baseline := runtime.NumGoroutine()
			type result struct {
				out []byte
				err error
			}
			done := make(chan result, 1)
			exited := make(chan struct{})
			reached := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				defer close(exited)
				out, err := Render(&pauseCtx{Context: req.Context(), at: tc.at, reached: reached}, huge, req.URL.Query().Get("lang"))
				done <- result{out, err}
				if err != nil {
					return // the real handler hands the error to Echo; the client is gone anyway
				}
				w.Header().Set("Content-Type", "application/pdf")
				_, _ = w.Write(out)
			}))

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go func() {
				select {
				case <-reached: // the renderer is mid-document: hang up
					cancel()
				case <-ctx.Done():
				}
			}()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/api/v1/invoices/1/pdf?lang=fr", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := srv.Client().Do(req)
			if err == nil {
				resp.Body.Close()
				t.Fatalf("the client got a %s response: the rendering was not interrupted", resp.Status)
			}

			select {
			case res := <-done:
				if !errors.Is(res.err, context.Canceled) || res.out != nil {
					t.Fatalf("Render returned %d bytes, err %v; want no bytes and context.Canceled", len(res.out), res.err)
				}
			case <-time.After(time.Minute):
				t.Fatal("Render did not return after the client hung up")
			}
			<-exited // the handler goroutine ran to its end
			srv.Close()

			// Nothing of the rendering survives: the goroutine count is back
			// to where it was and no stack is inside the renderer.
			for i := 0; ; i++ {
				n := runtime.NumGoroutine()
				buf := make([]byte, 1<<20)
				stacks := string(buf[:runtime.Stack(buf, true)])
				inRender := strings.Contains(stacks, "infrastructure/pdf.Render(") || strings.Contains(stacks, "pdf.(*renderer)")
				if n <= baseline && !inRender {
					break
				}
				if i == 500 {
					t.Fatalf("%d goroutines, %d before the request (renderer still running: %v):\n%s", n, baseline, inRender, stacks)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}
