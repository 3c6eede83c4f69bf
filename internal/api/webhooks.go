package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

// webhookRequest is the body of POST (active defaults to true) and PATCH
// (absent fields stay) /webhooks.
type webhookRequest struct {
	URL    *string   `json:"url"`
	Events *[]string `json:"events"`
	Active *bool     `json:"active"`
}

func (r *webhookRequest) toSubscription() *domain.WebhookSubscription {
	s := &domain.WebhookSubscription{URL: valueOr(r.URL, ""), Active: valueOr(r.Active, true)}
	if r.Events != nil {
		s.Events = *r.Events
	}
	return s
}

type webhookResponse struct {
	ID        int64     `json:"id"`
	URL       string    `json:"url"`
	Events    []string  `json:"events"`
	Active    bool      `json:"active"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toWebhookResponse(s *domain.WebhookSubscription) webhookResponse {
	events := s.Events
	if events == nil {
		events = []string{}
	}
	return webhookResponse{ID: s.ID, URL: s.URL, Events: events, Active: s.Active,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

// webhookCreatedResponse is the one answer that shows the secret: the
// creation's. No other response type has the field, so no list, GET or CSV
// export can show it.
type webhookCreatedResponse struct {
	webhookResponse
	Secret string `json:"secret"`
}

type webhookDeliveryResponse struct {
	ID             int64      `json:"id"`
	SubscriptionID int64      `json:"webhook_id"`
	EventID        int64      `json:"event_id"`
	EventType      string     `json:"event_type"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	ResponseCode   *int       `json:"response_code"`
	ResponseBody   string     `json:"response_body"`
	Error          string     `json:"error"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	DeliveredAt    *time.Time `json:"delivered_at"`
}

func toWebhookDeliveryResponse(d *domain.WebhookDelivery) webhookDeliveryResponse {
	r := webhookDeliveryResponse{ID: d.ID, SubscriptionID: d.SubscriptionID, EventID: d.EventID, EventType: d.EventType,
		Status: d.Status, Attempts: d.Attempts, ResponseBody: d.ResponseBody, Error: d.Error,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, DeliveredAt: d.DeliveredAt}
	if d.ResponseCode != 0 {
		code := d.ResponseCode
		r.ResponseCode = &code
	}
	return r
}

type webhooks interface {
	Create(ctx context.Context, s *domain.WebhookSubscription) error
	Get(ctx context.Context, id int64) (*domain.WebhookSubscription, error)
	List(ctx context.Context, q domain.ListQuery) (domain.Page[*domain.WebhookSubscription], error)
	Update(ctx context.Context, id int64, patch domain.WebhookSubscriptionPatch) (*domain.WebhookSubscription, error)
	Delete(ctx context.Context, id int64) error
	Deliveries(ctx context.Context, id int64, q domain.ListQuery) (domain.Page[*domain.WebhookDelivery], error)
	Redeliver(ctx context.Context, subscriptionID, id int64) (*domain.WebhookDelivery, error)
}

// WebhookRoutes is /api/v1/webhooks.
type WebhookRoutes struct{ svc webhooks }

// NewWebhookRoutes returns the webhooks area.
func NewWebhookRoutes(svc webhooks) *WebhookRoutes { return &WebhookRoutes{svc: svc} }

// Routes implements Routes.
func (h *WebhookRoutes) Routes(r *Router) {
	r.GET("/webhooks", domain.PermWebhooksRead, h.list)
	r.POST("/webhooks", domain.PermWebhooksWrite, h.create)
	r.GET("/webhooks/:id", domain.PermWebhooksRead, jsonByID("webhook", h.svc.Get, toWebhookResponse))
	r.PATCH("/webhooks/:id", domain.PermWebhooksWrite, h.update)
	r.DELETE("/webhooks/:id", domain.PermWebhooksWrite, deleteByID("webhook", h.svc.Delete))
	r.GET("/webhooks/:id/deliveries", domain.PermWebhooksRead, h.deliveries)
	r.POST("/webhooks/:id/deliveries/:did/redeliver", domain.PermWebhooksWrite, h.redeliver)
}

func (h *WebhookRoutes) list(c echo.Context) error {
	q, err := ParseList(c, domain.WebhookSortFields...)
	if err != nil {
		return err
	}
	page, err := h.svc.List(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return respondList(c, page, q, toWebhookResponse)
}

func (h *WebhookRoutes) create(c echo.Context) error {
	var req webhookRequest
	if err := Bind(c, &req); err != nil {
		return err
	}
	s := req.toSubscription()
	if err := h.svc.Create(c.Request().Context(), s); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/webhooks/"+strconv.FormatInt(s.ID, 10))
	return c.JSON(http.StatusCreated, webhookCreatedResponse{toWebhookResponse(s), s.Secret})
}

func (h *WebhookRoutes) update(c echo.Context) error {
	id, err := idParam(c, "webhook")
	if err != nil {
		return err
	}
	var req webhookRequest
	if err := Bind(c, &req); err != nil {
		return err
	}
	s, err := h.svc.Update(c.Request().Context(), id, domain.WebhookSubscriptionPatch{URL: req.URL, Events: req.Events, Active: req.Active})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toWebhookResponse(s))
}

func (h *WebhookRoutes) deliveries(c echo.Context) error {
	id, err := idParam(c, "webhook")
	if err != nil {
		return err
	}
	q, err := ParseList(c, domain.WebhookDeliverySortFields...)
	if err != nil {
		return err
	}
	page, err := h.svc.Deliveries(c.Request().Context(), id, q)
	if err != nil {
		return err
	}
	return respondList(c, page, q, toWebhookDeliveryResponse)
}

func (h *WebhookRoutes) redeliver(c echo.Context) error {
	id, err := idParam(c, "webhook")
	if err != nil {
		return err
	}
	did, err := pathID(c, "did", "delivery")
	if err != nil {
		return err
	}
	d, err := h.svc.Redeliver(c.Request().Context(), id, did)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, toWebhookDeliveryResponse(d))
}
