package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
)

// lineRequest is one line of a document body. product_id null or absent
// makes a free-text line; a product line may leave out description,
// unit_price and vat_rate, which then come from the product.
type lineRequest struct {
	ProductID       *int64  `json:"product_id"`
	Description     string  `json:"description" text:"multiline"`
	Qty             Decimal `json:"qty"`
	UnitPrice       Decimal `json:"unit_price"`
	DiscountPercent Decimal `json:"discount_percent"`
	VATRate         Decimal `json:"vat_rate"`
}

// documentRequest is the body of POST (a new draft) and PATCH (absent fields
// stay; lines, when present, replace every line) on a document resource.
type documentRequest struct {
	ThirdPartyID *int64         `json:"thirdparty_id"`
	CustomerRef  *string        `json:"customer_ref"`
	ContactID    nullableID     `json:"contact_id"` // null removes it on PATCH
	Date         DateField      `json:"date"`
	DueDate      DateField      `json:"due_date"` // null clears it on PATCH
	Currency     *string        `json:"currency"`
	CurrencyRate Decimal        `json:"currency_rate"` // null removes it on PATCH
	Note         *string        `json:"note" text:"multiline"`
	Lines        *[]lineRequest `json:"lines"`
}

func (r *documentRequest) check(v *domain.ValidationError) {
	r.Date.Check(v, "date", false)
	r.CurrencyRate.Check(v, "currency_rate", false)
	r.DueDate.Check(v, "due_date", true)
	r.ContactID.Check(v, "contact_id")
	if r.Lines == nil {
		return
	}
	for i, l := range *r.Lines {
		f := func(name string) string { return fmt.Sprintf("lines[%d].%s", i, name) }
		l.Qty.Check(v, f("qty"), true)
		l.UnitPrice.Check(v, f("unit_price"), false)
		l.DiscountPercent.Check(v, f("discount_percent"), false)
		l.VATRate.Check(v, f("vat_rate"), false)
	}
}

func (r *documentRequest) lines() []domain.LineInput {
	if r.Lines == nil {
		return nil
	}
	out := make([]domain.LineInput, len(*r.Lines))
	for i, l := range *r.Lines {
		out[i] = domain.LineInput{
			ProductID: valueOr(l.ProductID, 0), Description: strings.TrimSpace(l.Description),
			Qty: l.Qty.Value, UnitPrice: l.UnitPrice.Ptr(), DiscountPercent: l.DiscountPercent.Value, VATRate: l.VATRate.Ptr(),
		}
	}
	return out
}

// currency upper-cases what the client sent: "eur" means EUR.
func (r *documentRequest) currency() *string {
	if r.Currency == nil {
		return nil
	}
	c := strings.ToUpper(strings.TrimSpace(*r.Currency))
	return &c
}

func (r *documentRequest) toDraft() domain.DraftInput {
	in := domain.DraftInput{
		ThirdPartyID: valueOr(r.ThirdPartyID, 0), Date: r.Date.Value, DueDate: r.DueDate.Ptr(),
		Currency: valueOr(r.currency(), ""), CurrencyRate: r.CurrencyRate.Ptr(), Note: valueOr(r.Note, ""), Lines: r.lines(),
	}
	r.refsToDraft(&in)
	return in
}

func (r *documentRequest) toPatch() domain.DraftPatch {
	p := domain.DraftPatch{
		ThirdPartyID: r.ThirdPartyID, Date: r.Date.Ptr(), DueDate: r.DueDate.Ptr(), ClearDueDate: r.DueDate.Null,
		Currency: r.currency(), Note: r.Note,
		CurrencyRate: r.CurrencyRate.Ptr(), ClearCurrencyRate: r.CurrencyRate.SentNull,
	}
	if r.Lines != nil {
		lines := r.lines()
		p.Lines = &lines
	}
	r.refsToPatch(&p)
	return p
}

type lineResponse struct {
	ID              int64  `json:"id"`
	ProductID       *int64 `json:"product_id"`
	Description     string `json:"description"`
	Qty             string `json:"qty"`
	UnitPrice       string `json:"unit_price"`
	DiscountPercent string `json:"discount_percent"`
	VATRate         string `json:"vat_rate"`
	TotalNet        string `json:"total_net"`
	TotalVAT        string `json:"total_vat"`
	TotalGross      string `json:"total_gross"`
	// DownPaymentID names the down payment a final invoice's deduction line deducts.
	DownPaymentID *int64 `json:"down_payment_id,omitempty"`
	// QtyShipped is what shipments sent of an order's line; orders only.
	QtyShipped *string `json:"qty_shipped,omitempty"`
}

type vatResponse struct {
	VATRate  string `json:"vat_rate"`
	TotalNet string `json:"total_net"`
	TotalVAT string `json:"total_vat"`
}

// documentResponse is the wire shape of every commercial document.
type documentResponse struct {
	ID           int64          `json:"id"`
	Ref          string         `json:"ref"`
	Type         string         `json:"type"`
	ThirdPartyID int64          `json:"thirdparty_id"`
	CustomerRef  string         `json:"customer_ref"`
	ContactID    *int64         `json:"contact_id"`
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
	// VATRegime and VATMention: how VAT applies to the sale and its legal
	// mention in English ("" when none; the PDF prints it translated).
	VATRegime  string `json:"vat_regime"`
	VATMention string `json:"vat_mention"`
}

// unitPrice writes a price with at least the currency's decimals ("12.50",
// "0.125", "1250" in JPY).
func unitPrice(d decimal.Decimal, currency string) string {
	prec := domain.CurrencyPrecision(currency)
	if -d.Exponent() > prec && !d.Equal(d.Truncate(prec)) {
		return d.String()
	}
	return d.StringFixed(prec)
}

func optPositive(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func toDocumentResponse(d *domain.Document) documentResponse {
	money := func(x decimal.Decimal) string { return domain.FormatMoney(x, d.Currency) }
	r := documentResponse{
		ID: d.ID, Ref: d.DisplayRef(), Type: string(d.Type), ThirdPartyID: d.ThirdPartyID, Status: string(d.Status),
		CustomerRef: d.CustomerRef, ContactID: optPositive(d.ContactID),
		Date: formatDate(d.Date), DueDate: formatOptDate(d.DueDate), Currency: d.Currency, Note: d.Note,
		SourceID: optPositive(d.SourceID), Lines: make([]lineResponse, len(d.Lines)), VATBreakdown: []vatResponse{},
		TotalNet: money(d.TotalNet), TotalVAT: money(d.TotalVAT), TotalGross: money(d.TotalGross),
		fxResponse: toFXResponse(d),
		AmountPaid: money(d.AmountPaid), AmountDue: money(d.AmountDue()),
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, ValidatedAt: d.ValidatedAt,
	}
	r.VATRegime, r.VATMention = vatRegimeOf(d)
	for i, l := range d.Lines {
		r.Lines[i] = lineResponse{
			ID: l.ID, ProductID: optPositive(l.ProductID), Description: l.Description,
			Qty: Qty(l.Qty), UnitPrice: unitPrice(l.UnitPrice, d.Currency),
			DiscountPercent: Qty(l.DiscountPercent), VATRate: Qty(l.VATRate),
			TotalNet: money(l.TotalNet), TotalVAT: money(l.TotalVAT), TotalGross: money(l.TotalGross),
			DownPaymentID: optPositive(l.DownPaymentID),
		}
		if d.Type == domain.DocOrder {
			shipped := Qty(l.QtyShipped)
			r.Lines[i].QtyShipped = &shipped
		}
	}
	for _, v := range d.VATBreakdown() {
		r.VATBreakdown = append(r.VATBreakdown, vatResponse{VATRate: Qty(v.Rate), TotalNet: money(v.Base), TotalVAT: money(v.Amount)})
	}
	return r
}

// validateRequest is the optional body of …/validate.
type validateRequest struct {
	WarehouseID *int64 `json:"warehouse_id" validate:"omitempty,gt=0"`
}

type paymentRequest struct {
	Amount    Decimal   `json:"amount"`
	Date      DateField `json:"date"` // default today
	Method    string    `json:"method" validate:"required,oneof=cash card bank_transfer check other"`
	Reference string    `json:"reference" validate:"max=255"`
	// BankAccountID is the account the money lands on; the default account
	// when absent.
	BankAccountID *int64 `json:"bank_account_id" validate:"omitempty,gt=0"`
}

func (r *paymentRequest) check(v *domain.ValidationError) {
	r.Amount.Check(v, "amount", true)
	r.Date.Check(v, "date", false)
}

type paymentResponse struct {
	ID         int64  `json:"id"`
	DocumentID int64  `json:"invoice_id"`
	Amount     string `json:"amount"`
	Date       string `json:"date"`
	Method     string `json:"method"`
	Reference  string `json:"reference"`
	paymentFXResponse
	CreatedAt time.Time `json:"created_at"`
	// BankAccountID is the account the payment landed on; null when there
	// was no bank account.
	BankAccountID *int64 `json:"bank_account_id"`
}

func toPaymentResponse(p *domain.Payment) paymentResponse {
	return paymentResponse{
		ID: p.ID, DocumentID: p.DocumentID, Amount: domain.FormatMoney(p.Amount, p.Currency), Date: formatDate(p.Date),
		Method: string(p.Method), Reference: p.Reference, CreatedAt: p.CreatedAt, BankAccountID: optPositive(p.BankAccountID),
		paymentFXResponse: toPaymentFXResponse(p),
	}
}

// paymentsResponse is GET …/payments: every payment, oldest first.
type paymentsResponse struct {
	Items []paymentResponse `json:"items"`
}

func toPaymentsResponse(ps []*domain.Payment) paymentsResponse {
	out := paymentsResponse{Items: make([]paymentResponse, len(ps))}
	for i, p := range ps {
		out.Items[i] = toPaymentResponse(p)
	}
	return out
}

type documentService interface {
	Create(ctx context.Context, actor domain.Principal, t domain.DocType, in domain.DraftInput) (*domain.Document, error)
	Get(ctx context.Context, types []domain.DocType, id int64) (*domain.Document, error)
	List(ctx context.Context, f domain.DocumentFilter, q domain.ListQuery) (domain.Page[*domain.Document], error)
	Edit(ctx context.Context, types []domain.DocType, id int64, p domain.DraftPatch) (*domain.Document, error)
	Delete(ctx context.Context, types []domain.DocType, id int64) error
	Validate(ctx context.Context, actor domain.Principal, types []domain.DocType, id, warehouseID int64) (*domain.Document, error)
	Accept(ctx context.Context, id int64) (*domain.Document, error)
	Refuse(ctx context.Context, id int64) (*domain.Document, error)
	Convert(ctx context.Context, actor domain.Principal, a domain.Action, id int64) (*domain.Document, error)
	paymentService
}

// paymentService is the payments of the documents of a resource (types).
type paymentService interface {
	AddPayment(ctx context.Context, actor domain.Principal, types []domain.DocType, documentID int64, p domain.Payment) (*domain.Payment, error)
	DeletePayment(ctx context.Context, types []domain.DocType, documentID, paymentID int64) error
	Payments(ctx context.Context, types []domain.DocType, documentID int64) ([]*domain.Payment, error)
}

// docResource is one document resource of the API and the permissions of
// its routes.
type docResource struct {
	path                  string // "/invoices"
	entity                string // for "not found" messages
	types                 []domain.DocType
	creates               domain.DocType
	read, write, validate string
}

var (
	proposalsResource = docResource{
		path: "/proposals", entity: "proposal", types: []domain.DocType{domain.DocProposal}, creates: domain.DocProposal,
		read: domain.PermProposalsRead, write: domain.PermProposalsWrite, validate: domain.PermProposalsValidate,
	}
	ordersResource = docResource{
		path: "/orders", entity: "order", types: []domain.DocType{domain.DocOrder}, creates: domain.DocOrder,
		read: domain.PermOrdersRead, write: domain.PermOrdersWrite, validate: domain.PermOrdersValidate,
	}
	// Credit notes live under /invoices, as in Dolibarr: same lifecycle and
	// payments (refunds), their own numbering; they are made from an invoice.
	// Down-payment invoices too (made from an order, down_payments.go).
	invoicesResource = docResource{
		path: "/invoices", entity: "invoice", types: []domain.DocType{domain.DocInvoice, domain.DocCreditNote, domain.DocDownPayment}, creates: domain.DocInvoice,
		read: domain.PermInvoicesRead, write: domain.PermInvoicesWrite, validate: domain.PermInvoicesValidate,
	}
)

// DocumentRoutes is /api/v1/proposals, /orders and /invoices with their
// lifecycle actions and the payments of invoices.
type DocumentRoutes struct{ svc documentService }

// NewDocumentRoutes returns the commercial documents area.
func NewDocumentRoutes(svc documentService) *DocumentRoutes { return &DocumentRoutes{svc: svc} }

// Routes implements Routes.
func (h *DocumentRoutes) Routes(r *Router) {
	for _, res := range []docResource{proposalsResource, ordersResource, invoicesResource} {
		r.GET(res.path, res.read, h.list(res))
		r.POST(res.path, res.write, h.create(res))
		r.GET(res.path+"/:id", res.read, jsonByID(res.entity, func(ctx context.Context, id int64) (*domain.Document, error) {
			return h.svc.Get(ctx, res.types, id)
		}, toDocumentResponse))
		r.PATCH(res.path+"/:id", res.write, h.edit(res))
		r.DELETE(res.path+"/:id", res.write, deleteByID(res.entity, func(ctx context.Context, id int64) error {
			return h.svc.Delete(ctx, res.types, id)
		}))
		r.POST(res.path+"/:id/validate", res.validate, h.validate(res))
	}
	r.POST("/proposals/:id/accept", domain.PermProposalsValidate, jsonByID("proposal", func(ctx context.Context, id int64) (*domain.Document, error) {
		return h.svc.Accept(ctx, id)
	}, toDocumentResponse))
	r.POST("/proposals/:id/refuse", domain.PermProposalsValidate, jsonByID("proposal", func(ctx context.Context, id int64) (*domain.Document, error) {
		return h.svc.Refuse(ctx, id)
	}, toDocumentResponse))
	r.POST("/proposals/:id/order", domain.PermOrdersWrite, h.convert(domain.ActOrder, proposalsResource, ordersResource))
	r.POST("/orders/:id/invoice", domain.PermInvoicesWrite, h.convert(domain.ActInvoice, ordersResource, invoicesResource))
	r.POST("/invoices/:id/credit-note", domain.PermInvoicesWrite, h.convert(domain.ActCreditNote, invoicesResource, invoicesResource))
	paymentRoutes(r, h.svc, invoicesResource, domain.PermPaymentsWrite)
}

// paymentRoutes registers GET and POST …/{id}/payments and DELETE
// …/{id}/payments/{payment_id} on the resource: reading them takes its read
// permission, recording and deleting them write.
func paymentRoutes(r *Router, svc paymentService, res docResource, write string) {
	r.GET(res.path+"/:id/payments", res.read, func(c echo.Context) error {
		id, err := idParam(c, res.entity)
		if err != nil {
			return err
		}
		ps, err := svc.Payments(c.Request().Context(), res.types, id)
		if err != nil {
			return err
		}
		out := toPaymentsResponse(ps)
		return respondItems(c, out.Items, out)
	})
	r.POST(res.path+"/:id/payments", write, addPayment(svc, res))
	r.DELETE(res.path+"/:id/payments/:payment_id", write, deletePayment(svc, res))
}

// documentSortFields are the fields a document list may be sorted by.
var documentSortFields = []string{"id", "ref", "date", "due_date", "status", "total_gross", "created_at", "updated_at"}

func (h *DocumentRoutes) list(res docResource) echo.HandlerFunc {
	return listDocuments(h.svc, res, "thirdparty_id", toDocumentResponse)
}

// documentLister is what a list of documents needs.
type documentLister interface {
	List(ctx context.Context, f domain.DocumentFilter, q domain.ListQuery) (domain.Page[*domain.Document], error)
}

// listDocuments is GET on a document resource: the page, filtered by status,
// type and third party (the query parameter party: thirdparty_id, or
// supplier_id on the buy side), each document written by to.
func listDocuments[T any](svc documentLister, res docResource, party string, to func(*domain.Document) T) echo.HandlerFunc {
	return func(c echo.Context) error {
		q, err := ParseList(c, documentSortFields...)
		verr := &domain.ValidationError{}
		if err != nil && !errors.As(err, &verr) {
			return err
		}
		f := domain.DocumentFilter{Types: res.types, ThirdPartyID: idQuery(c, party, verr)}
		if s := domain.DocStatus(c.QueryParam("status")); s != "" {
			if !slices.Contains(res.types[0].Statuses(), s) {
				verr.Add("status", "must be one of %s", joinStatuses(res.types[0].Statuses()))
			}
			f.Status = s
		}
		if t := domain.DocType(c.QueryParam("type")); t != "" {
			if !slices.Contains(res.types, t) {
				verr.Add("type", "must be one of %s", joinTypes(res.types))
			}
			f.Types = []domain.DocType{t}
		}
		if err := verr.OrNil(); err != nil {
			return err
		}
		page, err := svc.List(c.Request().Context(), f, q)
		if err != nil {
			return err
		}
		return respondList(c, page, q, to)
	}
}

func joinStatuses(ss []domain.DocStatus) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return strings.Join(out, ", ")
}

func joinTypes(ts []domain.DocType) string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t)
	}
	return strings.Join(out, ", ")
}

// created answers 201 with the document and its Location.
func created(c echo.Context, res docResource, d *domain.Document) error {
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1"+res.path+"/"+strconv.FormatInt(d.ID, 10))
	return c.JSON(http.StatusCreated, toDocumentResponse(d))
}

func (h *DocumentRoutes) create(res docResource) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req documentRequest
		if err := BindChecked(c, &req, req.check); err != nil {
			return err
		}
		d, err := h.svc.Create(c.Request().Context(), PrincipalOf(c), res.creates, req.toDraft())
		if err != nil {
			return err
		}
		return created(c, res, d)
	}
}

func (h *DocumentRoutes) edit(res docResource) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, res.entity)
		if err != nil {
			return err
		}
		var req documentRequest
		if err := BindChecked(c, &req, req.check); err != nil {
			return err
		}
		d, err := h.svc.Edit(c.Request().Context(), res.types, id, req.toPatch())
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toDocumentResponse(d))
	}
}

func (h *DocumentRoutes) validate(res docResource) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, res.entity)
		if err != nil {
			return err
		}
		var req validateRequest
		if err := Bind(c, &req); err != nil {
			return err
		}
		d, err := h.svc.Validate(c.Request().Context(), PrincipalOf(c), res.types, id, valueOr(req.WarehouseID, 0))
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, toDocumentResponse(d))
	}
}

// convert makes the next document of the chain and answers 201 with it.
func (h *DocumentRoutes) convert(a domain.Action, from, to docResource) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, from.entity)
		if err != nil {
			return err
		}
		d, err := h.svc.Convert(c.Request().Context(), PrincipalOf(c), a, id)
		if err != nil {
			return err
		}
		return created(c, to, d)
	}
}

func addPayment(svc paymentService, res docResource) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, res.entity)
		if err != nil {
			return err
		}
		var req paymentRequest
		if err := BindChecked(c, &req, req.check); err != nil {
			return err
		}
		p, err := svc.AddPayment(c.Request().Context(), PrincipalOf(c), res.types, id, domain.Payment{
			Amount: req.Amount.Value, Date: req.Date.Value, Method: domain.PaymentMethod(req.Method), Reference: strings.TrimSpace(req.Reference),
			BankAccountID: valueOr(req.BankAccountID, 0),
		})
		if err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/api/v1%s/%d/payments/%d", res.path, id, p.ID))
		return c.JSON(http.StatusCreated, toPaymentResponse(p))
	}
}

func deletePayment(svc paymentService, res docResource) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, res.entity)
		if err != nil {
			return err
		}
		pid, err := pathID(c, "payment_id", "payment")
		if err != nil {
			return err
		}
		if err := svc.DeletePayment(c.Request().Context(), res.types, id, pid); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
}
