package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

// productRequest is the body of POST (absent fields take defaults) and PATCH
// (absent fields stay) /products. The domain checks every field, so one 422
// lists all that is wrong.
type productRequest struct {
	Ref        *string `json:"ref"`
	Label      *string `json:"label"`
	Type       *string `json:"type"` // default product
	UnitPrice  Decimal `json:"unit_price"`
	VATRate    Decimal `json:"vat_rate"`
	CostPrice  Decimal `json:"cost_price"`
	TrackStock *bool   `json:"track_stock"` // default: true for a product, false for a service
	Active     *bool   `json:"active"`      // default true
	// Replenishment thresholds: optional; null clears them on PATCH.
	MinStock     Decimal `json:"min_stock"`
	DesiredStock Decimal `json:"desired_stock"`
}

func (r *productRequest) check(v *domain.ValidationError) {
	r.UnitPrice.Check(v, "unit_price", false)
	r.VATRate.Check(v, "vat_rate", false)
	r.CostPrice.Check(v, "cost_price", false)
	r.MinStock.Check(v, "min_stock", false)
	r.DesiredStock.Check(v, "desired_stock", false)
}

func (r *productRequest) toProduct() *domain.Product {
	typ := domain.ProductType(valueOr(r.Type, string(domain.ProductTypeProduct)))
	return &domain.Product{
		Ref: valueOr(r.Ref, ""), Label: valueOr(r.Label, ""), Type: typ,
		UnitPrice: r.UnitPrice.Value, VATRate: r.VATRate.Value, CostPrice: r.CostPrice.Value,
		TrackStock: valueOr(r.TrackStock, typ == domain.ProductTypeProduct),
		Active:     valueOr(r.Active, true),
		MinStock:   r.MinStock.Null(), DesiredStock: r.DesiredStock.Null(),
	}
}

func (r *productRequest) toPatch() domain.ProductPatch {
	var typ *domain.ProductType
	if r.Type != nil {
		t := domain.ProductType(*r.Type)
		typ = &t
	}
	return domain.ProductPatch{
		Ref: r.Ref, Label: r.Label, Type: typ,
		UnitPrice: r.UnitPrice.Ptr(), VATRate: r.VATRate.Ptr(), CostPrice: r.CostPrice.Ptr(),
		TrackStock: r.TrackStock, Active: r.Active,
		MinStock: r.MinStock.Patch(), DesiredStock: r.DesiredStock.Patch(),
	}
}

type productResponse struct {
	ID           int64     `json:"id"`
	Ref          string    `json:"ref"`
	Label        string    `json:"label"`
	Type         string    `json:"type"`
	UnitPrice    string    `json:"unit_price"`
	VATRate      string    `json:"vat_rate"`
	CostPrice    string    `json:"cost_price"`
	TrackStock   bool      `json:"track_stock"`
	Active       bool      `json:"active"`
	MinStock     *string   `json:"min_stock"`
	DesiredStock *string   `json:"desired_stock"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// optQty writes an optional quantity, null when unset.
func optQty(d decimal.NullDecimal) *string {
	if !d.Valid {
		return nil
	}
	s := Qty(d.Decimal)
	return &s
}

func toProductResponse(p *domain.Product) productResponse {
	return productResponse{
		ID: p.ID, Ref: p.Ref, Label: p.Label, Type: string(p.Type),
		UnitPrice: Money(p.UnitPrice), VATRate: Qty(p.VATRate), CostPrice: Money(p.CostPrice),
		TrackStock: p.TrackStock, Active: p.Active, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
		MinStock: optQty(p.MinStock), DesiredStock: optQty(p.DesiredStock),
	}
}

// stockEntry is the quantity of a product in one warehouse.
type stockEntry struct {
	WarehouseID int64      `json:"warehouse_id"`
	Qty         string     `json:"qty"`
	UpdatedAt   *time.Time `json:"updated_at,omitempty"`
}

// productDetailResponse is GET /products/{id}: the product, where its stock
// is (non-zero levels) and the total over every warehouse.
type productDetailResponse struct {
	productResponse
	Stock      []stockEntry `json:"stock"`
	StockTotal string       `json:"stock_total"`
}

// stockEntries converts levels; withTime adds each level's last change.
func stockEntries(levels []*domain.StockLevel, withTime bool) ([]stockEntry, string) {
	out := make([]stockEntry, len(levels))
	total := decimal.Zero
	for i, l := range levels {
		out[i] = stockEntry{WarehouseID: l.WarehouseID, Qty: Qty(l.Qty)}
		if withTime {
			out[i].UpdatedAt = &levels[i].UpdatedAt
		}
		total = total.Add(l.Qty)
	}
	return out, Qty(total)
}

type productCatalog interface {
	CreateProduct(ctx context.Context, p *domain.Product) error
	Product(ctx context.Context, id int64) (*domain.Product, []*domain.StockLevel, error)
	Products(ctx context.Context, f domain.ProductFilter) (domain.Page[*domain.Product], error)
	UpdateProduct(ctx context.Context, id int64, patch domain.ProductPatch) (*domain.Product, error)
	DeleteProduct(ctx context.Context, id int64) error
}

type productStock interface {
	ProductStock(ctx context.Context, productID int64) ([]*domain.StockLevel, error)
}

// ProductRoutes is /api/v1/products.
type ProductRoutes struct {
	catalog productCatalog
	stock   productStock
}

// NewProductRoutes returns the products area.
func NewProductRoutes(catalog productCatalog, stock productStock) *ProductRoutes {
	return &ProductRoutes{catalog: catalog, stock: stock}
}

// Routes implements Routes.
func (h *ProductRoutes) Routes(r *Router) {
	r.GET("/products", domain.PermProductsRead, h.list)
	r.POST("/products", domain.PermProductsWrite, h.create)
	r.GET("/products/:id", domain.PermProductsRead, h.get)
	r.PATCH("/products/:id", domain.PermProductsWrite, h.update)
	r.DELETE("/products/:id", domain.PermProductsWrite, deleteByID("product", func(ctx context.Context, id int64) error {
		return h.catalog.DeleteProduct(ctx, id)
	}))
	r.GET("/products/:id/stock", domain.PermStockRead, h.productStock)
}

func (h *ProductRoutes) list(c echo.Context) error {
	q, err := ParseList(c, domain.ProductSortFields...)
	verr := &domain.ValidationError{}
	if err != nil && !errors.As(err, &verr) {
		return err
	}
	f := domain.ProductFilter{ListQuery: q}
	switch t := domain.ProductType(c.QueryParam("type")); t {
	case "", domain.ProductTypeProduct, domain.ProductTypeService:
		f.Type = t
	default:
		verr.Add("type", "must be one of product, service")
	}
	f.Active = boolQuery(c, "active", verr)
	if err := verr.OrNil(); err != nil {
		return err
	}
	page, err := h.catalog.Products(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return respondList(c, page, q, toProductResponse)
}

func (h *ProductRoutes) create(c echo.Context) error {
	var req productRequest
	err := BindChecked(c, &req, req.check)
	var verr *domain.ValidationError
	if err != nil && !errors.As(err, &verr) {
		return err
	}
	p := req.toProduct()
	if verr != nil { // list the fields the domain refuses too (a bad decimal reads as 0 there)
		return withFieldsOf(verr, p.Check())
	}
	if err := h.catalog.CreateProduct(c.Request().Context(), p); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/products/"+strconv.FormatInt(p.ID, 10))
	return c.JSON(http.StatusCreated, toProductResponse(p))
}

func (h *ProductRoutes) get(c echo.Context) error {
	id, err := idParam(c, "product")
	if err != nil {
		return err
	}
	p, levels, err := h.catalog.Product(c.Request().Context(), id)
	if err != nil {
		return err
	}
	stock, total := stockEntries(levels, false)
	return c.JSON(http.StatusOK, productDetailResponse{productResponse: toProductResponse(p), Stock: stock, StockTotal: total})
}

func (h *ProductRoutes) update(c echo.Context) error {
	id, err := idParam(c, "product")
	if err != nil {
		return err
	}
	var req productRequest
	if err := BindChecked(c, &req, req.check); err != nil {
		return err
	}
	p, err := h.catalog.UpdateProduct(c.Request().Context(), id, req.toPatch())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toProductResponse(p))
}

// productStockResponse is GET /products/{id}/stock: every level of the
// product, zeros included, with its last change.
type productStockResponse struct {
	ProductID  int64        `json:"product_id"`
	Stock      []stockEntry `json:"stock"`
	StockTotal string       `json:"stock_total"`
}

func (h *ProductRoutes) productStock(c echo.Context) error {
	id, err := idParam(c, "product")
	if err != nil {
		return err
	}
	levels, err := h.stock.ProductStock(c.Request().Context(), id)
	if err != nil {
		return err
	}
	stock, total := stockEntries(levels, true)
	return c.JSON(http.StatusOK, productStockResponse{ProductID: id, Stock: stock, StockTotal: total})
}
