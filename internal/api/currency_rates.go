package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

// currencyRateRequest is the body of POST /currency-rates.
type currencyRateRequest struct {
	Currency string    `json:"currency"`
	Date     DateField `json:"date"`
	Rate     Decimal   `json:"rate"`
}

func (r *currencyRateRequest) check(v *domain.ValidationError) {
	r.Date.Check(v, "date", false)
	r.Rate.Check(v, "rate", true)
}

func (r *currencyRateRequest) toRate() *domain.CurrencyRate {
	return &domain.CurrencyRate{Currency: strings.ToUpper(strings.TrimSpace(r.Currency)), Date: r.Date.Value, Rate: r.Rate.Value}
}

type currencyRateResponse struct {
	ID        int64     `json:"id"`
	Currency  string    `json:"currency"`
	Date      string    `json:"date"`
	Rate      string    `json:"rate"`
	CreatedBy int64     `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

func toCurrencyRateResponse(c *domain.CurrencyRate) currencyRateResponse {
	return currencyRateResponse{
		ID: c.ID, Currency: c.Currency, Date: formatDate(c.Date), Rate: c.Rate.String(), CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt,
	}
}

type currencyRates interface {
	Create(ctx context.Context, actor domain.Principal, c *domain.CurrencyRate) error
	Get(ctx context.Context, id int64) (*domain.CurrencyRate, error)
	List(ctx context.Context, f domain.CurrencyRateFilter) (domain.Page[*domain.CurrencyRate], error)
	Delete(ctx context.Context, id int64) error
}

// CurrencyRateRoutes is /api/v1/currency-rates.
type CurrencyRateRoutes struct {
	svc     currencyRates
	company string
}

// NewCurrencyRateRoutes returns the currency-rates area; company is the
// company currency, whose rate is always 1.
func NewCurrencyRateRoutes(svc currencyRates, company string) *CurrencyRateRoutes {
	return &CurrencyRateRoutes{svc: svc, company: company}
}

// Routes implements Routes.
func (h *CurrencyRateRoutes) Routes(r *Router) {
	r.GET("/currency-rates", domain.PermCurrencyRatesRead, h.list)
	r.POST("/currency-rates", domain.PermCurrencyRatesWrite, h.create)
	r.GET("/currency-rates/:id", domain.PermCurrencyRatesRead, jsonByID("currency rate", h.svc.Get, toCurrencyRateResponse))
	r.DELETE("/currency-rates/:id", domain.PermCurrencyRatesWrite, deleteByID("currency rate", h.svc.Delete))
}

// list is GET /currency-rates?currency=&from=&to= (dates included).
func (h *CurrencyRateRoutes) list(c echo.Context) error {
	q, err := ParseList(c, domain.CurrencyRateSortFields...)
	verr := &domain.ValidationError{}
	if err != nil && !errors.As(err, &verr) {
		return err
	}
	f := domain.CurrencyRateFilter{ListQuery: q, Currency: strings.ToUpper(strings.TrimSpace(c.QueryParam("currency")))}
	if f.Currency != "" {
		domain.CheckCurrency(verr, "currency", f.Currency)
	}
	for _, p := range []struct {
		name string
		dst  **time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if t := salesDateParam(c, p.name, time.Time{}, verr); !t.IsZero() {
			*p.dst = &t
		}
	}
	if err := verr.OrNil(); err != nil {
		return err
	}
	page, err := h.svc.List(c.Request().Context(), f)
	if err != nil {
		return err
	}
	return respondList(c, page, q, toCurrencyRateResponse)
}

func (h *CurrencyRateRoutes) create(c echo.Context) error {
	var req currencyRateRequest
	err := BindChecked(c, &req, req.check)
	var verr *domain.ValidationError
	if err != nil && !errors.As(err, &verr) {
		return err
	}
	rate := req.toRate()
	if verr != nil { // list the fields the domain refuses too
		return withFieldsOf(verr, rate.Check(h.company))
	}
	if err := h.svc.Create(c.Request().Context(), PrincipalOf(c), rate); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/currency-rates/"+strconv.FormatInt(rate.ID, 10))
	return c.JSON(http.StatusCreated, toCurrencyRateResponse(rate))
}
