package queue

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
)

// Webhook events are outbox rows too: an event is written in the transaction
// of the change that causes it, with one delivery row and one webhook.deliver
// job per active subscription to its type, so that a receiver hears of a
// change if and only if it committed, and a slow receiver holds only its own
// jobs.

// Events is the domain.EventRepository of one transaction. It reads the
// active subscriptions once, at its first Emit, and keeps them for the rest
// of the transaction: a unit of work that emits several events (a reception:
// stock.moved and reception.created) pays for one read.
type Events struct {
	conn    conn
	dialect dialect
	err     error
	subs    map[string][]int64 // by event type; nil until read
	wake    *Wakeups           // nil: NOTIFY in the transaction
}

// NewEvents returns the events of tx, a transaction opened by GORM.
func NewEvents(tx *gorm.DB) *Events {
	d, err := newDialect(tx.Dialector.Name())
	return &Events{conn: tx.Statement.ConnPool, dialect: d, err: err}
}

// WakeAfterCommit makes the events leave the notification of their delivery
// jobs to w, which the caller sends once the transaction has committed.
func (e *Events) WakeAfterCommit(w *Wakeups) *Events {
	e.wake = w
	return e
}

// Prefetch implements domain.EventRepository.
func (e *Events) Prefetch(ctx context.Context) error {
	if e.err != nil || e.subs != nil {
		return e.err
	}
	subs, err := activeSubscriptions(ctx, e.conn, e.dialect)
	if err != nil {
		return err
	}
	e.subs = subs
	return nil
}

// Emit implements domain.EventRepository.
func (e *Events) Emit(ctx context.Context, eventType string, data any) error {
	if err := e.Prefetch(ctx); err != nil {
		return err
	}
	return emit(ctx, e.conn, e.dialect, e.wake, eventType, e.subs[eventType], data)
}

// emit writes an event of eventType for the subscriptions subs: nothing when
// there is none, otherwise three inserts (the event, its deliveries, their
// jobs) whatever their number, plus the wake-up of the workers on
// PostgreSQL (through w, or in the transaction when w is nil).
func emit(ctx context.Context, c conn, d dialect, w *Wakeups, eventType string, subs []int64, data any) error {
	if len(subs) == 0 {
		return nil
	}
	payload, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode %s event: %w", eventType, err)
	}
	eventID, err := insertID(ctx, c, d, `INSERT INTO webhook_events (type, data, created_at) VALUES (?, ?, {now})`,
		eventType, string(payload))
	if err != nil {
		return fmt.Errorf("record %s event: %w", eventType, err)
	}

	rows := strings.TrimSuffix(strings.Repeat(`(?, ?, 'pending', {now}, {now}),`, len(subs)), ",")
	args := make([]any, 0, 4*len(subs))
	for _, s := range subs {
		args = append(args, eventID, s)
	}
	if _, err := c.ExecContext(ctx, d.sql(`INSERT INTO webhook_deliveries
		(event_id, subscription_id, status, created_at, updated_at) VALUES `+rows), args...); err != nil {
		return fmt.Errorf("record deliveries of %s event %d: %w", eventType, eventID, err)
	}

	requestID := truncate(domain.RequestID(ctx), maxRequestID)
	rows = strings.TrimSuffix(strings.Repeat(`(?, ?, ?, {now}, ?),`, len(subs)), ",")
	args = args[:0]
	for _, s := range subs {
		p, _ := json.Marshal(domain.WebhookDeliverPayload{EventID: eventID, SubscriptionID: s}) // two ints: cannot fail
		args = append(args, domain.JobKindWebhookDeliver, string(p), domain.DefaultJobMaxAttempts, requestID)
	}
	if _, err := c.ExecContext(ctx, d.sql(`INSERT INTO jobs (kind, payload, max_attempts, run_at, request_id) VALUES `+rows), args...); err != nil {
		return fmt.Errorf("enqueue deliveries of %s event %d: %w", eventType, eventID, err)
	}
	if err := notify(ctx, c, d, w, domain.JobKindWebhookDeliver); err != nil {
		return fmt.Errorf("%s deliveries: %w", eventType, err)
	}
	return nil
}

// activeSubscriptions returns the ids of the active subscriptions by the
// event types they want (an empty map when there is none).
func activeSubscriptions(ctx context.Context, c conn, d dialect) (map[string][]int64, error) {
	rows, err := c.QueryContext(ctx, d.sql(`SELECT e.event_type, e.subscription_id FROM webhook_subscription_events e
		JOIN webhook_subscriptions s ON s.id = e.subscription_id
		WHERE s.active = ? ORDER BY e.subscription_id`), true)
	if err != nil {
		return nil, fmt.Errorf("read webhook subscriptions: %w", err)
	}
	defer rows.Close()
	subs := map[string][]int64{}
	for rows.Next() {
		var typ string
		var id int64
		if err := rows.Scan(&typ, &id); err != nil {
			return nil, err
		}
		subs[typ] = append(subs[typ], id)
	}
	return subs, rows.Err()
}

// emitJobDead emits job.dead for each of jobs (their errors in reasons)
// through c, with one read of the subscriptions.
func emitJobDead(ctx context.Context, c conn, d dialect, jobs []domain.Job, reasons []string) error {
	if len(jobs) == 0 {
		return nil
	}
	subs, err := activeSubscriptions(ctx, c, d)
	if err != nil {
		return err
	}
	for i, j := range jobs {
		if err := emit(ctx, c, d, nil, domain.EventJobDead, subs[domain.EventJobDead], jobDeadOf(j, reasons[i])); err != nil {
			return err
		}
	}
	return nil
}

// insertID runs an INSERT of one row and returns its id.
func insertID(ctx context.Context, c conn, d dialect, q string, args ...any) (int64, error) {
	var id int64
	if d.name == sqldialect.MySQL {
		res, err := c.ExecContext(ctx, d.sql(q), args...)
		if err != nil {
			return 0, err
		}
		return res.LastInsertId()
	}
	err := c.QueryRowContext(ctx, d.sql(q+` RETURNING id`), args...).Scan(&id)
	return id, err
}

// jobDead is the data of a job.dead event.
type jobDead struct {
	ID          int64  `json:"id"`
	Kind        string `json:"kind"`
	Attempt     int    `json:"attempt"`
	MaxAttempts int    `json:"max_attempts"`
	LastError   string `json:"last_error"`
	RequestID   string `json:"request_id"`
}

func jobDeadOf(j domain.Job, reason string) jobDead {
	return jobDead{ID: j.ID, Kind: j.Kind, Attempt: j.Attempt, MaxAttempts: j.MaxAttempts,
		LastError: truncate(reason, maxError), RequestID: j.RequestID}
}

// killDeliveries marks dead the deliveries of webhook.deliver jobs the queue
// leaves dead without their handler (the reaper), which would otherwise stay
// pending or retrying.
func killDeliveries(ctx context.Context, c conn, d dialect, jobs []domain.Job, reason string) error {
	for _, j := range jobs {
		var p domain.WebhookDeliverPayload
		if json.Unmarshal(j.Payload, &p) != nil {
			continue // no delivery to speak of
		}
		if _, err := c.ExecContext(ctx, d.sql(`UPDATE webhook_deliveries SET status = 'dead', error = ?, updated_at = {now}
			WHERE event_id = ? AND subscription_id = ? AND status IN ('pending', 'retrying')`),
			truncate(reason, maxError), p.EventID, p.SubscriptionID); err != nil {
			return fmt.Errorf("mark the delivery of job %d dead: %w", j.ID, err)
		}
	}
	return nil
}
