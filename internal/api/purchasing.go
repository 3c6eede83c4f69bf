package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

// purchaseOrdersResource is /purchase-orders: documents of one type whose
// third party is a supplier.
var purchaseOrdersResource = docResource{
	path: "/purchase-orders", entity: "purchase order", types: []domain.DocType{domain.DocPurchaseOrder},
	creates: domain.DocPurchaseOrder, read: domain.PermPurchaseOrdersRead, write: domain.PermPurchaseOrdersWrite,
	validate: domain.PermPurchaseOrdersValidate,
}

// purchaseOrderRequest is the body of POST (a new draft) and PATCH on
// /purchase-orders: the document body with supplier_id for thirdparty_id.
type purchaseOrderRequest struct {
	SupplierID   *int64         `json:"supplier_id"`
	Date         DateField      `json:"date"`
	DueDate      DateField      `json:"due_date"` // expected delivery; null clears it on PATCH
	Currency     *string        `json:"currency"`
	CurrencyRate Decimal        `json:"currency_rate"` // null removes it on PATCH
	Note         *string        `json:"note" text:"multiline"`
	Lines        *[]lineRequest `json:"lines"`
}

func (r *purchaseOrderRequest) document() *documentRequest {
	return &documentRequest{
		ThirdPartyID: r.SupplierID, Date: r.Date, DueDate: r.DueDate, Currency: r.Currency, CurrencyRate: r.CurrencyRate,
		Note: r.Note, Lines: r.Lines,
	}
}

func (r *purchaseOrderRequest) check(v *domain.ValidationError) { r.document().check(v) }

type purchaseOrderLineResponse struct {
	lineResponse
	QtyReceived string `json:"qty_received"`
}

// purchaseOrderResponse is the document shape with supplier_id for
// thirdparty_id, and qty_received on the lines.
type purchaseOrderResponse struct {
	ID           int64                       `json:"id"`
	Ref          string                      `json:"ref"`
	Type         string                      `json:"type"`
	SupplierID   int64                       `json:"supplier_id"`
	Status       string                      `json:"status"`
	Date         string                      `json:"date"`
	DueDate      *string                     `json:"due_date"`
	Currency     string                      `json:"currency"`
	Note         string                      `json:"note"`
	Lines        []purchaseOrderLineResponse `json:"lines"`
	VATBreakdown []vatResponse               `json:"vat_breakdown"`
	TotalNet     string                      `json:"total_net"`
	TotalVAT     string                      `json:"total_vat"`
	TotalGross   string                      `json:"total_gross"`
	fxResponse
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	ValidatedAt *time.Time `json:"validated_at"`
}

func toPurchaseOrderResponse(d *domain.Document) purchaseOrderResponse {
	doc := toDocumentResponse(d)
	r := purchaseOrderResponse{
		ID: doc.ID, Ref: doc.Ref, Type: doc.Type, SupplierID: doc.ThirdPartyID, Status: doc.Status, Date: doc.Date,
		DueDate: doc.DueDate, Currency: doc.Currency, Note: doc.Note, Lines: make([]purchaseOrderLineResponse, len(doc.Lines)),
		VATBreakdown: doc.VATBreakdown, TotalNet: doc.TotalNet, TotalVAT: doc.TotalVAT, TotalGross: doc.TotalGross,
		fxResponse: doc.fxResponse,
		CreatedAt:  doc.CreatedAt, UpdatedAt: doc.UpdatedAt, ValidatedAt: doc.ValidatedAt,
	}
	for i, l := range doc.Lines {
		r.Lines[i] = purchaseOrderLineResponse{lineResponse: l, QtyReceived: Qty(d.Lines[i].QtyReceived)}
	}
	return r
}

// receptionRequest is the body of POST /purchase-orders/{id}/receptions.
type receptionRequest struct {
	WarehouseID *int64    `json:"warehouse_id"`
	Date        DateField `json:"date"` // default today
	Lines       []struct {
		OrderLineID *int64  `json:"order_line_id"`
		Qty         Decimal `json:"qty"`
	} `json:"lines"`
}

func (r *receptionRequest) check(v *domain.ValidationError) {
	r.Date.Check(v, "date", false)
	for i, l := range r.Lines {
		l.Qty.Check(v, fmt.Sprintf("lines[%d].qty", i), true)
	}
}

func (r *receptionRequest) toDomain() domain.ReceptionInput {
	in := domain.ReceptionInput{WarehouseID: valueOr(r.WarehouseID, 0), Date: r.Date.Value}
	for _, l := range r.Lines {
		in.Lines = append(in.Lines, domain.ReceptionLineInput{OrderLineID: valueOr(l.OrderLineID, 0), Qty: l.Qty.Value})
	}
	return in
}

type receptionLineResponse struct {
	OrderLineID int64  `json:"order_line_id"`
	ProductID   *int64 `json:"product_id"`
	Qty         string `json:"qty"`
	UnitCost    string `json:"unit_cost"`
}

type receptionResponse struct {
	ID              int64                   `json:"id"`
	Ref             string                  `json:"ref"`
	PurchaseOrderID int64                   `json:"purchase_order_id"`
	WarehouseID     int64                   `json:"warehouse_id"`
	Date            string                  `json:"date"`
	Lines           []receptionLineResponse `json:"lines"`
	CreatedAt       time.Time               `json:"created_at"`
}

func toReceptionResponse(rec *domain.Reception) receptionResponse {
	out := receptionResponse{
		ID: rec.ID, Ref: rec.Ref, PurchaseOrderID: rec.PurchaseOrderID, WarehouseID: rec.WarehouseID,
		Date: formatDate(rec.Date), Lines: make([]receptionLineResponse, len(rec.Lines)), CreatedAt: rec.CreatedAt,
	}
	for i, l := range rec.Lines {
		out.Lines[i] = receptionLineResponse{
			OrderLineID: l.OrderLineID, ProductID: optPositive(l.ProductID), Qty: Qty(l.Qty), UnitCost: Money(l.UnitCost),
		}
	}
	return out
}

// purchaseService is what the purchasing routes call besides the documents.
type purchaseService interface {
	Cancel(ctx context.Context, id int64) (*domain.Document, error)
	Receive(ctx context.Context, actor domain.Principal, orderID int64, in domain.ReceptionInput) (*domain.Reception, error)
	Reception(ctx context.Context, id int64) (*domain.Reception, error)
	Receptions(ctx context.Context, f domain.ReceptionFilter) (domain.Page[*domain.Reception], error)
}

// PurchaseRoutes is /api/v1/purchase-orders (drafts, validation,
// cancellation, receptions) and /api/v1/receptions. The PDF and the e-mail
// of a purchase order are DocumentPDFRoutes' and ArchiveRoutes'.
type PurchaseRoutes struct {
	docs     documentService
	purchase purchaseService
}

// NewPurchaseRoutes returns the buy side's area.
func NewPurchaseRoutes(docs documentService, purchase purchaseService) *PurchaseRoutes {
	return &PurchaseRoutes{docs: docs, purchase: purchase}
}

// Routes implements Routes.
func (h *PurchaseRoutes) Routes(r *Router) {
	res := purchaseOrdersResource
	r.GET(res.path, res.read, h.list)
	r.POST(res.path, res.write, h.create)
	r.GET(res.path+"/:id", res.read, jsonByID(res.entity, func(ctx context.Context, id int64) (*domain.Document, error) {
		return h.docs.Get(ctx, res.types, id)
	}, toPurchaseOrderResponse))
	r.PATCH(res.path+"/:id", res.write, h.edit)
	r.DELETE(res.path+"/:id", res.write, deleteByID(res.entity, func(ctx context.Context, id int64) error {
		return h.docs.Delete(ctx, res.types, id)
	}))
	r.POST(res.path+"/:id/validate", res.validate, h.validate)
	r.POST(res.path+"/:id/cancel", res.write, jsonByID(res.entity, h.purchase.Cancel, toPurchaseOrderResponse))
	r.POST(res.path+"/:id/receptions", domain.PermReceptionsWrite, h.receive)
	r.GET("/receptions", domain.PermPurchaseOrdersRead, h.receptions)
	r.GET("/receptions/:id", domain.PermPurchaseOrdersRead, jsonByID("reception", h.purchase.Reception, toReceptionResponse))
}

func (h *PurchaseRoutes) list(c echo.Context) error {
	q, err := ParseList(c, documentSortFields...)
	verr := &domain.ValidationError{}
	if err != nil && !errors.As(err, &verr) {
		return err
	}
	f := domain.DocumentFilter{Types: purchaseOrdersResource.types, ThirdPartyID: idQuery(c, "supplier_id", verr)}
	if s := domain.DocStatus(c.QueryParam("status")); s != "" {
		if statuses := domain.DocPurchaseOrder.Statuses(); !slices.Contains(statuses, s) {
			verr.Add("status", "must be one of %s", joinStatuses(statuses))
		}
		f.Status = s
	}
	if err := verr.OrNil(); err != nil {
		return err
	}
	page, err := h.docs.List(c.Request().Context(), f, q)
	if err != nil {
		return err
	}
	return respondList(c, page, q, toPurchaseOrderResponse)
}

func (h *PurchaseRoutes) create(c echo.Context) error {
	var req purchaseOrderRequest
	if err := BindChecked(c, &req, req.check); err != nil {
		return err
	}
	d, err := h.docs.Create(c.Request().Context(), PrincipalOf(c), domain.DocPurchaseOrder, req.document().toDraft())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/purchase-orders/"+strconv.FormatInt(d.ID, 10))
	return c.JSON(http.StatusCreated, toPurchaseOrderResponse(d))
}

func (h *PurchaseRoutes) edit(c echo.Context) error {
	id, err := idParam(c, purchaseOrdersResource.entity)
	if err != nil {
		return err
	}
	var req purchaseOrderRequest
	if err := BindChecked(c, &req, req.check); err != nil {
		return err
	}
	d, err := h.docs.Edit(c.Request().Context(), purchaseOrdersResource.types, id, req.document().toPatch())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPurchaseOrderResponse(d))
}

// validate numbers a draft; a purchase order moves no stock on validation
// (its receptions do), so the body takes no warehouse.
func (h *PurchaseRoutes) validate(c echo.Context) error {
	id, err := idParam(c, purchaseOrdersResource.entity)
	if err != nil {
		return err
	}
	var req struct{}
	if err := Bind(c, &req); err != nil {
		return err
	}
	d, err := h.docs.Validate(c.Request().Context(), PrincipalOf(c), purchaseOrdersResource.types, id, 0)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPurchaseOrderResponse(d))
}

func (h *PurchaseRoutes) receive(c echo.Context) error {
	id, err := idParam(c, purchaseOrdersResource.entity)
	if err != nil {
		return err
	}
	var req receptionRequest
	if err := BindChecked(c, &req, req.check); err != nil {
		return err
	}
	rec, err := h.purchase.Receive(c.Request().Context(), PrincipalOf(c), id, req.toDomain())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/receptions/"+strconv.FormatInt(rec.ID, 10))
	return c.JSON(http.StatusCreated, toReceptionResponse(rec))
}

func (h *PurchaseRoutes) receptions(c echo.Context) error {
	q, err := ParseList(c, domain.ReceptionSortFields...)
	verr := &domain.ValidationError{}
	if err != nil && !errors.As(err, &verr) {
		return err
	}
	f := domain.ReceptionFilter{ListQuery: q, PurchaseOrderID: idQuery(c, "purchase_order_id", verr)}
	if err := verr.OrNil(); err != nil {
		return err
	}
	page, err := h.purchase.Receptions(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return respondList(c, page, q, toReceptionResponse)
}
