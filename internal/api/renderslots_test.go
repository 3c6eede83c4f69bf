package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
)

// blockingPDFs is a renderer that holds every call until the test releases
// it, counting the calls running at once.
type blockingPDFs struct {
	entered chan struct{}
	release chan struct{}
	mu      sync.Mutex
	running int
	most    int
	calls   int
}

func newBlockingPDFs() *blockingPDFs {
	return &blockingPDFs{entered: make(chan struct{}, 100), release: make(chan struct{}, 100)}
}

func (b *blockingPDFs) PDF(ctx context.Context, _ []domain.DocType, id int64, _, _ string) (*domain.ArchivedFile, error) {
	b.mu.Lock()
	b.running++
	b.calls++
	b.most = max(b.most, b.running)
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.running--
		b.mu.Unlock()
	}()
	b.entered <- struct{}{}
	select {
	case <-b.release:
		return &domain.ArchivedFile{Filename: "x.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.7")}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (b *blockingPDFs) counts() (running, most, calls int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.running, b.most, b.calls
}

type readerAuth struct{}

func (readerAuth) Authenticate(context.Context, string) (domain.Principal, error) {
	return domain.Principal{UserID: 3, Login: "viewer", Permissions: []string{"invoices:read", "orders:read", "proposals:read"}}, nil
}

func pdfServer(pdfs documentPDFs, slots *RenderSlots) http.Handler {
	return NewServer(Options{Log: zerolog.Nop(), Auth: readerAuth{}}, NewDocumentPDFRoutes(pdfs, slots))
}

func getPDF(ctx context.Context, h http.Handler, path string) *httptest.ResponseRecorder {
	req := httptest.NewRequestWithContext(ctx, "GET", path, nil)
	req.Header.Set("Authorization", "Bearer any")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// eventually polls cond; the bound guards against a hang, it is not a timing
// assertion.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
	}
}

// Never more renders at once than the limit, whatever the routes: the others
// wait for a slot and each gets its PDF when one frees up.
func TestPDFRendersNeverExceedTheLimit(t *testing.T) {
	pdfs := newBlockingPDFs()
	slots := NewRenderSlots(RenderLimits{MaxConcurrent: 2, QueueWait: time.Hour})
	h := pdfServer(pdfs, slots)
	paths := []string{"/api/v1/invoices/1/pdf", "/api/v1/orders/2/pdf", "/api/v1/proposals/3/pdf"}
	const n = 7
	codes := make(chan int, n)
	for i := range n {
		go func() { codes <- getPDF(context.Background(), h, paths[i%len(paths)]).Code }()
	}
	<-pdfs.entered
	<-pdfs.entered
	eventually(t, "5 requests waiting for a slot", func() bool { return slots.Waiting() == n-2 })
	if running, _, _ := pdfs.counts(); running != 2 || slots.InFlight() != 2 {
		t.Fatalf("%d renders running, %d slots taken, want 2", running, slots.InFlight())
	}
	for range n - 2 {
		pdfs.release <- struct{}{}
		<-pdfs.entered // the freed slot goes to one waiting request
	}
	pdfs.release <- struct{}{}
	pdfs.release <- struct{}{}
	for range n {
		if code := <-codes; code != http.StatusOK {
			t.Errorf("a PDF request answered %d, want 200", code)
		}
	}
	if _, most, calls := pdfs.counts(); most != 2 || calls != n {
		t.Fatalf("at most %d renders at once over %d calls, want 2 over %d", most, calls, n)
	}
	if slots.InFlight() != 0 || slots.Waiting() != 0 {
		t.Fatalf("after the last answer: %d slots taken, %d waiting", slots.InFlight(), slots.Waiting())
	}
}

// Past the limit and the wait, a request gets 503 problem+json with
// Retry-After and nothing is rendered for it; the slot frees up for the next.
func TestPDFBusyAnswers503WithRetryAfter(t *testing.T) {
	for _, wait := range []time.Duration{0, time.Millisecond} {
		t.Run(wait.String(), func(t *testing.T) {
			pdfs := newBlockingPDFs()
			h := pdfServer(pdfs, NewRenderSlots(RenderLimits{MaxConcurrent: 1, QueueWait: wait}))
			first := make(chan int, 1)
			go func() { first <- getPDF(context.Background(), h, "/api/v1/invoices/1/pdf").Code }()
			<-pdfs.entered

			rec := getPDF(context.Background(), h, "/api/v1/invoices/2/pdf")
			if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "1" {
				t.Fatalf("second PDF: %d Retry-After %q, want 503 and 1", rec.Code, rec.Header().Get("Retry-After"))
			}
			if p := decodeProblem(t, rec); p.Type != ProblemTypeBase+"pdf-busy" {
				t.Fatalf("problem %+v", p)
			}
			if rec.Header().Get("Cache-Control") != "no-store" {
				t.Fatalf("503 without no-store: %v", rec.Header())
			}
			if _, _, calls := pdfs.counts(); calls != 1 {
				t.Fatalf("%d renders, want only the first", calls)
			}

			pdfs.release <- struct{}{}
			if code := <-first; code != http.StatusOK {
				t.Fatalf("first PDF: %d", code)
			}
			third := make(chan int, 1)
			go func() { third <- getPDF(context.Background(), h, "/api/v1/invoices/3/pdf").Code }()
			<-pdfs.entered
			pdfs.release <- struct{}{}
			if code := <-third; code != http.StatusOK {
				t.Fatalf("a PDF after the slot freed up: %d", code)
			}
		})
	}
}

// A client that hangs up while waiting leaves the queue without a render and
// without an answer, and takes no slot.
func TestPDFWaitEndsWhenTheClientHangsUp(t *testing.T) {
	pdfs := newBlockingPDFs()
	slots := NewRenderSlots(RenderLimits{MaxConcurrent: 1, QueueWait: time.Hour})
	h := pdfServer(pdfs, slots)
	first := make(chan int, 1)
	go func() { first <- getPDF(context.Background(), h, "/api/v1/invoices/1/pdf").Code }()
	<-pdfs.entered

	ctx, cancel := context.WithCancel(context.Background())
	gone := make(chan *httptest.ResponseRecorder, 1)
	go func() { gone <- getPDF(ctx, h, "/api/v1/invoices/2/pdf") }()
	eventually(t, "the second request waiting", func() bool { return slots.Waiting() == 1 })
	cancel()
	if rec := <-gone; rec.Body.Len() != 0 {
		t.Fatalf("an answer to a client that left: %d %s", rec.Code, rec.Body)
	}
	if slots.Waiting() != 0 || slots.InFlight() != 1 {
		t.Fatalf("%d waiting, %d slots taken, want 0 and the first's", slots.Waiting(), slots.InFlight())
	}
	pdfs.release <- struct{}{}
	if code := <-first; code != http.StatusOK {
		t.Fatalf("first PDF: %d", code)
	}
	if _, _, calls := pdfs.counts(); calls != 1 || slots.InFlight() != 0 {
		t.Fatalf("%d renders, %d slots taken; want 1 and 0", calls, slots.InFlight())
	}
}

// A render that outlives DOLIGO_TASK_TIMEOUT is stopped and its slot freed.
func TestPDFRenderTimeoutFreesTheSlot(t *testing.T) {
	pdfs := newBlockingPDFs()
	slots := NewRenderSlots(RenderLimits{MaxConcurrent: 1, Timeout: time.Millisecond})
	rec := getPDF(context.Background(), pdfServer(pdfs, slots), "/api/v1/invoices/1/pdf")
	if rec.Code != http.StatusGatewayTimeout || slots.InFlight() != 0 {
		t.Fatalf("a render past its deadline: %d, %d slots taken; want 504 and 0", rec.Code, slots.InFlight())
	}
	decodeProblem(t, rec)
}
