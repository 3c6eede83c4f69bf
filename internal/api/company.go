package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

// companyRequest is the body of PUT /company. PUT replaces the stored
// settings: a field absent or null goes back to its configured default
// (DOLIGO_COMPANY_*, DOLIGO_PAYMENT_TERMS_DAYS); "" is a value (nothing
// printed). The logo has its own route and stays.
type companyRequest struct {
	Name                    *string   `json:"name"`
	Address                 *string   `json:"address" text:"multiline"`
	Country                 *string   `json:"country"`
	VATID                   *string   `json:"vat_id"`
	RegistrationIDs         *[]string `json:"registration_ids"`
	Email                   *string   `json:"email"`
	Phone                   *string   `json:"phone"`
	IBAN                    *string   `json:"iban"`
	BIC                     *string   `json:"bic"`
	LegalNotice             *string   `json:"legal_notice" text:"multiline"`
	DefaultPaymentTermsDays *int      `json:"default_payment_terms_days"`
}

func (r *companyRequest) settings() domain.CompanySettings {
	return domain.CompanySettings{
		Name: r.Name, Address: r.Address, Country: r.Country, VATID: r.VATID, RegistrationIDs: r.RegistrationIDs,
		Email: r.Email, Phone: r.Phone, IBAN: r.IBAN, BIC: r.BIC, LegalNotice: r.LegalNotice,
		DefaultPaymentTermsDays: r.DefaultPaymentTermsDays,
	}
}

type companyResponse struct {
	Name                    string   `json:"name"`
	Address                 string   `json:"address"`
	Country                 string   `json:"country"`
	VATID                   string   `json:"vat_id"`
	RegistrationIDs         []string `json:"registration_ids"`
	Email                   string   `json:"email"`
	Phone                   string   `json:"phone"`
	IBAN                    string   `json:"iban"`
	BIC                     string   `json:"bic"`
	LegalNotice             string   `json:"legal_notice"`
	DefaultPaymentTermsDays int      `json:"default_payment_terms_days"`
	HasLogo                 bool     `json:"has_logo"`
	// FromEnvironment names the fields whose value is the configuration's.
	FromEnvironment []string   `json:"from_environment"`
	UpdatedAt       *time.Time `json:"updated_at"`
}

func toCompanyResponse(c domain.Company) companyResponse {
	out := companyResponse{
		Name: c.Name, Address: c.Address, Country: c.Country, VATID: c.VATID, RegistrationIDs: c.RegistrationIDs,
		Email: c.Email, Phone: c.Phone, IBAN: c.IBAN, BIC: c.BIC, LegalNotice: c.LegalNotice,
		DefaultPaymentTermsDays: c.DefaultPaymentTermsDays, HasLogo: c.HasLogo || c.Logo != nil,
		FromEnvironment: c.FromEnvironment,
	}
	if out.RegistrationIDs == nil {
		out.RegistrationIDs = []string{}
	}
	if out.FromEnvironment == nil {
		out.FromEnvironment = []string{}
	}
	if !c.UpdatedAt.IsZero() {
		out.UpdatedAt = &c.UpdatedAt
	}
	return out
}

type companyService interface {
	Get(ctx context.Context) (domain.Company, error)
	Update(ctx context.Context, in domain.CompanySettings) (domain.Company, error)
	SetLogo(ctx context.Context, contentType string, raw []byte) (domain.Company, error)
	Logo(ctx context.Context) ([]byte, error)
}

// CompanyRoutes is /api/v1/company: the issuer printed on every document
// and e-mail. Reading needs only to be logged in (every user sees the
// company's name on what they print); changing needs company:write.
type CompanyRoutes struct {
	svc          companyService
	maxLogoBytes int64
}

// NewCompanyRoutes returns the company area; an uploaded logo may be at most
// maxLogoBytes long (DOLIGO_COMPANY_LOGO_MAX_SIZE).
func NewCompanyRoutes(svc companyService, maxLogoBytes int64) *CompanyRoutes {
	return &CompanyRoutes{svc: svc, maxLogoBytes: maxLogoBytes}
}

// Routes implements Routes.
func (h *CompanyRoutes) Routes(r *Router) {
	r.GET("/company", "", h.get)
	r.PUT("/company", domain.PermCompanyWrite, h.put)
	r.GET("/company/logo", "", h.logo)
	r.rawBody(http.MethodPut, "/company/logo", domain.PermCompanyWrite, h.putLogo)
}

// rawBody registers a route that reads a body of its own media type (an
// image), so without the JSON-only gate every other route has; the handler
// checks the type itself.
func (r *Router) rawBody(method, path, perm string, h echo.HandlerFunc) {
	r.g.Add(method, path, h, noStore, r.auth, requirePermission(perm), strictQuery)
}

func (h *CompanyRoutes) get(c echo.Context) error {
	co, err := h.svc.Get(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toCompanyResponse(co))
}

func (h *CompanyRoutes) put(c echo.Context) error {
	var req companyRequest
	if err := Bind(c, &req); err != nil {
		return err
	}
	co, err := h.svc.Update(c.Request().Context(), req.settings())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toCompanyResponse(co))
}

func (h *CompanyRoutes) logo(c echo.Context) error {
	png, err := h.svc.Logo(c.Request().Context())
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, domain.ContentTypePNG, png)
}

// putLogo stores the body, a PNG or JPEG image: another type is 415, a body
// over the limit 413, an image that does not decode or is too large in
// pixels 422 (field "logo").
func (h *CompanyRoutes) putLogo(c echo.Context) error {
	req := c.Request()
	mt, _, err := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if err != nil || (mt != domain.ContentTypePNG && mt != domain.ContentTypeJPEG) {
		return echo.NewHTTPError(http.StatusUnsupportedMediaType, "the logo must be sent as image/png or image/jpeg")
	}
	tooLarge := echo.NewHTTPError(http.StatusRequestEntityTooLarge,
		fmt.Sprintf("the logo must be at most %d bytes (DOLIGO_COMPANY_LOGO_MAX_SIZE)", h.maxLogoBytes))
	if req.ContentLength > h.maxLogoBytes {
		return tooLarge
	}
	raw, err := io.ReadAll(io.LimitReader(req.Body, h.maxLogoBytes+1))
	if err != nil {
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return he // the server-wide body limit's 413
		}
		return echo.NewHTTPError(http.StatusBadRequest, "could not read the request body")
	}
	if int64(len(raw)) > h.maxLogoBytes {
		return tooLarge
	}
	if len(raw) == 0 {
		return domain.Invalid("logo", "is required: send the image as the request body")
	}
	co, err := h.svc.SetLogo(req.Context(), mt, raw)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toCompanyResponse(co))
}
