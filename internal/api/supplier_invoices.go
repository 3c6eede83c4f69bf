package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

// supplierInvoiceRequest is the body of POST (a new draft) and PATCH on
// /supplier-invoices: the document shape with supplier_id in place of
// thirdparty_id, and the supplier's own number.
type supplierInvoiceRequest struct {
	SupplierID   *int64         `json:"supplier_id"`
	SupplierRef  *string        `json:"supplier_ref"`
	Date         DateField      `json:"date"`
	DueDate      DateField      `json:"due_date"` // null clears it on PATCH
	Currency     *string        `json:"currency"`
	CurrencyRate Decimal        `json:"currency_rate"` // null removes it on PATCH
	Note         *string        `json:"note" text:"multiline"`
	Lines        *[]lineRequest `json:"lines"`
}

// document is the request as the sales documents' body, which converts it.
func (r *supplierInvoiceRequest) document() *documentRequest {
	return &documentRequest{
		ThirdPartyID: r.SupplierID, Date: r.Date, DueDate: r.DueDate, Currency: r.Currency, CurrencyRate: r.CurrencyRate, Note: r.Note, Lines: r.Lines,
	}
}

func (r *supplierInvoiceRequest) check(v *domain.ValidationError) { r.document().check(v) }

func (r *supplierInvoiceRequest) supplierRef() *string {
	if r.SupplierRef == nil {
		return nil
	}
	s := strings.TrimSpace(*r.SupplierRef)
	return &s
}

func (r *supplierInvoiceRequest) toDraft() domain.DraftInput {
	in := r.document().toDraft()
	in.SupplierRef = valueOr(r.supplierRef(), "")
	return in
}

func (r *supplierInvoiceRequest) toPatch() domain.DraftPatch {
	p := r.document().toPatch()
	p.SupplierRef = r.supplierRef()
	return p
}

// supplierInvoiceResponse is the wire shape of a supplier invoice or supplier
// credit note: a document with supplier_id and supplier_ref.
type supplierInvoiceResponse struct {
	ID           int64          `json:"id"`
	Ref          string         `json:"ref"`
	Type         string         `json:"type"`
	SupplierID   int64          `json:"supplier_id"`
	SupplierRef  string         `json:"supplier_ref"`
	Status       string         `json:"status"`
	Date         string         `json:"date"`
	DueDate      *string        `json:"due_date"`
	Currency     string         `json:"currency"`
	Note         string         `json:"note"`
	SourceID     *int64         `json:"source_id"`
	Lines        []lineResponse `json:"lines"`
	VATBreakdown []vatResponse  `json:"vat_breakdown"`
	TotalNet     string         `json:"total_net"`
	TotalVAT     string         `json:"total_vat"`
	TotalGross   string         `json:"total_gross"`
	fxResponse
	AmountPaid  string     `json:"amount_paid"`
	AmountDue   string     `json:"amount_due"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	ValidatedAt *time.Time `json:"validated_at"`
}

func toSupplierInvoiceResponse(d *domain.Document) supplierInvoiceResponse {
	r := toDocumentResponse(d)
	return supplierInvoiceResponse{
		ID: r.ID, Ref: r.Ref, Type: r.Type, SupplierID: r.ThirdPartyID, SupplierRef: d.SupplierRef, Status: r.Status,
		Date: r.Date, DueDate: r.DueDate, Currency: r.Currency, Note: r.Note, SourceID: r.SourceID,
		Lines: r.Lines, VATBreakdown: r.VATBreakdown, TotalNet: r.TotalNet, TotalVAT: r.TotalVAT, TotalGross: r.TotalGross,
		fxResponse: r.fxResponse,
		AmountPaid: r.AmountPaid, AmountDue: r.AmountDue, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, ValidatedAt: r.ValidatedAt,
	}
}

type supplierInvoiceService interface {
	Create(ctx context.Context, actor domain.Principal, t domain.DocType, in domain.DraftInput) (*domain.Document, error)
	Get(ctx context.Context, types []domain.DocType, id int64) (*domain.Document, error)
	List(ctx context.Context, f domain.DocumentFilter, q domain.ListQuery) (domain.Page[*domain.Document], error)
	Edit(ctx context.Context, types []domain.DocType, id int64, p domain.DraftPatch) (*domain.Document, error)
	Delete(ctx context.Context, types []domain.DocType, id int64) error
	Validate(ctx context.Context, actor domain.Principal, types []domain.DocType, id, warehouseID int64) (*domain.Document, error)
	SupplierCreditNote(ctx context.Context, actor domain.Principal, id int64) (*domain.Document, error)
	InvoicePurchaseOrder(ctx context.Context, actor domain.Principal, id int64) (*domain.Document, error)
	paymentService
}

// Supplier credit notes live under /supplier-invoices as customer credit
// notes do under /invoices: same lifecycle and payments (refunds to us),
// their own numbering; they are made from a supplier invoice.
var supplierInvoicesResource = docResource{
	path: "/supplier-invoices", entity: "supplier invoice",
	types:   []domain.DocType{domain.DocSupplierInvoice, domain.DocSupplierCreditNote},
	creates: domain.DocSupplierInvoice,
	read:    domain.PermSupplierInvoicesRead, write: domain.PermSupplierInvoicesWrite, validate: domain.PermSupplierInvoicesValidate,
}

// SupplierInvoiceRoutes is /api/v1/supplier-invoices with its lifecycle,
// credit notes and payments, and POST /purchase-orders/{id}/invoice.
type SupplierInvoiceRoutes struct{ svc supplierInvoiceService }

// NewSupplierInvoiceRoutes returns the supplier invoices area.
func NewSupplierInvoiceRoutes(svc supplierInvoiceService) *SupplierInvoiceRoutes {
	return &SupplierInvoiceRoutes{svc: svc}
}

// Routes implements Routes.
func (h *SupplierInvoiceRoutes) Routes(r *Router) {
	res := supplierInvoicesResource
	r.GET(res.path, res.read, listDocuments(h.svc, res, "supplier_id", toSupplierInvoiceResponse))
	r.POST(res.path, res.write, h.create)
	r.GET(res.path+"/:id", res.read, jsonByID(res.entity, func(ctx context.Context, id int64) (*domain.Document, error) {
		return h.svc.Get(ctx, res.types, id)
	}, toSupplierInvoiceResponse))
	r.PATCH(res.path+"/:id", res.write, h.edit)
	r.DELETE(res.path+"/:id", res.write, deleteByID(res.entity, func(ctx context.Context, id int64) error {
		return h.svc.Delete(ctx, res.types, id)
	}))
	r.POST(res.path+"/:id/validate", res.validate, h.validate)
	r.POST(res.path+"/:id/credit-note", res.write, h.made(res.entity, h.svc.SupplierCreditNote))
	paymentRoutes(r, h.svc, res, domain.PermSupplierPaymentsWrite)
	r.POST("/purchase-orders/:id/invoice", res.write, h.made("purchase order", h.svc.InvoicePurchaseOrder))
}

// createdSupplierInvoice answers 201 with the document and its Location.
func createdSupplierInvoice(c echo.Context, d *domain.Document) error {
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1"+supplierInvoicesResource.path+"/"+strconv.FormatInt(d.ID, 10))
	return c.JSON(http.StatusCreated, toSupplierInvoiceResponse(d))
}

func (h *SupplierInvoiceRoutes) create(c echo.Context) error {
	var req supplierInvoiceRequest
	if err := BindChecked(c, &req, req.check); err != nil {
		return err
	}
	d, err := h.svc.Create(c.Request().Context(), PrincipalOf(c), domain.DocSupplierInvoice, req.toDraft())
	if err != nil {
		return err
	}
	return createdSupplierInvoice(c, d)
}

func (h *SupplierInvoiceRoutes) edit(c echo.Context) error {
	res := supplierInvoicesResource
	id, err := idParam(c, res.entity)
	if err != nil {
		return err
	}
	var req supplierInvoiceRequest
	if err := BindChecked(c, &req, req.check); err != nil {
		return err
	}
	d, err := h.svc.Edit(c.Request().Context(), res.types, id, req.toPatch())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSupplierInvoiceResponse(d))
}

// validate takes no options: supplier documents move no stock (receptions do).
func (h *SupplierInvoiceRoutes) validate(c echo.Context) error {
	res := supplierInvoicesResource
	id, err := idParam(c, res.entity)
	if err != nil {
		return err
	}
	var req struct{}
	if err := Bind(c, &req); err != nil {
		return err
	}
	d, err := h.svc.Validate(c.Request().Context(), PrincipalOf(c), res.types, id, 0)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSupplierInvoiceResponse(d))
}

// made answers 201 with the supplier document draft makes from the one the
// path names (a credit note of a supplier invoice, the invoice of a purchase
// order).
func (h *SupplierInvoiceRoutes) made(entity string, draft func(ctx context.Context, actor domain.Principal, id int64) (*domain.Document, error)) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, entity)
		if err != nil {
			return err
		}
		d, err := draft(c.Request().Context(), PrincipalOf(c), id)
		if err != nil {
			return err
		}
		return createdSupplierInvoice(c, d)
	}
}
