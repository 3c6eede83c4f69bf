package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

// supplierPriceRequest is the body of POST (min_qty defaults to 1) and PATCH
// (absent fields stay; product_id and supplier_id cannot change)
// /supplier-prices.
type supplierPriceRequest struct {
	ProductID    *int64  `json:"product_id"`
	SupplierID   *int64  `json:"supplier_id"`
	SupplierRef  *string `json:"supplier_ref"`
	UnitPrice    Decimal `json:"unit_price"`
	MinQty       Decimal `json:"min_qty"`
	VATRate      Decimal `json:"vat_rate"`
	LeadTimeDays *int    `json:"lead_time_days"`
}

func (r *supplierPriceRequest) checkCreate(v *domain.ValidationError) {
	r.UnitPrice.Check(v, "unit_price", true)
	r.MinQty.Check(v, "min_qty", false)
	r.VATRate.Check(v, "vat_rate", false)
}

func (r *supplierPriceRequest) checkPatch(v *domain.ValidationError) {
	if r.ProductID != nil {
		v.Add("product_id", "cannot change: create another price")
	}
	if r.SupplierID != nil {
		v.Add("supplier_id", "cannot change: create another price")
	}
	r.UnitPrice.Check(v, "unit_price", false)
	r.MinQty.Check(v, "min_qty", false)
	r.VATRate.Check(v, "vat_rate", false)
}

func (r *supplierPriceRequest) toPrice() *domain.SupplierPrice {
	p := &domain.SupplierPrice{
		ProductID: valueOr(r.ProductID, 0), SupplierID: valueOr(r.SupplierID, 0), SupplierRef: valueOr(r.SupplierRef, ""),
		UnitPrice: r.UnitPrice.Value, MinQty: r.MinQty.Value, VATRate: r.VATRate.Value, LeadTimeDays: valueOr(r.LeadTimeDays, 0),
	}
	if !r.MinQty.Present {
		p.MinQty = domainOne
	}
	return p
}

func (r *supplierPriceRequest) toPatch() domain.SupplierPricePatch {
	return domain.SupplierPricePatch{
		SupplierRef: r.SupplierRef, UnitPrice: r.UnitPrice.Ptr(), MinQty: r.MinQty.Ptr(), VATRate: r.VATRate.Ptr(),
		LeadTimeDays: r.LeadTimeDays,
	}
}

type supplierPriceResponse struct {
	ID           int64     `json:"id"`
	ProductID    int64     `json:"product_id"`
	SupplierID   int64     `json:"supplier_id"`
	SupplierRef  string    `json:"supplier_ref"`
	UnitPrice    string    `json:"unit_price"`
	MinQty       string    `json:"min_qty"`
	VATRate      string    `json:"vat_rate"`
	LeadTimeDays int       `json:"lead_time_days"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func toSupplierPriceResponse(p *domain.SupplierPrice) supplierPriceResponse {
	return supplierPriceResponse{
		ID: p.ID, ProductID: p.ProductID, SupplierID: p.SupplierID, SupplierRef: p.SupplierRef,
		UnitPrice: Money(p.UnitPrice), MinQty: Qty(p.MinQty), VATRate: Qty(p.VATRate), LeadTimeDays: p.LeadTimeDays,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
}

type supplierPrices interface {
	Create(ctx context.Context, p *domain.SupplierPrice) error
	Get(ctx context.Context, id int64) (*domain.SupplierPrice, error)
	List(ctx context.Context, f domain.SupplierPriceFilter) (domain.Page[*domain.SupplierPrice], error)
	Update(ctx context.Context, id int64, patch domain.SupplierPricePatch) (*domain.SupplierPrice, error)
	Delete(ctx context.Context, id int64) error
}

// SupplierPriceRoutes is /api/v1/supplier-prices.
type SupplierPriceRoutes struct{ svc supplierPrices }

// NewSupplierPriceRoutes returns the supplier-prices area.
func NewSupplierPriceRoutes(svc supplierPrices) *SupplierPriceRoutes {
	return &SupplierPriceRoutes{svc: svc}
}

// Routes implements Routes.
func (h *SupplierPriceRoutes) Routes(r *Router) {
	r.GET("/supplier-prices", domain.PermSupplierPricesRead, h.list)
	r.POST("/supplier-prices", domain.PermSupplierPricesWrite, h.create)
	r.GET("/supplier-prices/:id", domain.PermSupplierPricesRead, jsonByID("supplier price", h.svc.Get, toSupplierPriceResponse))
	r.PATCH("/supplier-prices/:id", domain.PermSupplierPricesWrite, h.update)
	r.DELETE("/supplier-prices/:id", domain.PermSupplierPricesWrite, deleteByID("supplier price", h.svc.Delete))
}

func (h *SupplierPriceRoutes) list(c echo.Context) error {
	q, err := ParseList(c, domain.SupplierPriceSortFields...)
	verr := &domain.ValidationError{}
	if err != nil && !errors.As(err, &verr) {
		return err
	}
	f := domain.SupplierPriceFilter{ListQuery: q, ProductID: idQuery(c, "product_id", verr), SupplierID: idQuery(c, "supplier_id", verr)}
	if err := verr.OrNil(); err != nil {
		return err
	}
	page, err := h.svc.List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return respondList(c, page, q, toSupplierPriceResponse)
}

func (h *SupplierPriceRoutes) create(c echo.Context) error {
	var req supplierPriceRequest
	err := BindChecked(c, &req, req.checkCreate)
	var verr *domain.ValidationError
	if err != nil && !errors.As(err, &verr) {
		return err
	}
	p := req.toPrice()
	if verr != nil { // list the fields the domain refuses too
		return withFieldsOf(verr, p.Check())
	}
	if err := h.svc.Create(c.Request().Context(), p); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/supplier-prices/"+strconv.FormatInt(p.ID, 10))
	return c.JSON(http.StatusCreated, toSupplierPriceResponse(p))
}

func (h *SupplierPriceRoutes) update(c echo.Context) error {
	id, err := idParam(c, "supplier price")
	if err != nil {
		return err
	}
	var req supplierPriceRequest
	if err := BindChecked(c, &req, req.checkPatch); err != nil {
		return err
	}
	p, err := h.svc.Update(c.Request().Context(), id, req.toPatch())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSupplierPriceResponse(p))
}
