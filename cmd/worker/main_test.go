package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

func getStatus(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// The worker never migrates: it is alive at once but ready only once someone
// else has brought the schema to its version; it stops cleanly when asked.
func TestWorkerReadyOnlyAtSchemaVersion(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			dsn := testdb.Fresh(t, d)
			cfg, err := config.Load()
			if err != nil {
				t.Fatal(err)
			}
			cfg.DBDriver, cfg.DBDSN, cfg.WorkerHTTPAddr = d, dsn, "127.0.0.1:0"
			ctx, cancel := context.WithCancel(context.Background())
			addrc, done := make(chan net.Addr, 1), make(chan error, 1)
			go func() { done <- work(ctx, cfg, zerolog.Nop(), func(a net.Addr) { addrc <- a }) }()
			base := "http://" + (<-addrc).String()

			if s := getStatus(t, base+"/health"); s != 200 {
				t.Fatalf("/health %d", s)
			}
			if s := getStatus(t, base+"/ready"); s != 503 {
				t.Fatalf("/ready on an empty database: %d, want 503", s)
			}
			mg, err := gormdb.NewMigrator(d, dsn)
			if err != nil {
				t.Fatal(err)
			}
			if err := mg.Up(); err != nil {
				t.Fatal(err)
			}
			if s := getStatus(t, base+"/ready"); s != 200 {
				t.Fatalf("/ready after migration: %d", s)
			}
			if err := mg.Down(1); err != nil {
				t.Fatal(err)
			}
			mg.Close()
			if s := getStatus(t, base+"/ready"); s != 503 {
				t.Fatalf("/ready with the schema behind: %d, want 503", s)
			}
			if s := getStatus(t, base+"/metrics"); s != 200 {
				t.Fatalf("/metrics %d", s)
			}
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("worker stopped with %v", err)
				}
			case <-time.After(30 * time.Second): // a hang guard, not a timing assertion
				t.Fatal("worker did not stop")
			}
		})
	}
}
