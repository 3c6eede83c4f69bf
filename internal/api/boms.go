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

// bomRequest is the body of POST (every field but label required) and PATCH
// (absent fields stay; lines, when sent, replace every line) /boms.
type bomRequest struct {
	Ref       *string           `json:"ref"`
	Label     *string           `json:"label"`
	ProductID *int64            `json:"product_id"`
	Qty       Decimal           `json:"qty"`
	Lines     *[]bomLineRequest `json:"lines"`
}

type bomLineRequest struct {
	ProductID   int64   `json:"product_id"`
	Qty         Decimal `json:"qty"`
	LossPercent Decimal `json:"loss_percent"` // optional, default 0
}

// check reports the decimals that are not numbers (and, on create, missing).
func (r *bomRequest) check(v *domain.ValidationError, create bool) {
	r.Qty.Check(v, "qty", create)
	if r.Lines == nil {
		return
	}
	for i, l := range *r.Lines {
		l.Qty.Check(v, fmt.Sprintf("lines[%d].qty", i), true)
		l.LossPercent.Check(v, fmt.Sprintf("lines[%d].loss_percent", i), false)
	}
}

func (r *bomRequest) lines() *[]domain.BOMLine {
	if r.Lines == nil {
		return nil
	}
	out := make([]domain.BOMLine, len(*r.Lines))
	for i, l := range *r.Lines {
		out[i] = domain.BOMLine{ProductID: l.ProductID, Qty: l.Qty.Value, LossPercent: l.LossPercent.Value}
	}
	return &out
}

func (r *bomRequest) toBOM() domain.BOM {
	b := domain.BOM{Ref: valueOr(r.Ref, ""), Label: valueOr(r.Label, ""), ProductID: valueOr(r.ProductID, 0), Qty: r.Qty.Value}
	if l := r.lines(); l != nil {
		b.Lines = *l
	}
	return b
}

func (r *bomRequest) toPatch() domain.BOMPatch {
	return domain.BOMPatch{Ref: r.Ref, Label: r.Label, ProductID: r.ProductID, Qty: r.Qty.Ptr(), Lines: r.lines()}
}

type bomLineResponse struct {
	ProductID   int64  `json:"product_id"`
	Qty         string `json:"qty"`
	LossPercent string `json:"loss_percent"`
}

type bomResponse struct {
	ID        int64             `json:"id"`
	Ref       string            `json:"ref"`
	Label     string            `json:"label"`
	ProductID int64             `json:"product_id"`
	Qty       string            `json:"qty"`
	Lines     []bomLineResponse `json:"lines"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
}

func toBOMResponse(b *domain.BOM) bomResponse {
	r := bomResponse{
		ID: b.ID, Ref: b.Ref, Label: b.Label, ProductID: b.ProductID, Qty: Qty(b.Qty),
		Lines: make([]bomLineResponse, len(b.Lines)), CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt,
	}
	for i, l := range b.Lines {
		r.Lines[i] = bomLineResponse{ProductID: l.ProductID, Qty: Qty(l.Qty), LossPercent: Qty(l.LossPercent)}
	}
	return r
}

type bomBook interface {
	CreateBOM(ctx context.Context, in domain.BOM) (*domain.BOM, error)
	BOM(ctx context.Context, id int64) (*domain.BOM, error)
	BOMs(ctx context.Context, f domain.BOMFilter) (domain.Page[*domain.BOM], error)
	UpdateBOM(ctx context.Context, id int64, patch domain.BOMPatch) (*domain.BOM, error)
	DeleteBOM(ctx context.Context, id int64) error
}

// BOMRoutes is /api/v1/boms: bills of materials.
type BOMRoutes struct{ boms bomBook }

// NewBOMRoutes returns the BOM area.
func NewBOMRoutes(boms bomBook) *BOMRoutes { return &BOMRoutes{boms: boms} }

// Routes implements Routes.
func (h *BOMRoutes) Routes(r *Router) {
	r.GET("/boms", domain.PermMRPRead, h.list)
	r.POST("/boms", domain.PermMRPWrite, h.create)
	r.GET("/boms/:id", domain.PermMRPRead, jsonByID("BOM", func(ctx context.Context, id int64) (*domain.BOM, error) {
		return h.boms.BOM(ctx, id)
	}, toBOMResponse))
	r.PATCH("/boms/:id", domain.PermMRPWrite, h.update)
	r.DELETE("/boms/:id", domain.PermMRPWrite, deleteByID("BOM", func(ctx context.Context, id int64) error {
		return h.boms.DeleteBOM(ctx, id)
	}))
}

// list is GET /boms?product_id=&q=.
func (h *BOMRoutes) list(c echo.Context) error {
	q, err := ParseList(c, domain.BOMSortFields...)
	verr := &domain.ValidationError{}
	if err != nil && !errors.As(err, &verr) {
		return err
	}
	f := domain.BOMFilter{ListQuery: q, ProductID: idQuery(c, "product_id", verr)}
	if err := verr.OrNil(); err != nil {
		return err
	}
	page, err := h.boms.BOMs(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return respondList(c, page, q, toBOMResponse)
}

func (h *BOMRoutes) create(c echo.Context) error {
	var req bomRequest
	err := BindChecked(c, &req, func(v *domain.ValidationError) { req.check(v, true) })
	var verr *domain.ValidationError
	if err != nil && !errors.As(err, &verr) {
		return err
	}
	in := req.toBOM()
	if verr != nil { // list what the domain refuses too (a bad decimal reads as 0 there)
		return withFieldsOf(verr, in.Check())
	}
	b, err := h.boms.CreateBOM(c.Request().Context(), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/boms/"+strconv.FormatInt(b.ID, 10))
	return c.JSON(http.StatusCreated, toBOMResponse(b))
}

func (h *BOMRoutes) update(c echo.Context) error {
	id, err := idParam(c, "BOM")
	if err != nil {
		return err
	}
	var req bomRequest
	if err := BindChecked(c, &req, func(v *domain.ValidationError) { req.check(v, false) }); err != nil {
		return err
	}
	b, err := h.boms.UpdateBOM(c.Request().Context(), id, req.toPatch())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toBOMResponse(b))
}
