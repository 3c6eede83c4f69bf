package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/usecase"
)

type moRequest struct {
	BOMID       int64   `json:"bom_id" validate:"required,gt=0"`
	Qty         Decimal `json:"qty"` // positive
	WarehouseID int64   `json:"warehouse_id" validate:"required,gt=0"`
	Label       string  `json:"label"`
}

func (r *moRequest) check(v *domain.ValidationError) { r.Qty.Check(v, "qty", true) }

type moLineResponse struct {
	ProductID int64  `json:"product_id"`
	Qty       string `json:"qty"`
}

type moResponse struct {
	ID          int64            `json:"id"`
	BOMID       int64            `json:"bom_id"`
	ProductID   int64            `json:"product_id"`
	WarehouseID int64            `json:"warehouse_id"`
	Qty         string           `json:"qty"`
	Status      string           `json:"status"`
	Label       string           `json:"label"`
	Lines       []moLineResponse `json:"lines"`
	UnitCost    *string          `json:"unit_cost"`
	CreatedBy   *int64           `json:"created_by"`
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
	ValidatedAt *time.Time       `json:"validated_at"`
	ProducedAt  *time.Time       `json:"produced_at"`
	CancelledAt *time.Time       `json:"cancelled_at"`
	// Movements are the ledger rows production wrote: only in the answer to
	// produce (afterwards: GET /stock/movements?origin_type=manufacturing_order&origin_id=).
	Movements []movementResponse `json:"movements,omitempty"`
}

func toMOResponse(mo *domain.ManufacturingOrder) moResponse {
	r := moResponse{
		ID: mo.ID, BOMID: mo.BOMID, ProductID: mo.ProductID, WarehouseID: mo.WarehouseID, Qty: Qty(mo.Qty),
		Status: string(mo.Status), Label: mo.Label, Lines: make([]moLineResponse, len(mo.Lines)),
		CreatedAt: mo.CreatedAt, UpdatedAt: mo.UpdatedAt,
		ValidatedAt: mo.ValidatedAt, ProducedAt: mo.ProducedAt, CancelledAt: mo.CancelledAt,
	}
	for i, l := range mo.Lines {
		r.Lines[i] = moLineResponse{ProductID: l.ProductID, Qty: Qty(l.Qty)}
	}
	if mo.UnitCost.Valid {
		s := Money(mo.UnitCost.Decimal)
		r.UnitCost = &s
	}
	if mo.CreatedBy != 0 {
		r.CreatedBy = &mo.CreatedBy
	}
	return r
}

type manufacturing interface {
	CreateOrder(ctx context.Context, actor domain.Principal, in usecase.NewOrder) (*domain.ManufacturingOrder, error)
	Order(ctx context.Context, id int64) (*domain.ManufacturingOrder, error)
	Orders(ctx context.Context, f domain.MOFilter) (domain.Page[*domain.ManufacturingOrder], error)
	ValidateOrder(ctx context.Context, id int64) (*domain.ManufacturingOrder, error)
	CancelOrder(ctx context.Context, id int64) (*domain.ManufacturingOrder, error)
	Produce(ctx context.Context, actor domain.Principal, id int64) (*domain.ManufacturingOrder, []*domain.Movement, error)
}

// ManufacturingRoutes is /api/v1/manufacturing-orders.
type ManufacturingRoutes struct{ mrp manufacturing }

// NewManufacturingRoutes returns the manufacturing orders area.
func NewManufacturingRoutes(mrp manufacturing) *ManufacturingRoutes {
	return &ManufacturingRoutes{mrp: mrp}
}

// Routes implements Routes.
func (h *ManufacturingRoutes) Routes(r *Router) {
	const base = "/manufacturing-orders"
	r.GET(base, domain.PermMRPRead, h.list)
	r.POST(base, domain.PermMRPWrite, h.create)
	r.GET(base+"/:id", domain.PermMRPRead, jsonByID("manufacturing order", func(ctx context.Context, id int64) (*domain.ManufacturingOrder, error) {
		return h.mrp.Order(ctx, id)
	}, toMOResponse))
	r.POST(base+"/:id/validate", domain.PermMRPWrite, jsonByID("manufacturing order", func(ctx context.Context, id int64) (*domain.ManufacturingOrder, error) {
		return h.mrp.ValidateOrder(ctx, id)
	}, toMOResponse))
	r.POST(base+"/:id/cancel", domain.PermMRPWrite, jsonByID("manufacturing order", func(ctx context.Context, id int64) (*domain.ManufacturingOrder, error) {
		return h.mrp.CancelOrder(ctx, id)
	}, toMOResponse))
	r.POST(base+"/:id/produce", domain.PermMRPProduce, h.produce)
}

// list is GET /manufacturing-orders?status=&bom_id=&product_id=, newest
// first unless sorted.
func (h *ManufacturingRoutes) list(c echo.Context) error {
	q, err := ParseList(c, domain.MOSortFields...)
	verr := &domain.ValidationError{}
	if err != nil && !errors.As(err, &verr) {
		return err
	}
	f := domain.MOFilter{ListQuery: q, BOMID: idQuery(c, "bom_id", verr), ProductID: idQuery(c, "product_id", verr)}
	if s := domain.MOStatus(c.QueryParam("status")); s != "" {
		if !slices.Contains(domain.MOStatuses, s) {
			names := make([]string, len(domain.MOStatuses))
			for i, st := range domain.MOStatuses {
				names[i] = string(st)
			}
			verr.Add("status", "must be one of %s", strings.Join(names, ", "))
		}
		f.Status = s
	}
	if err := verr.OrNil(); err != nil {
		return err
	}
	page, err := h.mrp.Orders(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return respondList(c, page, q, toMOResponse)
}

func (h *ManufacturingRoutes) create(c echo.Context) error {
	var req moRequest
	if err := BindChecked(c, &req, req.check); err != nil {
		return err
	}
	mo, err := h.mrp.CreateOrder(c.Request().Context(), PrincipalOf(c), usecase.NewOrder{
		BOMID: req.BOMID, Qty: req.Qty.Value, WarehouseID: req.WarehouseID, Label: req.Label,
	})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/manufacturing-orders/"+strconv.FormatInt(mo.ID, 10))
	return c.JSON(http.StatusCreated, toMOResponse(mo))
}

// produce answers the produced order with the movements it wrote.
func (h *ManufacturingRoutes) produce(c echo.Context) error {
	id, err := idParam(c, "manufacturing order")
	if err != nil {
		return err
	}
	mo, moves, err := h.mrp.Produce(c.Request().Context(), PrincipalOf(c), id)
	if err != nil {
		return err
	}
	r := toMOResponse(mo)
	r.Movements = toMovementsResponse(moves).Movements
	return c.JSON(http.StatusOK, r)
}
