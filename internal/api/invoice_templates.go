package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

// invoiceTemplateRequest is the body of POST (a new template) and PATCH
// (absent fields stay; lines, when present, replace every line; end_date and
// max_count null clear them) on /invoice-templates.
type invoiceTemplateRequest struct {
	ThirdPartyID *int64         `json:"thirdparty_id"`
	Currency     *string        `json:"currency"`
	Note         *string        `json:"note" text:"multiline"`
	Lines        *[]lineRequest `json:"lines"`
	Frequency    *string        `json:"frequency"`
	Interval     *int           `json:"interval"`
	NextDate     DateField      `json:"next_date"`
	EndDate      DateField      `json:"end_date"`
	MaxCount     NullableInt    `json:"max_count"`
	AutoValidate *bool          `json:"auto_validate"`
	AutoSend     *bool          `json:"auto_send"`
	Active       *bool          `json:"active"`
}

func (r *invoiceTemplateRequest) check(v *domain.ValidationError) {
	r.NextDate.Check(v, "next_date", false)
	r.EndDate.Check(v, "end_date", true)
	r.MaxCount.Check(v, "max_count")
	if r.Lines != nil {
		doc := documentRequest{Lines: r.Lines}
		doc.check(v)
	}
}

func (r *invoiceTemplateRequest) lines() []domain.LineInput {
	return (&documentRequest{Lines: r.Lines}).lines()
}

func (r *invoiceTemplateRequest) toTemplate() domain.InvoiceTemplate {
	return domain.InvoiceTemplate{
		ThirdPartyID: valueOr(r.ThirdPartyID, 0), Currency: valueOr((&documentRequest{Currency: r.Currency}).currency(), ""),
		Note: valueOr(r.Note, ""), Lines: r.lines(), Frequency: domain.Frequency(valueOr(r.Frequency, "")),
		Interval: valueOr(r.Interval, 1), NextDate: r.NextDate.Value, EndDate: r.EndDate.Ptr(), MaxCount: r.MaxCount.Ptr(),
		AutoValidate: valueOr(r.AutoValidate, false), AutoSend: valueOr(r.AutoSend, false), Active: valueOr(r.Active, true),
	}
}

func (r *invoiceTemplateRequest) toPatch() domain.InvoiceTemplatePatch {
	p := domain.InvoiceTemplatePatch{
		ThirdPartyID: r.ThirdPartyID, Currency: (&documentRequest{Currency: r.Currency}).currency(), Note: r.Note,
		Interval: r.Interval, NextDate: r.NextDate.Ptr(), EndDate: r.EndDate.Ptr(), ClearEndDate: r.EndDate.Null,
		MaxCount: r.MaxCount.Ptr(), ClearMax: r.MaxCount.Null,
		AutoValidate: r.AutoValidate, AutoSend: r.AutoSend, Active: r.Active,
	}
	if r.Frequency != nil {
		f := domain.Frequency(*r.Frequency)
		p.Frequency = &f
	}
	if r.Lines != nil {
		lines := r.lines()
		p.Lines = &lines
	}
	return p
}

type templateLineResponse struct {
	ProductID       *int64  `json:"product_id"`
	Description     string  `json:"description"`
	Qty             string  `json:"qty"`
	UnitPrice       *string `json:"unit_price"` // null: the product's at each generation
	DiscountPercent string  `json:"discount_percent"`
	VATRate         *string `json:"vat_rate"`
}

type invoiceTemplateResponse struct {
	ID             int64                  `json:"id"`
	ThirdPartyID   int64                  `json:"thirdparty_id"`
	Currency       string                 `json:"currency"`
	Note           string                 `json:"note"`
	Lines          []templateLineResponse `json:"lines"`
	Frequency      string                 `json:"frequency"`
	Interval       int                    `json:"interval"`
	NextDate       string                 `json:"next_date"`
	EndDate        *string                `json:"end_date"`
	MaxCount       *int                   `json:"max_count"`
	GeneratedCount int                    `json:"generated_count"`
	AutoValidate   bool                   `json:"auto_validate"`
	AutoSend       bool                   `json:"auto_send"`
	Active         bool                   `json:"active"`
	Finished       bool                   `json:"finished"`
	CreatedAt      time.Time              `json:"created_at"`
	UpdatedAt      time.Time              `json:"updated_at"`
}

func toInvoiceTemplateResponse(t *domain.InvoiceTemplate) invoiceTemplateResponse {
	r := invoiceTemplateResponse{
		ID: t.ID, ThirdPartyID: t.ThirdPartyID, Currency: t.Currency, Note: t.Note, Lines: make([]templateLineResponse, len(t.Lines)),
		Frequency: string(t.Frequency), Interval: t.Interval, NextDate: formatDate(t.NextDate), EndDate: formatOptDate(t.EndDate),
		MaxCount: t.MaxCount, GeneratedCount: t.GeneratedCount, AutoValidate: t.AutoValidate, AutoSend: t.AutoSend,
		Active: t.Active, Finished: t.Finished(), CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
	}
	for i, l := range t.Lines {
		r.Lines[i] = templateLineResponse{
			ProductID: optPositive(l.ProductID), Description: l.Description, Qty: Qty(l.Qty), DiscountPercent: Qty(l.DiscountPercent),
		}
		if l.UnitPrice != nil {
			s := unitPrice(*l.UnitPrice, t.Currency)
			r.Lines[i].UnitPrice = &s
		}
		if l.VATRate != nil {
			s := Qty(*l.VATRate)
			r.Lines[i].VATRate = &s
		}
	}
	return r
}

type invoiceTemplates interface {
	Create(ctx context.Context, actor domain.Principal, in domain.InvoiceTemplate) (*domain.InvoiceTemplate, error)
	Get(ctx context.Context, id int64) (*domain.InvoiceTemplate, error)
	List(ctx context.Context, f domain.InvoiceTemplateFilter) (domain.Page[*domain.InvoiceTemplate], error)
	Update(ctx context.Context, actor domain.Principal, id int64, p domain.InvoiceTemplatePatch) (*domain.InvoiceTemplate, error)
	Delete(ctx context.Context, id int64) error
}

// InvoiceTemplateRoutes is /api/v1/invoice-templates: recurring invoices,
// generated by the worker (usecase.InvoiceTemplateService).
type InvoiceTemplateRoutes struct{ svc invoiceTemplates }

// NewInvoiceTemplateRoutes returns the invoice-templates area.
func NewInvoiceTemplateRoutes(svc invoiceTemplates) *InvoiceTemplateRoutes {
	return &InvoiceTemplateRoutes{svc: svc}
}

// Routes implements Routes. Templates make invoices, so they are read and
// changed with the invoices' permissions; one that validates or sends also
// needs the permission to do so by hand (checked by the use case).
func (h *InvoiceTemplateRoutes) Routes(r *Router) {
	r.GET("/invoice-templates", domain.PermInvoicesRead, h.list)
	r.POST("/invoice-templates", domain.PermInvoicesWrite, h.create)
	r.GET("/invoice-templates/:id", domain.PermInvoicesRead, jsonByID("invoice template", h.svc.Get, toInvoiceTemplateResponse))
	r.PATCH("/invoice-templates/:id", domain.PermInvoicesWrite, h.update)
	r.DELETE("/invoice-templates/:id", domain.PermInvoicesWrite, deleteByID("invoice template", h.svc.Delete))
}

func (h *InvoiceTemplateRoutes) list(c echo.Context) error {
	q, err := ParseList(c, domain.InvoiceTemplateSortFields...)
	verr := &domain.ValidationError{}
	if err != nil && !errors.As(err, &verr) {
		return err
	}
	f := domain.InvoiceTemplateFilter{ListQuery: q, ThirdPartyID: idQuery(c, "thirdparty_id", verr), Active: boolQuery(c, "active", verr)}
	if err := verr.OrNil(); err != nil {
		return err
	}
	page, err := h.svc.List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return respondList(c, page, q, toInvoiceTemplateResponse)
}

func (h *InvoiceTemplateRoutes) create(c echo.Context) error {
	var req invoiceTemplateRequest
	err := BindChecked(c, &req, req.check)
	var verr *domain.ValidationError
	if err != nil && !errors.As(err, &verr) {
		return err
	}
	if verr != nil {
		return verr
	}
	t, err := h.svc.Create(c.Request().Context(), PrincipalOf(c), req.toTemplate())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1/invoice-templates/%d", t.ID))
	return c.JSON(http.StatusCreated, toInvoiceTemplateResponse(t))
}

func (h *InvoiceTemplateRoutes) update(c echo.Context) error {
	id, err := idParam(c, "invoice template")
	if err != nil {
		return err
	}
	var req invoiceTemplateRequest
	if err := BindChecked(c, &req, req.check); err != nil {
		return err
	}
	t, err := h.svc.Update(c.Request().Context(), PrincipalOf(c), id, req.toPatch())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toInvoiceTemplateResponse(t))
}
