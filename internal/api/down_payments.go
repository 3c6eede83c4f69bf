package api

import (
	"context"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

// downPaymentRequest is the body of POST /orders/{id}/down-payment: exactly
// one of a percentage of the order's gross total or a gross amount.
type downPaymentRequest struct {
	Percent Decimal `json:"percent"`
	Amount  Decimal `json:"amount"`
}

func (r *downPaymentRequest) check(v *domain.ValidationError) {
	r.Percent.Check(v, "percent", false)
	r.Amount.Check(v, "amount", false)
}

type downPaymentService interface {
	DownPayment(ctx context.Context, actor domain.Principal, orderID int64, in domain.DownPaymentInput) (*domain.Document, error)
}

// DownPaymentRoutes is POST /api/v1/orders/{id}/down-payment: a draft
// down-payment invoice, served under /invoices like credit notes.
type DownPaymentRoutes struct{ svc downPaymentService }

// NewDownPaymentRoutes returns the down-payment route.
func NewDownPaymentRoutes(svc downPaymentService) *DownPaymentRoutes {
	return &DownPaymentRoutes{svc: svc}
}

// Routes implements Routes.
func (h *DownPaymentRoutes) Routes(r *Router) {
	r.POST("/orders/:id/down-payment", domain.PermInvoicesWrite, h.create)
}

func (h *DownPaymentRoutes) create(c echo.Context) error {
	id, err := idParam(c, ordersResource.entity)
	if err != nil {
		return err
	}
	var req downPaymentRequest
	if err := BindChecked(c, &req, req.check); err != nil {
		return err
	}
	d, err := h.svc.DownPayment(c.Request().Context(), PrincipalOf(c), id, domain.DownPaymentInput{Percent: req.Percent.Ptr(), Amount: req.Amount.Ptr()})
	if err != nil {
		return err
	}
	return created(c, invoicesResource, d)
}
