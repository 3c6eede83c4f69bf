// Package queue is the database side of the background jobs: the outbox
// (enqueue in the caller's transaction) and the mechanics workers use on it
// (claim, complete, retry, kill, release, reap, prune), one statement set per
// dialect. The policy (when to retry, how long to wait, what a shutdown does)
// lives in jobrun.Dispatcher.
package queue

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// NotifyChannel is the PostgreSQL channel an enqueue notifies (on commit) and
// workers LISTEN on, so they wake at once instead of at their next poll.
const NotifyChannel = "doligo_jobs"

// Wakeups collects the job kinds a transaction enqueued on PostgreSQL, so
// that the unit of work notifies the workers once it has committed (Send)
// instead of by a NOTIFY inside the transaction. PostgreSQL serialises the
// commits of the transactions that NOTIFY: each holds a database-wide lock
// from its pre-commit through its WAL flush, so every request that enqueues
// would wait for the commits of all the others (430 such commits/s here,
// against 2,100 without the NOTIFY: docs/benchmarks.md, "Pickup latency").
// A NOTIFY of its own after the commit writes no WAL and waits for no flush.
// A rolled-back transaction notifies no one. The zero value is ready.
type Wakeups struct {
	kinds []string
}

func (w *Wakeups) add(kind string) { w.kinds = union(w.kinds, []string{kind}) }

// Send notifies the workers of the kinds enqueued (nothing when none was)
// through n, after the transaction committed, and forgets them. It is a
// hint: should it fail, the workers' next poll finds the jobs.
func (w *Wakeups) Send(ctx context.Context, n *Notifier) error {
	if len(w.kinds) == 0 {
		return nil
	}
	kinds := w.kinds
	w.kinds = nil
	return n.notify(ctx, kinds)
}

// Notifier sends the post-commit notifications of one pool (Wakeups.Send)
// one at a time. A transaction that commits while one is being sent leaves
// its kinds for the next, which the current sender starts, on a goroutine of
// its own, as soon as its own is sent: every commit is still followed by a
// notification sent after it, at most one notification's round trip later,
// but a steady stream of enqueues costs the database (and the workers'
// LISTEN connections) one notification per round trip instead of one per
// job.
type Notifier struct {
	send func(ctx context.Context, kinds []string) error

	mu      sync.Mutex
	sending bool
	pending []string
}

// NewNotifier returns the notifier of db, a PostgreSQL pool.
func NewNotifier(db *sql.DB) *Notifier {
	return &Notifier{send: func(ctx context.Context, kinds []string) error {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		payload := strings.Join(kinds, ",")
		if _, err := db.ExecContext(ctx, `SELECT pg_notify($1, $2)`, NotifyChannel, payload); err != nil {
			return fmt.Errorf("notify workers of %s jobs: %w", payload, err)
		}
		return nil
	}}
}

// notify sends kinds now, or leaves them to the notification after the one
// being sent.
func (n *Notifier) notify(ctx context.Context, kinds []string) error {
	n.mu.Lock()
	if n.sending {
		n.pending = union(n.pending, kinds)
		n.mu.Unlock()
		return nil
	}
	n.sending = true
	n.mu.Unlock()
	err := n.send(ctx, kinds)
	n.handOn()
	return err
}

// handOn sends, on a goroutine, what was left while the last notification
// was being sent, and so on until nothing was.
func (n *Notifier) handOn() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(n.pending) == 0 {
		n.sending = false
		return
	}
	kinds := n.pending
	n.pending = nil
	go func() {
		_ = n.send(context.Background(), kinds) // a hint: the workers poll anyway
		n.handOn()
	}()
}

func union(a, b []string) []string {
	for _, k := range b {
		if !slices.Contains(a, k) {
			a = append(a, k)
		}
	}
	return a
}

// notify wakes the workers of kind: after the commit through w when the unit
// of work gave one, else by a NOTIFY in c's transaction (delivered if and
// only if it commits).
func notify(ctx context.Context, c conn, d dialect, w *Wakeups, kind string) error {
	switch {
	case d.name != sqldialect.Postgres:
		return nil
	case w != nil:
		w.add(kind)
		return nil
	}
	if _, err := c.ExecContext(ctx, d.sql(`SELECT pg_notify(?, ?)`), NotifyChannel, kind); err != nil {
		return fmt.Errorf("notify workers of %s job: %w", kind, err)
	}
	return nil
}

// Column limits of the jobs table.
const (
	maxKind      = 64
	maxRequestID = 128
	maxKey       = 255
	maxError     = 2000
)

// conn is what enqueueing needs: a *sql.Tx (or *sql.DB, or gorm's ConnPool
// of a transaction).
type conn interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// Outbox is the domain.OutboxRepository of one transaction.
type Outbox struct {
	conn    conn
	dialect dialect
	err     error
	wake    *Wakeups // nil: NOTIFY in the transaction
}

// NewOutbox returns the outbox bound to tx, a transaction opened by GORM on
// any of the three dialects: jobs enqueued through it commit or roll back
// with tx. (Given the pool instead of a transaction, each enqueue commits on
// its own.)
func NewOutbox(tx *gorm.DB) *Outbox {
	d, err := newDialect(tx.Dialector.Name())
	return &Outbox{conn: tx.Statement.ConnPool, dialect: d, err: err}
}

// WakeAfterCommit makes the outbox leave its notifications to w, which the
// caller sends once the transaction has committed (see Wakeups).
func (o *Outbox) WakeAfterCommit(w *Wakeups) *Outbox {
	o.wake = w
	return o
}

// Enqueue implements domain.OutboxRepository.
func (o *Outbox) Enqueue(ctx context.Context, j domain.NewJob) (int64, error) {
	if o.err != nil {
		return 0, o.err
	}
	id, err := enqueue(ctx, o.conn, o.dialect, j)
	if err != nil {
		return 0, err
	}
	return id, notify(ctx, o.conn, o.dialect, o.wake, j.Kind)
}

// Enqueue adds j through c (normally the caller's *sql.Tx) on the named
// dialect and returns its id. With an idempotency key already present it
// returns the existing job's id and adds nothing. On PostgreSQL it notifies
// the workers in c's transaction.
func Enqueue(ctx context.Context, c conn, dialectName string, j domain.NewJob) (int64, error) {
	d, err := newDialect(dialectName)
	if err != nil {
		return 0, err
	}
	id, err := enqueue(ctx, c, d, j)
	if err != nil {
		return 0, err
	}
	return id, notify(ctx, c, d, nil, j.Kind)
}

func enqueue(ctx context.Context, c conn, d dialect, j domain.NewJob) (int64, error) {
	payload, err := checkNewJob(ctx, &j)
	if err != nil {
		return 0, err
	}
	var runAt, key any // NULL: now by the database clock; no key
	if !j.RunAt.IsZero() {
		runAt = d.timeArg(j.RunAt)
	}
	if j.IdempotencyKey != "" {
		key = j.IdempotencyKey
	}
	args := []any{j.Kind, string(payload), j.MaxAttempts, runAt, j.RequestID, key}
	const insert = `INSERT INTO jobs (kind, payload, max_attempts, run_at, request_id, idempotency_key)
		VALUES (?, ?, ?, COALESCE(?, {now}), ?, ?)`

	var id int64
	if d.name == sqldialect.MySQL {
		// No RETURNING: LAST_INSERT_ID(id) makes a duplicate key report the
		// existing row's id.
		res, err := c.ExecContext(ctx, d.sql(insert+` ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)`), args...)
		if err != nil {
			return 0, fmt.Errorf("enqueue %s job: %w", j.Kind, err)
		}
		if id, err = res.LastInsertId(); err != nil {
			return 0, fmt.Errorf("enqueue %s job: %w", j.Kind, err)
		}
		return id, nil
	}

	err = c.QueryRowContext(ctx, d.sql(insert+` ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`), args...).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) { // the key exists: that job stands for this one
		err = c.QueryRowContext(ctx, d.sql(`SELECT id FROM jobs WHERE idempotency_key = ?`), j.IdempotencyKey).Scan(&id)
		if err != nil {
			return 0, fmt.Errorf("find %s job of idempotency key %q: %w", j.Kind, j.IdempotencyKey, err)
		}
		return id, nil
	}
	if err != nil {
		return 0, fmt.Errorf("enqueue %s job: %w", j.Kind, err)
	}
	return id, nil
}

// checkNewJob fills the defaults of j and returns its JSON payload.
func checkNewJob(ctx context.Context, j *domain.NewJob) ([]byte, error) {
	// A bad job is the calling code's mistake, never the client's: a plain
	// error (a logged 500 in a request), not a 422.
	var bad []string
	if j.Kind == "" || len(j.Kind) > maxKind {
		bad = append(bad, fmt.Sprintf("kind must be 1 to %d characters, got %q", maxKind, j.Kind))
	}
	if len(j.IdempotencyKey) > maxKey {
		bad = append(bad, fmt.Sprintf("idempotency key must be at most %d characters", maxKey))
	}
	if j.MaxAttempts < 0 {
		bad = append(bad, fmt.Sprintf("max attempts must not be negative, got %d", j.MaxAttempts))
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("invalid job: %s", strings.Join(bad, "; "))
	}
	if j.MaxAttempts == 0 {
		j.MaxAttempts = domain.DefaultJobMaxAttempts
	}
	if j.RequestID == "" {
		j.RequestID = domain.RequestID(ctx)
	}
	j.RequestID = truncate(j.RequestID, maxRequestID)
	if j.Payload == nil {
		return []byte("{}"), nil
	}
	payload, err := json.Marshal(j.Payload)
	if err != nil {
		return nil, fmt.Errorf("encode %s job payload: %w", j.Kind, err)
	}
	return payload, nil
}

// truncate cuts s to at most n runes (the columns count characters).
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
