package queue_test

import (
	"context"
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
		})
	}
}
