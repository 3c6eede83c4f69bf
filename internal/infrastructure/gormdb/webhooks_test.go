package gormdb_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// A subscription's deliveries list like every list: counted pages, newest
// first unless sorted, and, for the CSV exports, a stream of the same rows
// in the same order (Page.Rows, no count) read from the database as the
// caller ranges, with each delivery's event type from the join.
func TestWebhookDeliveriesListAndStream(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		uow := gormdb.NewUnitOfWork(db.DB)
		now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
		subs := []*domain.WebhookSubscription{
			{URL: "https://a.example/hook", Secret: "whsec_a", Active: true, CreatedAt: now, UpdatedAt: now},
			{URL: "https://b.example/hook", Secret: "whsec_b", Active: true, CreatedAt: now, UpdatedAt: now},
		}
		if err := uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
			for _, s := range subs {
				if err := r.Webhooks.Create(ctx, s); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		// Deliveries of a (updated in another order than created, two
		// updated at the same time) with one of b's in between.
		types := []string{"invoice.paid", "product.created", "invoice.paid", "stock.moved", "job.dead", "thirdparty.created"}
		updated := []int{4, 1, 1, 0, 3, 1}
		var ids []int64 // of a's deliveries, in creation order
		for i, typ := range types {
			sub := subs[0].ID
			if i == 2 {
				sub = subs[1].ID
			}
			if err := db.Gorm.Exec(`INSERT INTO webhook_events (type, data, created_at) VALUES (?, ?, ?)`, typ, `{}`, now).Error; err != nil {
				t.Fatal(err)
			}
			var event int64
			if err := db.Gorm.Raw(`SELECT MAX(id) FROM webhook_events`).Scan(&event).Error; err != nil {
				t.Fatal(err)
			}
			if err := db.Gorm.Exec(`INSERT INTO webhook_deliveries (subscription_id, event_id, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?)`,
				sub, event, domain.DeliveryPending, now.Add(time.Duration(i)*time.Minute), now.Add(time.Duration(updated[i])*time.Hour)).Error; err != nil {
				t.Fatal(err)
			}
			if sub == subs[0].ID {
				var id int64
				if err := db.Gorm.Raw(`SELECT id FROM webhook_deliveries WHERE event_id = ?`, event).Scan(&id).Error; err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
		}
		d0, d1, d3, d4, d5 := ids[0], ids[1], ids[2], ids[3], ids[4]
		typeOf := map[int64]string{d0: types[0], d1: types[1], d3: types[3], d4: types[4], d5: types[5]}

		for _, c := range []struct {
			q    domain.ListQuery
			want []int64
		}{
			{domain.ListQuery{}, []int64{d5, d4, d3, d1, d0}},
			{domain.ListQuery{Sort: "id"}, []int64{d0, d1, d3, d4, d5}},
			{domain.ListQuery{Sort: "updated_at"}, []int64{d3, d1, d5, d4, d0}},
			{domain.ListQuery{Sort: "updated_at", Desc: true}, []int64{d0, d4, d5, d1, d3}},
			{domain.ListQuery{Sort: "created_at", Limit: 2, Offset: 1}, []int64{d1, d3}},
			{domain.ListQuery{Offset: 3}, []int64{d1, d0}},
			{domain.ListQuery{Sort: "nope", Limit: 1}, []int64{d5}},
		} {
			err := uow.Read(ctx, func(ctx context.Context, r domain.Readers) error {
				page, err := r.Webhooks.Deliveries(ctx, subs[0].ID, c.q)
				if err != nil {
					t.Fatalf("%+v: %v", c.q, err)
				}
				var listed []int64
				for _, d := range page.Items {
					listed = append(listed, d.ID)
					if d.EventType != typeOf[d.ID] || d.SubscriptionID != subs[0].ID || d.Status != domain.DeliveryPending {
						t.Errorf("%+v: delivery %+v", c.q, d)
					}
				}
				if page.Total != 5 || page.Rows != nil || !slices.Equal(listed, c.want) {
					t.Errorf("%+v: page of %v, total %d (streamed: %v), want %v of 5", c.q, listed, page.Total, page.Rows != nil, c.want)
				}

				q := c.q
				q.Stream = true
				stream, err := r.Webhooks.Deliveries(ctx, subs[0].ID, q)
				if err != nil {
					t.Fatalf("stream %+v: %v", q, err)
				}
				if stream.Rows == nil || stream.Items != nil || stream.Total != 0 {
					t.Fatalf("stream %+v: not streamed: %d items read whole, total %d", q, len(stream.Items), stream.Total)
				}
				var streamed []int64
				for d, err := range stream.Rows {
					if err != nil {
						t.Fatalf("stream %+v: %v", q, err)
					}
					if d.EventType != typeOf[d.ID] {
						t.Errorf("stream %+v: delivery %d has event type %q, want %q", q, d.ID, d.EventType, typeOf[d.ID])
					}
					streamed = append(streamed, d.ID)
				}
				if !slices.Equal(streamed, c.want) {
					t.Errorf("stream %+v: %v, want %v", q, streamed, c.want)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	})
}
