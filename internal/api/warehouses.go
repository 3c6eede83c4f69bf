package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

// warehouseRequest is the body of POST and PATCH /warehouses; the domain
// checks every field.
type warehouseRequest struct {
	Ref   *string `json:"ref"`
	Label *string `json:"label"`
}

type warehouseResponse struct {
	ID        int64     `json:"id"`
	Ref       string    `json:"ref"`
	Label     string    `json:"label"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toWarehouseResponse(w *domain.Warehouse) warehouseResponse {
	return warehouseResponse{ID: w.ID, Ref: w.Ref, Label: w.Label, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
}

type warehouseCatalog interface {
	CreateWarehouse(ctx context.Context, w *domain.Warehouse) error
	Warehouse(ctx context.Context, id int64) (*domain.Warehouse, error)
	Warehouses(ctx context.Context, q domain.ListQuery) (domain.Page[*domain.Warehouse], error)
	UpdateWarehouse(ctx context.Context, id int64, patch domain.WarehousePatch) (*domain.Warehouse, error)
	DeleteWarehouse(ctx context.Context, id int64) error
}

// WarehouseRoutes is /api/v1/warehouses. Warehouses are the structure of the
// stock, so they need the stock permissions.
type WarehouseRoutes struct{ catalog warehouseCatalog }

// NewWarehouseRoutes returns the warehouses area.
func NewWarehouseRoutes(catalog warehouseCatalog) *WarehouseRoutes {
	return &WarehouseRoutes{catalog: catalog}
}

// Routes implements Routes.
func (h *WarehouseRoutes) Routes(r *Router) {
	r.GET("/warehouses", domain.PermStockRead, h.list)
	r.POST("/warehouses", domain.PermStockWrite, h.create)
	r.GET("/warehouses/:id", domain.PermStockRead, jsonByID("warehouse", func(ctx context.Context, id int64) (*domain.Warehouse, error) {
		return h.catalog.Warehouse(ctx, id)
	}, toWarehouseResponse))
	r.PATCH("/warehouses/:id", domain.PermStockWrite, h.update)
	r.DELETE("/warehouses/:id", domain.PermStockWrite, deleteByID("warehouse", func(ctx context.Context, id int64) error {
		return h.catalog.DeleteWarehouse(ctx, id)
	}))
}

func (h *WarehouseRoutes) list(c echo.Context) error {
	q, err := ParseList(c, domain.WarehouseSortFields...)
	if err != nil {
		return err
	}
	page, err := h.catalog.Warehouses(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return respondList(c, page, q, toWarehouseResponse)
}

func (h *WarehouseRoutes) create(c echo.Context) error {
	var req warehouseRequest
	if err := Bind(c, &req); err != nil {
		return err
	}
	w := &domain.Warehouse{Ref: valueOr(req.Ref, ""), Label: valueOr(req.Label, "")}
	if err := h.catalog.CreateWarehouse(c.Request().Context(), w); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/warehouses/"+strconv.FormatInt(w.ID, 10))
	return c.JSON(http.StatusCreated, toWarehouseResponse(w))
}

func (h *WarehouseRoutes) update(c echo.Context) error {
	id, err := idParam(c, "warehouse")
	if err != nil {
		return err
	}
	var req warehouseRequest
	if err := Bind(c, &req); err != nil {
		return err
	}
	w, err := h.catalog.UpdateWarehouse(c.Request().Context(), id, domain.WarehousePatch{Ref: req.Ref, Label: req.Label})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toWarehouseResponse(w))
}
