package queue_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/queue"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// A job killed dead emits job.dead in the transaction that kills it, with
// its delivery job; a dead webhook.deliver job emits nothing (no loops), nor
// does a kill whose lease was lost.
func TestKillEmitsJobDead(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			db := testdb.Migrated(t, dialect) // a subscription is global: a database of its own
			s := newStore(t, db)
			uow := gormdb.NewUnitOfWork(db.DB)
			sub := &domain.WebhookSubscription{URL: "https://receiver.example/", Events: []string{domain.EventJobDead}, Active: true,
				Secret: "whsec_x", CreatedAt: time.Now(), UpdatedAt: time.Now()}
			if err := uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error { return r.Webhooks.Create(ctx, sub) }); err != nil {
				t.Fatal(err)
			}
			events := func() []map[string]any {
				t.Helper()
				var rows []string
				if err := db.Gorm.Raw(`SELECT data FROM webhook_events WHERE type = ? ORDER BY id`, domain.EventJobDead).Scan(&rows).Error; err != nil {
					t.Fatal(err)
				}
				out := make([]map[string]any, len(rows))
				for i, r := range rows {
					if err := json.Unmarshal([]byte(r), &out[i]); err != nil {
						t.Fatal(err)
					}
				}
				return out
			}

			id := enqueue(t, db, domain.NewJob{Kind: "test.dead", RequestID: "req-dead"})
			j := claim(t, s, "test.dead", 1, time.Minute)[0]
			if err := s.Kill(ctx, j, "no luck"); err != nil {
				t.Fatal(err)
			}
			got := events()
			if len(got) != 1 || got[0]["id"] != float64(id) || got[0]["kind"] != "test.dead" || got[0]["last_error"] != "no luck" ||
				got[0]["request_id"] != "req-dead" || got[0]["attempt"] != float64(1) {
				t.Fatalf("job.dead events = %v", got)
			}
			var deliveries int64
			if err := db.Gorm.Table("jobs").Where("kind = ?", domain.JobKindWebhookDeliver).Count(&deliveries).Error; err != nil || deliveries != 1 {
				t.Fatalf("%d webhook.deliver jobs (%v), want 1", deliveries, err)
			}
			if err := s.Kill(ctx, j, "again"); !errors.Is(err, domain.ErrJobLeaseLost) || len(events()) != 1 {
				t.Fatalf("a lost lease: %v, events %d", err, len(events()))
			}

			// The reaper kills a job whose worker died on its last attempt: job.dead too.
			crashed := enqueue(t, db, domain.NewJob{Kind: "test.crashed", MaxAttempts: 1})
			claim(t, s, "test.crashed", 1, -time.Second) // a negative lease is already expired
			if _, err := s.Reap(ctx); err != nil {
				t.Fatal(err)
			}
			if got := events(); len(got) != 2 || got[1]["id"] != float64(crashed) || got[1]["last_error"] != queue.LeaseExpired {
				t.Fatalf("job.dead events after the reap = %v", got)
			}

			d := claim(t, s, domain.JobKindWebhookDeliver, 1, time.Minute)[0]
			if err := s.Kill(ctx, d, "receiver down"); err != nil {
				t.Fatal(err)
			}
			if n := len(events()); n != 2 {
				t.Fatalf("a dead delivery emitted job.dead (%d events)", n)
			}
			if r := readRow(t, db, d.ID); r.State != domain.JobDead {
				t.Fatalf("delivery job = %+v", r)
			}

			// A delivery job whose worker died on its last attempt: the reaper
			// leaves its delivery dead, and emits nothing.
			if err := db.Gorm.Exec(`UPDATE jobs SET max_attempts = 1 WHERE kind = ? AND state = 'available'`, domain.JobKindWebhookDeliver).Error; err != nil {
				t.Fatal(err)
			}
			lost := claim(t, s, domain.JobKindWebhookDeliver, 1, -time.Second)[0]
			if _, err := s.Reap(ctx); err != nil {
				t.Fatal(err)
			}
			var p domain.WebhookDeliverPayload
			if err := json.Unmarshal(lost.Payload, &p); err != nil {
				t.Fatal(err)
			}
			var status, lastError string
			if err := db.Gorm.Raw(`SELECT status, error FROM webhook_deliveries WHERE event_id = ? AND subscription_id = ?`, p.EventID, p.SubscriptionID).
				Row().Scan(&status, &lastError); err != nil {
				t.Fatal(err)
			}
			if status != domain.DeliveryDead || lastError != queue.LeaseExpired || len(events()) != 2 {
				t.Fatalf("reaped delivery: %s %q, %d job.dead events", status, lastError, len(events()))
			}
		})
	}
}

// countingConn counts the statements sent through a transaction.
type countingConn struct {
	tx    *sql.Tx
	reads int
	execs int
}

func (c *countingConn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	c.execs++
	return c.tx.ExecContext(ctx, q, args...)
}

func (c *countingConn) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	c.reads++
	return c.tx.QueryRowContext(ctx, q, args...)
}

func (c *countingConn) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	c.reads++
	return c.tx.QueryContext(ctx, q, args...)
}

// Emitting reads the subscriptions once per unit of work (Prefetch, before a
// change's locks), then costs nothing for a type no active subscription
// wants, and three inserts (plus PostgreSQL's wake-up) for one that several
// want.
func TestEmitStatements(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			db := testdb.Migrated(t, dialect)
			uow := gormdb.NewUnitOfWork(db.DB)
			for _, url := range []string{"https://a.example/", "https://b.example/"} {
				sub := &domain.WebhookSubscription{URL: url, Events: []string{domain.EventStockMoved}, Active: true,
					Secret: "whsec_x", CreatedAt: time.Now(), UpdatedAt: time.Now()}
				if err := uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error { return r.Webhooks.Create(ctx, sub) }); err != nil {
					t.Fatal(err)
				}
			}
			tx, err := db.SQL.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			c := &countingConn{tx: tx}
			ev := queue.NewEventsOn(c, dialect)
			if err := ev.Prefetch(ctx); err != nil || c.reads != 1 || c.execs != 0 {
				t.Fatalf("prefetch: %v, %d reads %d writes", err, c.reads, c.execs)
			}
			for range 3 {
				if err := ev.Emit(ctx, domain.EventProductCreated, map[string]int{"id": 1}); err != nil {
					t.Fatal(err)
				}
			}
			if c.reads != 1 || c.execs != 0 {
				t.Fatalf("events nobody wants: %d reads %d writes, want nothing more", c.reads, c.execs)
			}
			if err := ev.Emit(ctx, domain.EventStockMoved, map[string]int{"id": 1}); err != nil {
				t.Fatal(err)
			}
			want := 3
			if dialect == "postgres" {
				want++ // pg_notify
			}
			if c.reads+c.execs-1 != want {
				t.Fatalf("an event two subscriptions want: %d statements, want %d", c.reads+c.execs-1, want)
			}
			var deliveries, jobs int64
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM webhook_deliveries`).Scan(&deliveries); err != nil {
				t.Fatal(err)
			}
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE kind = 'webhook.deliver'`).Scan(&jobs); err != nil {
				t.Fatal(err)
			}
			if deliveries != 2 || jobs != 2 {
				t.Fatalf("%d deliveries, %d jobs; want 2 and 2", deliveries, jobs)
			}
		})
	}
}
