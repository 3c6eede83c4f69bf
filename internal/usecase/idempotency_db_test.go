package usecase_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// t0 has nanoseconds on purpose: the store must fence on the time it wrote.
var t0 = time.Date(2030, 1, 2, 3, 4, 5, 123456789, time.UTC)

const (
	lease = 5 * time.Minute
	ttl   = 24 * time.Hour
)

func idemReq(scope, key, hash string) domain.IdempotencyRequest {
	return domain.IdempotencyRequest{Scope: scope, Key: key, Method: "POST", Path: "/api/v1/things", Hash: hash}
}

// newScope is a scope no other test, or run of -count, has used.
func newScope() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return "user:" + hex.EncodeToString(b)
}

// hash pads s to the 64 characters of a hex SHA-256.
func hash(s string) string { return fmt.Sprintf("%064s", s) }

func begin(t *testing.T, s *usecase.IdempotencyService, req domain.IdempotencyRequest, now time.Time) (domain.IdempotencyRecord, bool) {
	t.Helper()
	rec, owned, err := s.Begin(context.Background(), req, now, lease)
	if err != nil {
		t.Fatalf("begin %s/%s: %v", req.Scope, req.Key, err)
	}
	return rec, owned
}

func TestIdempotencyServiceLifecycle(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		s := usecase.NewIdempotencyService(gormdb.NewUnitOfWork(db.DB))
		scope := newScope()
		req := idemReq(scope, "k-1", hash("a"))

		first, owned := begin(t, s, req, t0)
		if !owned || first.State != domain.IdempotencyRunning || !first.ExpiresAt.Equal(t0.Add(lease).Truncate(time.Microsecond)) {
			t.Fatalf("first request: owned %v, record %+v", owned, first)
		}

		// While it runs, a retry sees the running record and does not own it.
		held, owned := begin(t, s, req, t0.Add(time.Second))
		if owned || held.State != domain.IdempotencyRunning || !held.SameRequest(req) {
			t.Fatalf("retry while running: owned %v, record %+v", owned, held)
		}

		body := []byte("{\"id\":1}\x00\xff") // bytes, not text
		resp := domain.IdempotentResponse{Status: 201, ContentType: "application/json", Body: body}
		if err := s.Complete(ctx, first, resp, t0.Add(ttl)); err != nil {
			t.Fatal(err)
		}

		// A retry gets the stored response back, whatever the time within the TTL.
		done, owned := begin(t, s, req, t0.Add(ttl-time.Second))
		if owned || done.State != domain.IdempotencyDone || !done.SameRequest(req) {
			t.Fatalf("retry after completion: owned %v, record %+v", owned, done)
		}
		if done.Response.Status != 201 || done.Response.ContentType != "application/json" || !bytes.Equal(done.Response.Body, body) {
			t.Fatalf("stored response %+v", done.Response)
		}

		// The same key with another body: the record says so.
		other, owned := begin(t, s, idemReq(scope, "k-1", hash("b")), t0.Add(time.Minute))
		if owned || other.SameRequest(idemReq(scope, "k-1", hash("b"))) {
			t.Fatalf("different hash: owned %v, same request %v", owned, other.SameRequest(idemReq(scope, "k-1", hash("b"))))
		}
		// … or another endpoint.
		moved := req
		moved.Path = "/api/v1/other"
		if rec, owned := begin(t, s, moved, t0.Add(time.Minute)); owned || rec.SameRequest(moved) {
			t.Fatalf("different path: owned %v", owned)
		}

		// Another caller's key of the same name is another key.
		if _, owned := begin(t, s, idemReq(scope+"-other", "k-1", hash("a")), t0); !owned {
			t.Fatal("a key of another scope collided")
		}

		// Once expired, the key is new again.
		again, owned := begin(t, s, idemReq(scope, "k-1", hash("b")), t0.Add(ttl))
		if !owned || again.State != domain.IdempotencyRunning || again.Hash != hash("b") {
			t.Fatalf("expired key not reclaimed: owned %v, record %+v", owned, again)
		}
	})
}

func TestIdempotencyServiceEmptyResponse(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		s := usecase.NewIdempotencyService(gormdb.NewUnitOfWork(db.DB))
		req := idemReq(newScope(), "k", hash("a"))
		rec, _ := begin(t, s, req, t0)
		if err := s.Complete(context.Background(), rec, domain.IdempotentResponse{Status: 204}, t0.Add(ttl)); err != nil {
			t.Fatal(err)
		}
		done, owned := begin(t, s, req, t0.Add(time.Second))
		if owned || done.State != domain.IdempotencyDone || done.Response.Status != 204 || len(done.Response.Body) != 0 {
			t.Fatalf("owned %v, record %+v", owned, done)
		}
	})
}

// Release frees the key for a retry; a request that lost its key (released,
// or taken over once its lease ran out) can neither complete nor release the
// new owner's record.
func TestIdempotencyServiceReleaseAndTakeover(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		s := usecase.NewIdempotencyService(gormdb.NewUnitOfWork(db.DB))
		req := idemReq(newScope(), "k", hash("a"))

		failed, _ := begin(t, s, req, t0)
		if err := s.Release(ctx, failed); err != nil {
			t.Fatal(err)
		}
		retry, owned := begin(t, s, req, t0.Add(time.Second))
		if !owned {
			t.Fatal("released key not reclaimed")
		}
		resp := domain.IdempotentResponse{Status: 200, ContentType: "text/plain", Body: []byte("stale")}
		if err := s.Complete(ctx, failed, resp, t0.Add(ttl)); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("complete by a released request: %v", err)
		}

		// The retry dies without releasing; once its lease is over the key is taken over.
		takeover, owned := begin(t, s, req, t0.Add(time.Second+lease))
		if !owned {
			t.Fatal("abandoned running key not taken over after its lease")
		}
		if err := s.Release(ctx, retry); err != nil {
			t.Fatal(err)
		}
		if err := s.Complete(ctx, retry, resp, t0.Add(ttl)); !errors.Is(err, domain.ErrConflict) {
			t.Fatalf("complete by a request whose lease ran out: %v", err)
		}
		// The new owner's record survived both.
		if rec, owned := begin(t, s, req, t0.Add(2*time.Second+lease)); owned || rec.State != domain.IdempotencyRunning || !rec.CreatedAt.Equal(takeover.CreatedAt) {
			t.Fatalf("takeover record lost: owned %v, record %+v", owned, rec)
		}
		if err := s.Complete(ctx, takeover, resp, t0.Add(ttl)); err != nil {
			t.Fatal(err)
		}
	})
}

// Concurrent first requests, and concurrent takeovers of an expired key: one
// owner each time, everyone else sees its record.
func TestIdempotencyServiceConcurrentBegin(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		s := usecase.NewIdempotencyService(gormdb.NewUnitOfWork(db.DB))
		req := idemReq(newScope(), "k", hash("a"))
		race := func(now time.Time) (owners int, winner domain.IdempotencyRecord) {
			const n = 20
			var (
				wg    sync.WaitGroup
				mu    sync.Mutex
				start = make(chan struct{})
				errs  []error
			)
			for range n {
				wg.Go(func() {
					<-start
					rec, owned, err := s.Begin(context.Background(), req, now, lease)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err != nil:
						errs = append(errs, err)
					case owned:
						owners++
						winner = rec
					case rec.State != domain.IdempotencyRunning || !rec.CreatedAt.Equal(now.Truncate(time.Microsecond)):
						errs = append(errs, fmt.Errorf("loser saw %+v", rec))
					}
				})
			}
			close(start)
			wg.Wait()
			if len(errs) > 0 {
				t.Fatal(errors.Join(errs...))
			}
			return owners, winner
		}
		if owners, _ := race(t0); owners != 1 {
			t.Fatalf("%d concurrent first requests owned the key", owners)
		}
		later := t0.Add(lease + time.Minute)
		owners, winner := race(later)
		if owners != 1 || !winner.CreatedAt.Equal(later.Truncate(time.Microsecond)) {
			t.Fatalf("%d concurrent takeovers owned the expired key (winner %+v)", owners, winner)
		}
	})
}

func TestIdempotencyServicePrune(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		s := usecase.NewIdempotencyService(gormdb.NewUnitOfWork(db.DB))
		// Years before every other test's records, so they are not counted here.
		base := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
		scope := newScope()
		doneOld, _ := begin(t, s, idemReq(scope, "done-old", hash("a")), base)
		if err := s.Complete(ctx, doneOld, domain.IdempotentResponse{Status: 200}, base.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		begin(t, s, idemReq(scope, "running-old", hash("a")), base)                // lease ends at base+5m
		begin(t, s, idemReq(scope, "running-new", hash("a")), base.Add(time.Hour)) // lease ends at base+65m

		n, err := s.Prune(ctx, base.Add(time.Hour))
		if err != nil || n != 2 {
			t.Fatalf("pruned %d (%v), want the done and the abandoned running record", n, err)
		}
		rows, err := db.SQL.QueryContext(ctx, "SELECT idem_key FROM idempotency_keys WHERE scope = "+placeholder(db.Dialect)+" ORDER BY idem_key", scope)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var left []string
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				t.Fatal(err)
			}
			left = append(left, k)
		}
		if rows.Err() != nil || len(left) != 1 || left[0] != "running-new" {
			t.Fatalf("left after pruning: %v (%v), want only running-new", left, rows.Err())
		}
	})
}

func placeholder(driver string) string {
	if driver == sqldialect.Postgres {
		return "$1"
	}
	return "?"
}

// Pruning runs beside live traffic on the same table: no statement of either
// may fail (MySQL/MariaDB deadlocked a range delete against Complete), the
// expired records go and the live ones stay.
func TestIdempotencyServicePruneBesideTraffic(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		s := usecase.NewIdempotencyService(gormdb.NewUnitOfWork(db.DB))
		scope := newScope()
		for i := range 100 {
			old, _ := begin(t, s, idemReq(scope, fmt.Sprintf("old-%d", i), hash("a")), t0.Add(-2*ttl))
			if i%2 == 0 { // half done, half abandoned while running
				if err := s.Complete(ctx, old, domain.IdempotentResponse{Status: 201}, t0.Add(-ttl)); err != nil {
					t.Fatal(err)
				}
			}
		}
		var (
			traffic, pruner sync.WaitGroup
			mu              sync.Mutex
			errs            []error
			stop            = make(chan struct{})
		)
		fail := func(err error) {
			mu.Lock()
			defer mu.Unlock()
			errs = append(errs, err)
		}
		pruner.Go(func() {
			for {
				if _, err := s.Prune(ctx, t0); err != nil {
					fail(err)
				}
				select {
				case <-stop:
					return
				default:
				}
			}
		})
		for w := range 4 {
			traffic.Go(func() {
				for i := range 50 {
					rec, owned, err := s.Begin(ctx, idemReq(scope, fmt.Sprintf("new-%d-%d", w, i), hash("a")), t0, lease)
					switch {
					case err != nil:
						fail(err)
					case !owned:
						fail(fmt.Errorf("fresh key new-%d-%d not owned", w, i))
					case i%5 == 0:
						err = s.Release(ctx, rec)
					default:
						err = s.Complete(ctx, rec, domain.IdempotentResponse{Status: 201}, t0.Add(ttl))
					}
					if err != nil {
						fail(err)
					}
				}
			})
		}
		traffic.Wait()
		close(stop)
		pruner.Wait()
		if len(errs) > 0 {
			t.Fatal(errors.Join(errs...))
		}
		var old, live int64
		db.Gorm.Table("idempotency_keys").Where("scope = ? AND idem_key LIKE ?", scope, "old-%").Count(&old)
		db.Gorm.Table("idempotency_keys").Where("scope = ? AND idem_key LIKE ? AND state = ?", scope, "new-%", domain.IdempotencyDone).Count(&live)
		if old != 0 || live != 4*40 {
			t.Fatalf("after pruning: %d expired records left, %d of 160 live ones", old, live)
		}
	})
}
