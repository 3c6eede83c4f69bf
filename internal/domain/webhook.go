package domain

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Webhook event types: what a subscription can ask for. A change emits its
// event in its own unit of work (EventRepository.Emit), so a change that
// rolls back emits nothing.
const (
	EventThirdPartyCreated           = "thirdparty.created"
	EventProductCreated              = "product.created"
	EventStockMoved                  = "stock.moved"
	EventProposalValidated           = "proposal.validated"
	EventOrderValidated              = "order.validated"
	EventInvoiceValidated            = "invoice.validated"
	EventCreditNoteValidated         = "credit_note.validated"
	EventDownPaymentValidated        = "down_payment.validated"
	EventInvoicePaid                 = "invoice.paid"
	EventPaymentCreated              = "payment.created"
	EventPurchaseOrderValidated      = "purchase_order.validated"
	EventReceptionCreated            = "reception.created"
	EventSupplierInvoiceValidated    = "supplier_invoice.validated"
	EventSupplierCreditNoteValidated = "supplier_credit_note.validated"
	EventJobDead                     = "job.dead"
)

// WebhookEventTypes lists every event type, in the order the documentation
// gives them.
func WebhookEventTypes() []string {
	return []string{
		EventThirdPartyCreated, EventProductCreated, EventStockMoved,
		EventProposalValidated, EventOrderValidated, EventInvoiceValidated, EventCreditNoteValidated,
		EventDownPaymentValidated, EventInvoicePaid, EventPaymentCreated,
		EventPurchaseOrderValidated, EventReceptionCreated, EventSupplierInvoiceValidated,
		EventSupplierCreditNoteValidated, EventJobDead,
	}
}

// ValidatedEvent is the event type a document of type t emits when it is
// validated: "<type>.validated".
func ValidatedEvent(t DocType) string { return string(t) + ".validated" }

// EventRepository emits webhook events in the unit of work's transaction.
type EventRepository interface {
	// Prefetch reads the active subscriptions, once per unit of work: a
	// change calls it before taking its row locks, so that its Emits add no
	// round trip while it holds them (Emit reads them itself otherwise).
	Prefetch(ctx context.Context) error
	// Emit records an event of eventType with data (marshalled to JSON) for
	// every active subscription to that type, each with its delivery job, in
	// the caller's transaction. It writes nothing when no active subscription
	// wants the type, so it is cheap on the paths that emit often.
	Emit(ctx context.Context, eventType string, data any) error
}

// Limits of a webhook subscription.
const (
	MaxWebhookURLLen = 2048
	// MaxWebhookResponseBody is how much of a receiver's answer a delivery
	// keeps (bytes).
	MaxWebhookResponseBody = 2048
)

// WebhookSubscription is a receiver of events: a URL, the event types it
// wants, and the secret its deliveries are signed with (shown once, when the
// subscription is created).
type WebhookSubscription struct {
	ID        int64
	URL       string
	Events    []string // sorted, unique
	Active    bool
	Secret    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Check validates the subscription's own fields (whether the URL's host is
// a public address is the target guard's business) and sorts its events.
// Never nil.
func (s *WebhookSubscription) Check() *ValidationError {
	v := &ValidationError{}
	if msg := checkWebhookURL(s.URL); msg != "" {
		v.Add("url", "%s", msg)
	}
	if len(s.Events) == 0 {
		v.Add("events", "must name at least one event type")
	}
	known := WebhookEventTypes()
	for i, e := range s.Events {
		if !slices.Contains(known, e) {
			v.Add("events["+strconv.Itoa(i)+"]", "unknown event type %q (one of %s)", e, strings.Join(known, ", "))
		}
	}
	s.Events = slices.Compact(slices.Sorted(slices.Values(s.Events)))
	return v
}

func checkWebhookURL(raw string) string {
	if raw == "" {
		return "is required"
	}
	if utf8.RuneCountInString(raw) > MaxWebhookURLLen {
		return "must be at most " + strconv.Itoa(MaxWebhookURLLen) + " characters"
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil || !u.IsAbs():
		return "must be an absolute http or https URL"
	case u.Scheme != "http" && u.Scheme != "https":
		return "must use http or https"
	case u.Hostname() == "":
		return "must name a host"
	case u.User != nil:
		return "must not carry credentials"
	case u.Fragment != "":
		return "must not have a fragment"
	}
	return ""
}

// WebhookSubscriptionPatch is a partial update; nil fields stay.
type WebhookSubscriptionPatch struct {
	URL    *string
	Events *[]string
	Active *bool
}

// Apply changes s as the patch says and validates the result.
func (s *WebhookSubscription) Apply(p WebhookSubscriptionPatch) error {
	patchField(&s.URL, p.URL)
	patchField(&s.Events, p.Events)
	patchField(&s.Active, p.Active)
	return s.Check().OrNil()
}

// States of a delivery: pending (its job waits for its first run, or for a
// redelivery), retrying (an attempt failed; the job will run again after its
// backoff), delivered (the receiver answered 2xx) and dead (the last attempt
// failed, or the subscription is gone or inactive).
const (
	DeliveryPending   = "pending"
	DeliveryRetrying  = "retrying"
	DeliveryDelivered = "delivered"
	DeliveryDead      = "dead"
)

// WebhookDelivery is one event sent (or to be sent) to one subscription.
type WebhookDelivery struct {
	ID             int64
	SubscriptionID int64
	EventID        int64
	EventType      string
	Status         string
	Attempts       int
	ResponseCode   int    // 0: no answer (yet)
	ResponseBody   string // at most MaxWebhookResponseBody bytes of it
	Error          string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	DeliveredAt    *time.Time
}

// WebhookEvent is an emitted event: its data is the JSON the change wrote.
type WebhookEvent struct {
	ID        int64
	Type      string
	Data      []byte // JSON
	CreatedAt time.Time
}

// JobKindWebhookDeliver sends one delivery: payload WebhookDeliverPayload.
const JobKindWebhookDeliver = "webhook.deliver"

// WebhookDeliverPayload is the payload of a webhook.deliver job: the event
// and the subscription name the delivery (one per pair).
type WebhookDeliverPayload struct {
	EventID        int64 `json:"event_id"`
	SubscriptionID int64 `json:"subscription_id"`
}

// WebhookSignatureHeader carries a delivery's signature.
const WebhookSignatureHeader = "Doligo-Signature"

// WebhookSignature is the value of the Doligo-Signature header of body sent
// at unix time t: "t=<t>,v1=<hex HMAC-SHA256 of "<t>.<body>" keyed with the
// secret>".
func WebhookSignature(secret string, t int64, body []byte) string {
	ts := strconv.FormatInt(t, 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}

// WebhookReader is the read side of WebhookRepository.
type WebhookReader interface {
	// Get returns NotFound when no subscription has the id.
	Get(ctx context.Context, id int64) (*WebhookSubscription, error)
	List(ctx context.Context, q ListQuery) (Page[*WebhookSubscription], error)
	// Deliveries lists a subscription's deliveries, newest first.
	Deliveries(ctx context.Context, subscriptionID int64, q ListQuery) (Page[*WebhookDelivery], error)
	// Delivery returns NotFound unless the subscription has the delivery.
	Delivery(ctx context.Context, subscriptionID, id int64) (*WebhookDelivery, error)
	// DeliveryOf returns the delivery of an event to a subscription.
	DeliveryOf(ctx context.Context, eventID, subscriptionID int64) (*WebhookDelivery, error)
	// Event returns NotFound when no event has the id.
	Event(ctx context.Context, id int64) (*WebhookEvent, error)
}

// WebhookRepository stores subscriptions and the outcome of deliveries.
type WebhookRepository interface {
	WebhookReader
	// Create inserts s with its events and sets its ID.
	Create(ctx context.Context, s *WebhookSubscription) error
	// Lock is Get that also locks the row until the unit of work ends.
	Lock(ctx context.Context, id int64) (*WebhookSubscription, error)
	// Save writes the URL, events, active flag and update time.
	Save(ctx context.Context, s *WebhookSubscription) error
	// Delete removes a subscription with its deliveries.
	Delete(ctx context.Context, id int64) error
	// SaveDelivery writes the status, attempts, answer, error and times of d.
	SaveDelivery(ctx context.Context, d *WebhookDelivery) error
}

// WebhookSortFields and WebhookDeliverySortFields are the fields the lists may be sorted by.
var (
	WebhookSortFields         = []string{"id", "created_at", "updated_at"}
	WebhookDeliverySortFields = []string{"id", "created_at", "updated_at"}
)
