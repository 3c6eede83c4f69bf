package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

const idemTTL = 24 * time.Hour

// idemAuth knows two users by their tokens.
type idemAuth struct{}

func (idemAuth) Authenticate(_ context.Context, token string) (domain.Principal, error) {
	switch token {
	case "alice":
		return domain.Principal{UserID: 1, Login: "alice"}, nil
	case "bob":
		return domain.Principal{UserID: 2, Login: "bob"}, nil
	}
	return domain.Principal{}, errors.New("unknown token")
}

// idemArea counts the runs of its POST handler per :name, so each subtest
// counts its own; :mode picks what the handler answers.
type idemArea struct {
	mu      sync.Mutex
	runs    map[string]int
	entered chan struct{} // the first run of "block" announces it is running…
	release chan struct{} // … and waits for this
}

func newIdemArea() *idemArea {
	return &idemArea{runs: map[string]int{}, entered: make(chan struct{}), release: make(chan struct{})}
}

func (a *idemArea) Routes(r *api.Router) {
	r.POST("/idem/:mode/:name", "", a.handle)
	r.POST("/elsewhere/:name", "", a.handle)
}

func (a *idemArea) count(name string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.runs[name]
}

func (a *idemArea) handle(c echo.Context) error {
	a.mu.Lock()
	a.runs[c.Param("name")]++
	run := a.runs[c.Param("name")]
	a.mu.Unlock()
	if c.Param("mode") == "bind" {
		var req struct {
			Name string `json:"name" validate:"required"`
		}
		if err := api.Bind(c, &req); err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, req)
	}
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err
	}
	answer := map[string]any{"run": run, "body": string(body)} // the body proves the handler saw it
	switch c.Param("mode") {
	case "missing":
		return domain.NotFound("thing", string(body))
	case "fail":
		return errors.New("database exploded")
	case "panic":
		panic("boom")
	case "none":
		return c.NoContent(http.StatusNoContent)
	case "block":
		if run > 1 {
			break // only the first run blocks: a wrongly run duplicate must not hang the test
		}
		a.entered <- struct{}{}
		select {
		case <-a.release:
		case <-c.Request().Context().Done():
			return c.Request().Context().Err()
		}
	}
	return c.JSON(http.StatusCreated, answer)
}

// fakeClock is a time the test sets, safe for concurrent use.
type fakeClock struct{ ns atomic.Int64 }

func (c *fakeClock) Now() time.Time      { return time.Unix(0, c.ns.Load()).UTC() }
func (c *fakeClock) Add(d time.Duration) { c.ns.Add(int64(d)) }

type idemEnv struct {
	e     *echo.Echo
	area  *idemArea
	clock *fakeClock
}

func newIdemEnv(t *testing.T, store api.IdempotencyStore) *idemEnv {
	clock := &fakeClock{}
	clock.ns.Store(time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC).UnixNano())
	area := newIdemArea()
	e := api.NewServer(api.Options{
		Log: zerolog.Nop(), BodyLimit: "1K", Auth: idemAuth{},
		Idempotency: api.Idempotency(store, idemTTL, clock.Now),
	}, area)
	return &idemEnv{e: e, area: area, clock: clock}
}

// post sends a POST as user with the given Idempotency-Key values (none: no header).
func (env *idemEnv) post(path, user, body string, keys ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/api/v1"+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+user)
	for _, k := range keys {
		req.Header.Add(api.HeaderIdempotencyKey, k)
	}
	rec := httptest.NewRecorder()
	env.e.ServeHTTP(rec, req)
	return rec
}

func problemType(t *testing.T, rec *httptest.ResponseRecorder) string {
	t.Helper()
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, body %s", ct, rec.Body)
	}
	var p api.Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(p.Type, api.ProblemTypeBase)
}

func wantStatus(t *testing.T, rec *httptest.ResponseRecorder, status int) {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body)
	}
}

func wantReplayOf(t *testing.T, replay, first *httptest.ResponseRecorder) {
	t.Helper()
	if replay.Header().Get(api.HeaderIdempotentReplayed) != "true" {
		t.Fatalf("replay lacks %s: %d %s", api.HeaderIdempotentReplayed, replay.Code, replay.Body)
	}
	if replay.Code != first.Code || replay.Body.String() != first.Body.String() ||
		replay.Header().Get("Content-Type") != first.Header().Get("Content-Type") {
		t.Fatalf("replay %d %q %s differs from first %d %q %s",
			replay.Code, replay.Header().Get("Content-Type"), replay.Body,
			first.Code, first.Header().Get("Content-Type"), first.Body)
	}
}

func wantFresh(t *testing.T, rec *httptest.ResponseRecorder) {
	t.Helper()
	if v := rec.Header().Get(api.HeaderIdempotentReplayed); v != "" {
		t.Fatalf("a response that ran the handler says %s: %q", api.HeaderIdempotentReplayed, v)
	}
}

func TestIdempotencyMiddleware(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			db := testdb.Migrated(t, dialect)
			env := newIdemEnv(t, usecase.NewIdempotencyService(gormdb.NewUnitOfWork(db.DB)))
			t.Run("replay", func(t *testing.T) { idemReplay(t, env) })
			t.Run("reused key", func(t *testing.T) { idemReused(t, env) })
			t.Run("in progress", func(t *testing.T) { idemInProgress(t, env) })
			t.Run("per user", func(t *testing.T) { idemPerUser(t, env) })
			t.Run("4xx kept", func(t *testing.T) { idemClientErrorKept(t, env) })
			t.Run("5xx and panic not kept", func(t *testing.T) { idemServerErrorNotKept(t, env) })
			t.Run("no key", func(t *testing.T) { idemNoKey(t, env) })
			t.Run("malformed key", func(t *testing.T) { idemMalformed(t, env) })
			t.Run("expiry", func(t *testing.T) { idemExpiry(t, env) })
		})
	}
}

// The same key and body: the handler runs once, every retry gets its status,
// content type and body back, marked as replayed.
func idemReplay(t *testing.T, env *idemEnv) {
	first := env.post("/idem/ok/replay", "alice", `{"a":1}`, "key-replay")
	wantStatus(t, first, http.StatusCreated)
	wantFresh(t, first)
	if !strings.Contains(first.Body.String(), `"body":"{\"a\":1}"`) {
		t.Fatalf("the handler did not get the body: %s", first.Body)
	}
	for range 2 {
		wantReplayOf(t, env.post("/idem/ok/replay", "alice", `{"a":1}`, "key-replay"), first)
	}
	// The quoted form of the IETF draft names the same key.
	wantReplayOf(t, env.post("/idem/ok/replay", "alice", `{"a":1}`, `"key-replay"`), first)
	if n := env.area.count("replay"); n != 1 {
		t.Fatalf("handler ran %d times", n)
	}
	// An empty 204 is replayed as such.
	none := env.post("/idem/none/replay-204", "alice", ``, "key-204")
	wantStatus(t, none, http.StatusNoContent)
	wantReplayOf(t, env.post("/idem/none/replay-204", "alice", ``, "key-204"), none)
	if n := env.area.count("replay-204"); n != 1 {
		t.Fatalf("204 handler ran %d times", n)
	}
}

// The same key with another body, path or endpoint is refused, and the
// original response stays replayable.
func idemReused(t *testing.T, env *idemEnv) {
	first := env.post("/idem/ok/reused", "alice", `{"a":1}`, "key-reused")
	wantStatus(t, first, http.StatusCreated)
	for _, tc := range []struct{ name, path, body string }{
		{"other body", "/idem/ok/reused", `{"a":2}`},
		{"same JSON, other bytes", "/idem/ok/reused", `{"a": 1}`},
		{"other path, same route", "/idem/ok/reused-too", `{"a":1}`},
		{"other query", "/idem/ok/reused?x=1", `{"a":1}`},
		{"other route", "/elsewhere/reused", `{"a":1}`},
	} {
		rec := env.post(tc.path, "alice", tc.body, "key-reused")
		wantStatus(t, rec, http.StatusUnprocessableEntity)
		if typ := problemType(t, rec); typ != "idempotency-key-reused" {
			t.Fatalf("%s: problem type %q", tc.name, typ)
		}
	}
	if n := env.area.count("reused") + env.area.count("reused-too"); n != 1 {
		t.Fatalf("handler ran %d times", n)
	}
	wantReplayOf(t, env.post("/idem/ok/reused", "alice", `{"a":1}`, "key-reused"), first)
}

// A retry while the first request is still in its handler is 409 (and a
// different body still 422); once the first finishes, retries replay it.
func idemInProgress(t *testing.T, env *idemEnv) {
	firstc := make(chan *httptest.ResponseRecorder, 1)
	go func() { firstc <- env.post("/idem/block/progress", "alice", `{"slow":true}`, "key-progress") }()
	select {
	case <-env.area.entered:
	case rec := <-firstc:
		t.Fatalf("the first request did not reach the handler: %d %s", rec.Code, rec.Body)
	}
	released := false
	defer func() { // on failure, let the blocked handler finish
		if !released {
			env.area.release <- struct{}{}
			<-firstc
		}
	}()

	dup := env.post("/idem/block/progress", "alice", `{"slow":true}`, "key-progress")
	wantStatus(t, dup, http.StatusConflict)
	if typ := problemType(t, dup); typ != "idempotency-in-progress" {
		t.Fatalf("problem type %q", typ)
	}
	if dup.Header().Get("Retry-After") == "" {
		t.Fatal("409 without Retry-After")
	}
	other := env.post("/idem/block/progress", "alice", `{"slow":false}`, "key-progress")
	wantStatus(t, other, http.StatusUnprocessableEntity)

	env.area.release <- struct{}{}
	released = true
	first := <-firstc
	wantStatus(t, first, http.StatusCreated)
	wantFresh(t, first)
	wantReplayOf(t, env.post("/idem/block/progress", "alice", `{"slow":true}`, "key-progress"), first)
	if n := env.area.count("progress"); n != 1 {
		t.Fatalf("handler ran %d times", n)
	}
}

// Keys are per user: two users may pick the same key.
func idemPerUser(t *testing.T, env *idemEnv) {
	a := env.post("/idem/ok/per-user", "alice", `{}`, "key-shared")
	b := env.post("/idem/ok/per-user", "bob", `{}`, "key-shared")
	wantStatus(t, a, http.StatusCreated)
	wantStatus(t, b, http.StatusCreated)
	wantFresh(t, a)
	wantFresh(t, b)
	if n := env.area.count("per-user"); n != 2 {
		t.Fatalf("handler ran %d times for two users", n)
	}
	wantReplayOf(t, env.post("/idem/ok/per-user", "bob", `{}`, "key-shared"), b)
}

// A 4xx is an answer: it is kept and replayed exactly, request id included.
func idemClientErrorKept(t *testing.T, env *idemEnv) {
	first := env.post("/idem/missing/client-error", "alice", `9`, "key-404")
	wantStatus(t, first, http.StatusNotFound)
	if typ := problemType(t, first); typ != "not-found" {
		t.Fatalf("problem type %q", typ)
	}
	replay := env.post("/idem/missing/client-error", "alice", `9`, "key-404")
	wantReplayOf(t, replay, first)
	if n := env.area.count("client-error"); n != 1 {
		t.Fatalf("handler ran %d times", n)
	}
	// So are a malformed body (400) and invalid fields (422) found by Bind.
	for body, status := range map[string]int{`{`: http.StatusBadRequest, `{"name":""}`: http.StatusUnprocessableEntity} {
		key := "key-bind-" + body
		first := env.post("/idem/bind/client-error-bind", "alice", body, key)
		wantStatus(t, first, status)
		wantReplayOf(t, env.post("/idem/bind/client-error-bind", "alice", body, key), first)
	}
	if n := env.area.count("client-error-bind"); n != 2 {
		t.Fatalf("bind handler ran %d times for two keys", n)
	}
}

// A 5xx or a panic is not an answer: the key is released and a retry runs again.
func idemServerErrorNotKept(t *testing.T, env *idemEnv) {
	for _, mode := range []string{"fail", "panic"} {
		name := "server-error-" + mode
		for i := 1; i <= 2; i++ {
			rec := env.post("/idem/"+mode+"/"+name, "alice", `{}`, "key-"+mode)
			wantStatus(t, rec, http.StatusInternalServerError)
			wantFresh(t, rec)
			if n := env.area.count(name); n != i {
				t.Fatalf("%s: attempt %d ran the handler %d times", mode, i, n)
			}
		}
	}
}

// Without the header a POST runs every time.
func idemNoKey(t *testing.T, env *idemEnv) {
	for i := 1; i <= 2; i++ {
		rec := env.post("/idem/ok/no-key", "alice", `{}`)
		wantStatus(t, rec, http.StatusCreated)
		wantFresh(t, rec)
	}
	if n := env.area.count("no-key"); n != 2 {
		t.Fatalf("handler ran %d times", n)
	}
}

func idemMalformed(t *testing.T, env *idemEnv) {
	for name, keys := range map[string][]string{
		"empty":          {""},
		"too long":       {strings.Repeat("k", 256)},
		"not ASCII":      {"clé"},
		"control":        {"a\tb"},
		"trailing space": {`"abc "`},
		"empty quoted":   {`""`},
		"two headers":    {"a", "b"},
	} {
		rec := env.post("/idem/ok/malformed", "alice", `{}`, keys...)
		wantStatus(t, rec, http.StatusUnprocessableEntity)
		if typ := problemType(t, rec); typ != "validation" || !strings.Contains(rec.Body.String(), api.HeaderIdempotencyKey) {
			t.Fatalf("%s: %s", name, rec.Body)
		}
	}
	if n := env.area.count("malformed"); n != 0 {
		t.Fatalf("handler ran %d times for malformed keys", n)
	}
	// The longest key allowed, and every printable character, are fine.
	for _, k := range []string{strings.Repeat("k", 255), "a b!~{}[]:;,.<>/?|=+-_()*&^%$#@'`0Z"} {
		wantStatus(t, env.post("/idem/ok/well-formed", "alice", `{}`, k), http.StatusCreated)
	}
}

// A key lives its TTL after the first response; then it is new again.
func idemExpiry(t *testing.T, env *idemEnv) {
	first := env.post("/idem/ok/expiry", "alice", `{}`, "key-expiry")
	env.clock.Add(idemTTL - time.Second)
	wantReplayOf(t, env.post("/idem/ok/expiry", "alice", `{}`, "key-expiry"), first)
	env.clock.Add(time.Second)
	again := env.post("/idem/ok/expiry", "alice", `{"new":1}`, "key-expiry")
	wantStatus(t, again, http.StatusCreated)
	wantFresh(t, again)
	if n := env.area.count("expiry"); n != 2 {
		t.Fatalf("handler ran %d times", n)
	}
}

// pruneSpy reports every pruning the middleware starts.
type pruneSpy struct {
	api.IdempotencyStore
	pruned chan time.Time
}

func (s *pruneSpy) Prune(ctx context.Context, now time.Time) (int64, error) {
	n, err := s.IdempotencyStore.Prune(ctx, now)
	s.pruned <- now
	return n, err
}

// Expired keys are pruned by the middleware, at most once a minute.
func TestIdempotencyMiddlewarePrunes(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			db := testdb.Migrated(t, dialect)
			store := usecase.NewIdempotencyService(gormdb.NewUnitOfWork(db.DB))
			spy := &pruneSpy{IdempotencyStore: store, pruned: make(chan time.Time, 4)}
			env := newIdemEnv(t, spy)
			t0 := env.clock.Now()
			ctx := context.Background()
			old, _, err := store.Begin(ctx, domain.IdempotencyRequest{Scope: "user:1", Key: "old", Method: "POST", Path: "/x", Hash: strings.Repeat("0", 64)}, t0.Add(-2*idemTTL), time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			if err := store.Complete(ctx, old, domain.IdempotentResponse{Status: 201}, t0.Add(-idemTTL)); err != nil {
				t.Fatal(err)
			}

			env.post("/idem/ok/prune", "alice", `{}`, "key-prune-1")
			if at := <-spy.pruned; !at.Equal(t0) {
				t.Fatalf("pruned at %s, want %s", at, t0)
			}
			var left int64
			if err := db.Gorm.Table("idempotency_keys").Where("idem_key = ?", "old").Count(&left).Error; err != nil || left != 0 {
				t.Fatalf("expired key left: %d (%v)", left, err)
			}
			env.clock.Add(30 * time.Second)
			env.post("/idem/ok/prune", "alice", `{}`, "key-prune-2") // within the minute: no pruning
			env.clock.Add(31 * time.Second)
			env.post("/idem/ok/prune", "alice", `{}`, "key-prune-3")
			if at := <-spy.pruned; !at.Equal(t0.Add(61 * time.Second)) {
				t.Fatalf("second pruning at %s, want %s (once a minute)", at, t0.Add(61*time.Second))
			}
		})
	}
}
