package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

var domainOne = decimal.NewFromInt(1)

type replenisher interface {
	Suggestions(ctx context.Context, warehouseID int64) ([]domain.Replenishment, error)
	DraftOrders(ctx context.Context, actor domain.Principal, warehouseID int64) ([]int64, error)
}

// ReplenishmentRoutes is /api/v1/replenishment. Until the purchase-order
// permissions exist, reading suggestions needs stock:read and drafting the
// orders stock:write.
type ReplenishmentRoutes struct{ svc replenisher }

// NewReplenishmentRoutes returns the replenishment area.
func NewReplenishmentRoutes(svc replenisher) *ReplenishmentRoutes {
	return &ReplenishmentRoutes{svc: svc}
}

// Routes implements Routes.
func (h *ReplenishmentRoutes) Routes(r *Router) {
	r.GET("/replenishment", domain.PermPurchaseOrdersRead, h.list)
	r.POST("/replenishment/orders", domain.PermPurchaseOrdersWrite, h.orders)
}

type replenishmentItem struct {
	ProductID       int64   `json:"product_id"`
	Label           string  `json:"label"`
	Stock           string  `json:"stock"`
	Incoming        string  `json:"incoming"`
	MinStock        string  `json:"min_stock"`
	DesiredStock    *string `json:"desired_stock"`
	SuggestedQty    string  `json:"suggested_qty"`
	SupplierID      *int64  `json:"supplier_id"`
	SupplierPriceID *int64  `json:"supplier_price_id"`
	UnitPrice       *string `json:"unit_price"`
}

func toReplenishmentItem(r domain.Replenishment) replenishmentItem {
	it := replenishmentItem{
		ProductID: r.ProductID, Label: r.Label, Stock: Qty(r.Stock), Incoming: Qty(r.Incoming),
		MinStock: Qty(r.MinStock), DesiredStock: optQty(r.DesiredStock), SuggestedQty: Qty(r.SuggestedQty),
	}
	if p := r.Price; p != nil {
		price := Money(p.UnitPrice)
		it.SupplierID, it.SupplierPriceID, it.UnitPrice = &p.SupplierID, &p.ID, &price
	}
	return it
}

func (h *ReplenishmentRoutes) list(c echo.Context) error {
	verr := &domain.ValidationError{}
	wh := idQuery(c, "warehouse_id", verr)
	if err := verr.OrNil(); err != nil {
		return err
	}
	rs, err := h.svc.Suggestions(c.Request().Context(), wh)
	if err != nil {
		return err
	}
	items := make([]replenishmentItem, len(rs))
	for i, r := range rs {
		items[i] = toReplenishmentItem(r)
	}
	return respondItems(c, items, map[string]any{"items": items})
}

// replenishmentOrdersRequest is the body of POST /replenishment/orders;
// without warehouse_id the stock of every warehouse counts.
type replenishmentOrdersRequest struct {
	WarehouseID *int64 `json:"warehouse_id"`
}

func (h *ReplenishmentRoutes) orders(c echo.Context) error {
	var req replenishmentOrdersRequest
	err := BindChecked(c, &req, func(v *domain.ValidationError) {
		if req.WarehouseID != nil && *req.WarehouseID < 1 {
			v.Add("warehouse_id", "must be a positive integer")
		}
	})
	var verr *domain.ValidationError
	if err != nil && !errors.As(err, &verr) {
		return err
	}
	if verr != nil {
		return verr
	}
	ids, err := h.svc.DraftOrders(c.Request().Context(), PrincipalOf(c), valueOr(req.WarehouseID, 0))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"purchase_order_ids": ids})
}
