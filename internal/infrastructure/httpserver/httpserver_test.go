package httpserver

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// On shutdown the server stops accepting, lets the in-flight request finish
// and returns nil.
func TestServeDrainsInFlightRequests(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		_, _ = io.WriteString(w, "finished")
	})
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, "127.0.0.1:0", h, Limits{
			ReadHeader: time.Second, Read: time.Minute, Write: time.Minute, Idle: time.Minute, Shutdown: time.Minute,
		}, func(a net.Addr) { addrc <- a })
	}()
	addr := (<-addrc).String()

	type result struct {
		body string
		err  error
	}
	resc := make(chan result, 1)
	go func() {
		res, err := http.Get("http://" + addr + "/")
		if err != nil {
			resc <- result{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		resc <- result{string(b), err}
	}()
	<-entered
	cancel() // SIGTERM arrives while the request runs

	// New connections are refused once shutdown has begun.
	refused := false
	for range 200 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			refused = true
			break
		}
		c.Close()
		time.Sleep(5 * time.Millisecond)
	}
	if !refused {
		t.Fatal("server still accepts connections after shutdown began")
	}
	select {
	case err := <-done:
		t.Fatalf("Serve returned before the in-flight request finished: %v", err)
	default:
	}
	close(release)
	if r := <-resc; r.err != nil || r.body != "finished" {
		t.Fatalf("in-flight request: %q %v", r.body, r.err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

func TestProbe(t *testing.T) {
	ok := http.NewServeMux()
	ok.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: ok}
	go srv.Serve(ln)
	defer srv.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	if err := Probe(":"+port, "/health"); err != nil {
		t.Fatalf("healthy server: %v", err)
	}
	if err := Probe(":"+port, "/missing"); err == nil {
		t.Fatal("404 accepted as healthy")
	}
	if err := Probe("bad-address", "/health"); err == nil {
		t.Fatal("bad address accepted")
	}
}

// Headers beyond Limits.MaxHeaderBytes are refused before any handler runs.
func TestServeBoundsHeaderBytes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, "127.0.0.1:0", http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}), Limits{
			ReadHeader: time.Minute, Read: time.Minute, Write: time.Minute, Idle: time.Minute, Shutdown: time.Minute,
			MaxHeaderBytes: 64 << 10,
		}, func(a net.Addr) { addrc <- a })
	}()
	url := "http://" + (<-addrc).String() + "/"
	status := func(size int) int {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("X-Big", strings.Repeat("a", size))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if got := status(32 << 10); got != http.StatusOK {
		t.Fatalf("32 KiB of headers: %d", got)
	}
	if got := status(256 << 10); got != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("256 KiB of headers: %d, want 431", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
