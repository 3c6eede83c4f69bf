package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

// shipmentRequest is the body of POST /orders/{id}/shipments.
type shipmentRequest struct {
	WarehouseID *int64    `json:"warehouse_id"`
	Date        DateField `json:"date"` // default today
	Lines       []struct {
		OrderLineID *int64  `json:"order_line_id"`
		Qty         Decimal `json:"qty"`
	} `json:"lines"`
}

func (r *shipmentRequest) check(v *domain.ValidationError) {
	r.Date.Check(v, "date", false)
	for i, l := range r.Lines {
		l.Qty.Check(v, fmt.Sprintf("lines[%d].qty", i), true)
	}
}

func (r *shipmentRequest) toDomain() domain.ShipmentInput {
	in := domain.ShipmentInput{WarehouseID: valueOr(r.WarehouseID, 0), Date: r.Date.Value}
	for _, l := range r.Lines {
		in.Lines = append(in.Lines, domain.ShipmentLineInput{OrderLineID: valueOr(l.OrderLineID, 0), Qty: l.Qty.Value})
	}
	return in
}

type shipmentLineResponse struct {
	OrderLineID int64  `json:"order_line_id"`
	ProductID   *int64 `json:"product_id"`
	Qty         string `json:"qty"`
}

type shipmentResponse struct {
	ID           int64                  `json:"id"`
	Ref          string                 `json:"ref"`
	OrderID      int64                  `json:"order_id"`
	ThirdPartyID int64                  `json:"thirdparty_id"`
	WarehouseID  int64                  `json:"warehouse_id"`
	Date         string                 `json:"date"`
	Lines        []shipmentLineResponse `json:"lines"`
	CreatedAt    time.Time              `json:"created_at"`
}

func toShipmentResponse(sh *domain.Shipment) shipmentResponse {
	out := shipmentResponse{
		ID: sh.ID, Ref: sh.Ref, OrderID: sh.OrderID, ThirdPartyID: sh.ThirdPartyID, WarehouseID: sh.WarehouseID,
		Date: formatDate(sh.Date), Lines: make([]shipmentLineResponse, len(sh.Lines)), CreatedAt: sh.CreatedAt,
	}
	for i, l := range sh.Lines {
		out.Lines[i] = shipmentLineResponse{OrderLineID: l.OrderLineID, ProductID: optPositive(l.ProductID), Qty: Qty(l.Qty)}
	}
	return out
}

// shipmentService is what the shipment routes call.
type shipmentService interface {
	Ship(ctx context.Context, actor domain.Principal, orderID int64, in domain.ShipmentInput) (*domain.Shipment, error)
	Shipment(ctx context.Context, id int64) (*domain.Shipment, error)
	Shipments(ctx context.Context, f domain.ShipmentFilter) (domain.Page[*domain.Shipment], error)
	PDF(ctx context.Context, id int64, lang, readerLang string) (*domain.ArchivedFile, error)
}

// ShipmentRoutes is POST /api/v1/orders/{id}/shipments and
// /api/v1/shipments, with each shipment's delivery note rendered in the
// request (through the API's one RenderSlots, as the documents' PDFs).
type ShipmentRoutes struct {
	svc   shipmentService
	slots *RenderSlots
}

// NewShipmentRoutes returns the shipments area; slots is shared with every
// other route that renders in the request.
func NewShipmentRoutes(svc shipmentService, slots *RenderSlots) *ShipmentRoutes {
	return &ShipmentRoutes{svc: svc, slots: slots}
}

// Routes implements Routes.
func (h *ShipmentRoutes) Routes(r *Router) {
	r.POST("/orders/:id/shipments", domain.PermShipmentsWrite, h.ship)
	r.GET("/shipments", domain.PermShipmentsRead, h.list)
	r.GET("/shipments/:id", domain.PermShipmentsRead, jsonByID("shipment", h.svc.Shipment, toShipmentResponse))
	r.GET("/shipments/:id/pdf", domain.PermShipmentsRead, func(c echo.Context) error {
		return servePDF(c, h.slots, "shipment", h.svc.PDF)
	})
}

func (h *ShipmentRoutes) ship(c echo.Context) error {
	id, err := idParam(c, ordersResource.entity)
	if err != nil {
		return err
	}
	var req shipmentRequest
	if err := BindChecked(c, &req, req.check); err != nil {
		return err
	}
	sh, err := h.svc.Ship(c.Request().Context(), PrincipalOf(c), id, req.toDomain())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/shipments/"+strconv.FormatInt(sh.ID, 10))
	return c.JSON(http.StatusCreated, toShipmentResponse(sh))
}

func (h *ShipmentRoutes) list(c echo.Context) error {
	q, err := ParseList(c, domain.ShipmentSortFields...)
	verr := &domain.ValidationError{}
	if err != nil && !errors.As(err, &verr) {
		return err
	}
	f := domain.ShipmentFilter{ListQuery: q, OrderID: idQuery(c, "order_id", verr), ThirdPartyID: idQuery(c, "thirdparty_id", verr)}
	if err := verr.OrNil(); err != nil {
		return err
	}
	page, err := h.svc.Shipments(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return respondList(c, page, q, toShipmentResponse)
}
