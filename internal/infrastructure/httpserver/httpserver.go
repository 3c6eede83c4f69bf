// Package httpserver runs an http.Handler with the configured timeouts and
// drains it on shutdown: the part both binaries share.
package httpserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// Limits of one server: its timeouts and the most header bytes it reads.
type Limits struct {
	ReadHeader, Read, Write, Idle time.Duration
	Shutdown                      time.Duration
	// MaxHeaderBytes bounds what one request's headers may cost in memory;
	// net/http's default (1 MiB) is far more than any client of the API
	// needs. 0 keeps that default.
	MaxHeaderBytes int
}

// Serve listens on addr and serves h until ctx is done, then stops accepting
// connections and lets in-flight requests finish within l.Shutdown.
// ready, if not nil, receives the bound address once listening (useful with ":0").
func Serve(ctx context.Context, addr string, h http.Handler, l Limits, ready func(net.Addr)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeader,
		ReadTimeout:       l.Read,
		WriteTimeout:      l.Write,
		IdleTimeout:       l.Idle,
		MaxHeaderBytes:    l.MaxHeaderBytes,
	}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), l.Shutdown)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("drain within %s: %w", l.Shutdown, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Probe GETs path on the server listening at addr (":8080" means this host)
// and fails unless it answers 200: the container HEALTHCHECK, since a scratch
// image has no curl.
func Probe(addr, path string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	c := &http.Client{Timeout: 3 * time.Second}
	res, err := c.Get("http://" + net.JoinHostPort(host, port) + path)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s", path, res.Status)
	}
	return nil
}
