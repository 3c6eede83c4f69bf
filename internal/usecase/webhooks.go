package usecase

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/doligo/doligo/internal/domain"
)

// WebhookClient is what webhooks need of the outside world
// (infrastructure/webhook.Client): a guard that refuses targets which are
// not public addresses, and the POST of a delivery (no redirects followed,
// the answer's body cut short, one timeout per request).
type WebhookClient interface {
	CheckTarget(ctx context.Context, target string) error
	Post(ctx context.Context, target string, headers map[string]string, body []byte) (status int, answer []byte, err error)
}

// WebhookService manages webhook subscriptions and sends their deliveries
// (the webhook.deliver jobs).
type WebhookService struct {
	uow    domain.UnitOfWork
	client WebhookClient
	now    func() time.Time
}

// NewWebhookService returns a WebhookService; now is its clock.
func NewWebhookService(uow domain.UnitOfWork, client WebhookClient, now func() time.Time) *WebhookService {
	return &WebhookService{uow: uow, client: client, now: now}
}

// checkTarget turns a refused target into a 422 naming url.
func (s *WebhookService) checkTarget(ctx context.Context, target string) error {
	if err := s.client.CheckTarget(ctx, target); err != nil {
		return (&domain.ValidationError{}).Add("url", "must reach a public address: %v", err)
	}
	return nil
}

// newWebhookSecret returns 32 random bytes, hex, with a prefix that tells
// what it is when it turns up in a configuration file.
func newWebhookSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return "whsec_" + hex.EncodeToString(b)
}

// Create validates and stores a subscription with a new secret: the returned
// subscription is the only one that carries it.
func (s *WebhookService) Create(ctx context.Context, sub *domain.WebhookSubscription) error {
	if err := sub.Check().OrNil(); err != nil {
		return err
	}
	if err := s.checkTarget(ctx, sub.URL); err != nil {
		return err
	}
	sub.Secret = newWebhookSecret()
	sub.CreatedAt = stamp(s.now())
	sub.UpdatedAt = sub.CreatedAt
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		if err := r.Webhooks.Create(ctx, sub); err != nil {
			return err
		}
		return audited(ctx, r, "webhook.create", "webhook", sub.ID, nil, sub) // Diff leaves the secret out
	})
}

// Get returns a subscription (its Secret is cleared: shown once only).
func (s *WebhookService) Get(ctx context.Context, id int64) (*domain.WebhookSubscription, error) {
	sub, err := unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (*domain.WebhookSubscription, error) {
		return r.Webhooks.Get(ctx, id)
	})
	if err != nil {
		return nil, err
	}
	sub.Secret = ""
	return sub, nil
}

// List lists subscriptions, without their secrets.
func (s *WebhookService) List(ctx context.Context, q domain.ListQuery) (domain.Page[*domain.WebhookSubscription], error) {
	page, err := unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Page[*domain.WebhookSubscription], error) {
		return r.Webhooks.List(ctx, q)
	})
	for _, sub := range page.Items {
		sub.Secret = ""
	}
	return page, err
}

// Update applies a partial update under the subscription's row lock; a new
// URL is checked like a new subscription's.
func (s *WebhookService) Update(ctx context.Context, id int64, patch domain.WebhookSubscriptionPatch) (*domain.WebhookSubscription, error) {
	if patch.URL != nil {
		probe := domain.WebhookSubscription{URL: *patch.URL, Events: []string{domain.EventJobDead}}
		if err := probe.Check().OrNil(); err != nil {
			return nil, err
		}
		if err := s.checkTarget(ctx, *patch.URL); err != nil {
			return nil, err
		}
	}
	sub, err := unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.WebhookSubscription, error) {
		sub, err := r.Webhooks.Lock(ctx, id)
		if err != nil {
			return nil, err
		}
		before := *sub
		if err := sub.Apply(patch); err != nil {
			return nil, err
		}
		sub.UpdatedAt = stamp(s.now())
		if err := r.Webhooks.Save(ctx, sub); err != nil {
			return nil, err
		}
		return sub, audited(ctx, r, "webhook.update", "webhook", sub.ID, &before, sub)
	})
	if err != nil {
		return nil, err
	}
	sub.Secret = ""
	return sub, nil
}

// Delete removes a subscription and its deliveries; jobs still queued for it
// end at their next run.
func (s *WebhookService) Delete(ctx context.Context, id int64) error {
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		sub, err := r.Webhooks.Lock(ctx, id)
		if err != nil {
			return err
		}
		if err := r.Webhooks.Delete(ctx, id); err != nil {
			return err
		}
		return audited(ctx, r, "webhook.delete", "webhook", id, sub, nil)
	})
}

// Deliveries lists a subscription's deliveries, newest first.
func (s *WebhookService) Deliveries(ctx context.Context, id int64, q domain.ListQuery) (domain.Page[*domain.WebhookDelivery], error) {
	return unitRead(ctx, s.uow, func(ctx context.Context, r domain.Readers) (domain.Page[*domain.WebhookDelivery], error) {
		if _, err := r.Webhooks.Get(ctx, id); err != nil {
			return domain.Page[*domain.WebhookDelivery]{}, err
		}
		return r.Webhooks.Deliveries(ctx, id, q)
	})
}

// Redeliver sends a delivered or dead delivery again: the same delivery row
// goes back to pending (its attempts keep counting) with a new
// webhook.deliver job, which has the ordinary retries. A delivery still
// pending or retrying is 409 delivery-in-progress.
func (s *WebhookService) Redeliver(ctx context.Context, subscriptionID, id int64) (*domain.WebhookDelivery, error) {
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (*domain.WebhookDelivery, error) {
		if _, err := r.Webhooks.Lock(ctx, subscriptionID); err != nil { // one redelivery at a time
			return nil, err
		}
		d, err := r.Webhooks.Delivery(ctx, subscriptionID, id)
		if err != nil {
			return nil, err
		}
		if d.Status == domain.DeliveryPending || d.Status == domain.DeliveryRetrying {
			return nil, domain.Conflictf("delivery-in-progress", "delivery %d is %s: its job will run again", d.ID, d.Status)
		}
		before := d.Status
		d.Status, d.Error, d.UpdatedAt = domain.DeliveryPending, "", stamp(s.now())
		if err := r.Webhooks.SaveDelivery(ctx, d); err != nil {
			return nil, err
		}
		if _, err := r.Outbox.Enqueue(ctx, domain.NewJob{Kind: domain.JobKindWebhookDeliver,
			Payload: domain.WebhookDeliverPayload{EventID: d.EventID, SubscriptionID: d.SubscriptionID}}); err != nil {
			return nil, err
		}
		return d, auditedField(ctx, r, "webhook.redeliver", "webhook_delivery", d.ID, "status", before, d.Status)
	})
}

// webhookBody is what a receiver gets.
type webhookBody struct {
	ID        int64           `json:"id"`
	Type      string          `json:"type"`
	CreatedAt time.Time       `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

// recordTimeout bounds writing a delivery's outcome, which must be written
// even when the request used the whole task's time.
const recordTimeout = 10 * time.Second

// DeliverJob is the handler of webhook.deliver jobs: it signs the event and
// POSTs it to the subscription's URL, and records the attempt on the
// delivery. A 2xx answer is delivered; anything else, or no answer, fails
// the run, which the job's retries (with backoff) run again, and the last
// attempt leaves the delivery dead. A subscription deleted or made inactive
// meanwhile ends the job at once (its delivery dead).
func (s *WebhookService) DeliverJob(ctx context.Context, j domain.Job) error {
	var p domain.WebhookDeliverPayload
	if err := json.Unmarshal(j.Payload, &p); err != nil || p.EventID <= 0 || p.SubscriptionID <= 0 {
		return fmt.Errorf("%w: bad webhook.deliver payload %s", domain.ErrJobPermanent, j.Payload)
	}
	var sub *domain.WebhookSubscription
	var ev *domain.WebhookEvent
	var d *domain.WebhookDelivery
	err := s.uow.Read(ctx, func(ctx context.Context, r domain.Readers) error {
		var err error
		if sub, err = r.Webhooks.Get(ctx, p.SubscriptionID); err != nil {
			return err
		}
		if d, err = r.Webhooks.DeliveryOf(ctx, p.EventID, p.SubscriptionID); err != nil {
			return err
		}
		ev, err = r.Webhooks.Event(ctx, p.EventID)
		return err
	})
	if errors.Is(err, domain.ErrNotFound) { // the subscription was deleted, with its deliveries
		return fmt.Errorf("%w: %w", domain.ErrJobPermanent, err)
	}
	if err != nil {
		return err
	}
	if !sub.Active {
		d.Status, d.Error = domain.DeliveryDead, "the subscription is inactive"
		return errors.Join(fmt.Errorf("%w: webhook %d is inactive", domain.ErrJobPermanent, sub.ID), s.record(ctx, d))
	}

	body, err := json.Marshal(webhookBody{ID: ev.ID, Type: ev.Type, CreatedAt: ev.CreatedAt, Data: ev.Data})
	if err != nil {
		return fmt.Errorf("%w: encode event %d: %w", domain.ErrJobPermanent, ev.ID, err)
	}
	now := s.now()
	status, answer, postErr := s.client.Post(ctx, sub.URL, map[string]string{
		domain.WebhookSignatureHeader: domain.WebhookSignature(sub.Secret, now.Unix(), body),
		"Doligo-Event":                ev.Type,
		"Doligo-Delivery":             strconv.FormatInt(d.ID, 10),
	}, body)

	d.Attempts++
	d.ResponseCode, d.ResponseBody = status, cleanText(answer, domain.MaxWebhookResponseBody)
	var failure error
	switch {
	case postErr != nil:
		failure = fmt.Errorf("no answer from the receiver: %w", postErr)
	case status < 200 || status > 299:
		failure = fmt.Errorf("the receiver answered %d", status)
	}
	switch {
	case failure == nil:
		delivered := stamp(s.now())
		d.Status, d.Error, d.DeliveredAt = domain.DeliveryDelivered, "", &delivered
	case j.Attempt >= j.MaxAttempts:
		d.Status, d.Error = domain.DeliveryDead, cleanText([]byte(failure.Error()), 2000)
	default:
		d.Status, d.Error = domain.DeliveryRetrying, cleanText([]byte(failure.Error()), 2000)
	}
	if err := s.record(ctx, d); err != nil {
		return errors.Join(failure, err)
	}
	return failure
}

// record writes a delivery's outcome, on a context the task's deadline does
// not cut.
func (s *WebhookService) record(ctx context.Context, d *domain.WebhookDelivery) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	d.UpdatedAt = stamp(s.now())
	return s.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		return r.Webhooks.SaveDelivery(ctx, d)
	})
}

// cleanText is b as text a database stores: valid UTF-8 without NUL, at
// most max bytes.
func cleanText(b []byte, max int) string {
	if len(b) > max {
		b = b[:max]
	}
	s := strings.ToValidUTF8(string(b), "")
	return strings.ReplaceAll(s, "\x00", "")
}
