package gormdb

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/doligo/doligo/internal/domain"
)

// webhookModel is a row of webhook_subscriptions; its event types are rows
// of webhook_subscription_events, which the emitters look up by type.
type webhookModel struct {
	ID        int64 `gorm:"primaryKey"`
	URL       string
	Secret    string
	Active    bool
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
}

func (webhookModel) TableName() string { return "webhook_subscriptions" }

type webhookEventTypeModel struct {
	SubscriptionID int64  `gorm:"primaryKey;autoIncrement:false"`
	EventType      string `gorm:"primaryKey"`
}

func (webhookEventTypeModel) TableName() string { return "webhook_subscription_events" }

// webhookDeliveryModel is a row of webhook_deliveries, read with its event's
// type.
type webhookDeliveryModel struct {
	ID             int64 `gorm:"primaryKey"`
	SubscriptionID int64
	EventID        int64
	EventType      string `gorm:"->;column:event_type"`
	Status         string
	Attempts       int
	ResponseCode   sql.NullInt64
	ResponseBody   string
	Error          string
	CreatedAt      time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt      time.Time `gorm:"autoUpdateTime:false"`
	DeliveredAt    *time.Time
}

func (webhookDeliveryModel) TableName() string { return "webhook_deliveries" }

func (m webhookDeliveryModel) delivery() *domain.WebhookDelivery {
	d := &domain.WebhookDelivery{
		ID: m.ID, SubscriptionID: m.SubscriptionID, EventID: m.EventID, EventType: m.EventType, Status: m.Status,
		Attempts: m.Attempts, ResponseCode: int(m.ResponseCode.Int64), ResponseBody: m.ResponseBody, Error: m.Error,
		CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
	}
	if m.DeliveredAt != nil {
		t := m.DeliveredAt.UTC()
		d.DeliveredAt = &t
	}
	return d
}

type webhookEventModel struct {
	ID        int64 `gorm:"primaryKey"`
	Type      string
	Data      string
	CreatedAt time.Time
}

func (webhookEventModel) TableName() string { return "webhook_events" }

type webhookRepo struct{ db *gorm.DB }

func (r *webhookRepo) Create(ctx context.Context, s *domain.WebhookSubscription) error {
	m := webhookModel{URL: s.URL, Secret: s.Secret, Active: s.Active, CreatedAt: dbTime(s.CreatedAt), UpdatedAt: dbTime(s.UpdatedAt)}
	if err := r.db.WithContext(ctx).Create(&m).Error; err != nil {
		return fmt.Errorf("create webhook subscription: %w", err)
	}
	s.ID = m.ID
	return r.writeEvents(ctx, s)
}

// writeEvents replaces the event types of s.
func (r *webhookRepo) writeEvents(ctx context.Context, s *domain.WebhookSubscription) error {
	db := r.db.WithContext(ctx)
	if err := db.Where("subscription_id = ?", s.ID).Delete(&webhookEventTypeModel{}).Error; err != nil {
		return fmt.Errorf("write events of webhook subscription %d: %w", s.ID, err)
	}
	rows := make([]webhookEventTypeModel, len(s.Events))
	for i, e := range s.Events {
		rows[i] = webhookEventTypeModel{SubscriptionID: s.ID, EventType: e}
	}
	if len(rows) == 0 {
		return nil
	}
	if err := db.Create(&rows).Error; err != nil {
		return fmt.Errorf("write events of webhook subscription %d: %w", s.ID, err)
	}
	return nil
}

func (r *webhookRepo) Get(ctx context.Context, id int64) (*domain.WebhookSubscription, error) {
	return r.take(ctx, r.db.WithContext(ctx), id)
}

func (r *webhookRepo) Lock(ctx context.Context, id int64) (*domain.WebhookSubscription, error) {
	return r.take(ctx, r.db.WithContext(ctx).Clauses(clause.Locking{Strength: clause.LockingStrengthUpdate}), id)
}

func (r *webhookRepo) take(ctx context.Context, db *gorm.DB, id int64) (*domain.WebhookSubscription, error) {
	var m webhookModel
	if err := takeOne(db.Where("id = ?", id), &m, "webhook", id); err != nil {
		return nil, err
	}
	subs, err := r.withEvents(ctx, []webhookModel{m})
	if err != nil {
		return nil, err
	}
	return subs[0], nil
}

// subscription is m without its event types (withEvents adds them).
func (m webhookModel) subscription() *domain.WebhookSubscription {
	return &domain.WebhookSubscription{
		ID: m.ID, URL: m.URL, Secret: m.Secret, Active: m.Active,
		CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
	}
}

// withEvents returns the subscriptions of the rows with their event types.
func (r *webhookRepo) withEvents(ctx context.Context, rows []webhookModel) ([]*domain.WebhookSubscription, error) {
	out := make([]*domain.WebhookSubscription, len(rows))
	for i, m := range rows {
		out[i] = m.subscription()
	}
	return out, r.addEvents(ctx, out)
}

// addEvents reads the event types of subs.
func (r *webhookRepo) addEvents(ctx context.Context, subs []*domain.WebhookSubscription) error {
	if len(subs) == 0 {
		return nil
	}
	ids := make([]int64, len(subs))
	for i, s := range subs {
		ids[i] = s.ID
	}
	var types []webhookEventTypeModel
	if err := r.db.WithContext(ctx).Where("subscription_id IN ?", ids).Order("subscription_id, event_type").Find(&types).Error; err != nil {
		return fmt.Errorf("read events of webhook subscriptions: %w", err)
	}
	events := map[int64][]string{}
	for _, t := range types {
		events[t.SubscriptionID] = append(events[t.SubscriptionID], t.EventType)
	}
	for _, s := range subs {
		s.Events = slices.Clip(events[s.ID])
	}
	return nil
}

func (r *webhookRepo) List(ctx context.Context, q domain.ListQuery) (domain.Page[*domain.WebhookSubscription], error) {
	filtered := func() *gorm.DB { return r.db.WithContext(ctx).Model(&webhookModel{}) }
	cols := map[string]string{"id": "id", "created_at": "created_at", "updated_at": "updated_at"}
	// Without the secrets: a list never shows them, streamed rows included.
	page, err := listPage(filtered, q, cols, false, func(m webhookModel) (*domain.WebhookSubscription, error) {
		m.Secret = ""
		return m.subscription(), nil
	})
	if err != nil {
		return page, fmt.Errorf("list webhook subscriptions: %w", err)
	}
	// A streamed subscription carries its own row only (no event types).
	return page, r.addEvents(ctx, page.Items)
}

func (r *webhookRepo) Save(ctx context.Context, s *domain.WebhookSubscription) error {
	err := r.db.WithContext(ctx).Model(&webhookModel{}).Where("id = ?", s.ID).Updates(map[string]any{
		"url": s.URL, "active": s.Active, "updated_at": dbTime(s.UpdatedAt),
	}).Error
	if err != nil {
		return fmt.Errorf("update webhook subscription %d: %w", s.ID, err)
	}
	return r.writeEvents(ctx, s)
}

func (r *webhookRepo) Delete(ctx context.Context, id int64) error {
	db := r.db.WithContext(ctx)
	if err := db.Where("subscription_id = ?", id).Delete(&webhookDeliveryModel{}).Error; err != nil {
		return fmt.Errorf("delete deliveries of webhook subscription %d: %w", id, err)
	}
	res := db.Where("id = ?", id).Delete(&webhookModel{})
	if res.Error != nil {
		return fmt.Errorf("delete webhook subscription %d: %w", id, res.Error)
	}
	if res.RowsAffected == 0 {
		return domain.NotFound("webhook", id)
	}
	return nil
}

// deliveries reads deliveries with their event's type.
func (r *webhookRepo) deliveries(ctx context.Context) *gorm.DB {
	return r.db.WithContext(ctx).Table("webhook_deliveries d").
		Select("d.*, e.type AS event_type").Joins("JOIN webhook_events e ON e.id = d.event_id")
}

// Deliveries lists a subscription's deliveries, newest first by default. The
// rows come from a derived table of the deliveries with their event's type,
// so listPage's sort and tie-breaker columns are the delivery's own
// (unambiguous) and a CSV export streams like every list.
func (r *webhookRepo) Deliveries(ctx context.Context, subscriptionID int64, q domain.ListQuery) (domain.Page[*domain.WebhookDelivery], error) {
	filtered := func() *gorm.DB {
		return r.db.WithContext(ctx).Table("(?) AS d", r.deliveries(ctx).Where("d.subscription_id = ?", subscriptionID))
	}
	cols := map[string]string{"id": "id", "created_at": "created_at", "updated_at": "updated_at"}
	page, err := listPage(filtered, q, cols, true, infallible(webhookDeliveryModel.delivery))
	if err != nil {
		return page, fmt.Errorf("list deliveries of webhook subscription %d: %w", subscriptionID, err)
	}
	return page, nil
}

func (r *webhookRepo) Delivery(ctx context.Context, subscriptionID, id int64) (*domain.WebhookDelivery, error) {
	var m webhookDeliveryModel
	if err := takeOne(r.deliveries(ctx).Where("d.id = ? AND d.subscription_id = ?", id, subscriptionID), &m, "delivery", id); err != nil {
		return nil, err
	}
	return m.delivery(), nil
}

func (r *webhookRepo) DeliveryOf(ctx context.Context, eventID, subscriptionID int64) (*domain.WebhookDelivery, error) {
	var m webhookDeliveryModel
	err := takeOne(r.deliveries(ctx).Where("d.event_id = ? AND d.subscription_id = ?", eventID, subscriptionID), &m,
		fmt.Sprintf("delivery of event %d to webhook", eventID), subscriptionID)
	if err != nil {
		return nil, err
	}
	return m.delivery(), nil
}

func (r *webhookRepo) Event(ctx context.Context, id int64) (*domain.WebhookEvent, error) {
	var m webhookEventModel
	if err := takeOne(r.db.WithContext(ctx).Where("id = ?", id), &m, "event", id); err != nil {
		return nil, err
	}
	return &domain.WebhookEvent{ID: m.ID, Type: m.Type, Data: []byte(m.Data), CreatedAt: m.CreatedAt.UTC()}, nil
}

func (r *webhookRepo) SaveDelivery(ctx context.Context, d *domain.WebhookDelivery) error {
	code := sql.NullInt64{Int64: int64(d.ResponseCode), Valid: d.ResponseCode != 0}
	var delivered *time.Time
	if d.DeliveredAt != nil {
		t := dbTime(*d.DeliveredAt)
		delivered = &t
	}
	err := r.db.WithContext(ctx).Model(&webhookDeliveryModel{}).Where("id = ?", d.ID).Updates(map[string]any{
		"status": d.Status, "attempts": d.Attempts, "response_code": code, "response_body": d.ResponseBody,
		"error": d.Error, "updated_at": dbTime(d.UpdatedAt), "delivered_at": delivered,
	}).Error
	if err != nil {
		return fmt.Errorf("update webhook delivery %d: %w", d.ID, err)
	}
	return nil
}
