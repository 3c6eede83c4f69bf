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

// thirdPartyRequest is the body of POST (absent fields are empty or false;
// an absent code is generated) and PATCH (absent fields stay) /thirdparties.
// The domain checks every field, so one 422 lists all that is wrong.
type thirdPartyRequest struct {
	Name       *string `json:"name"`
	Code       *string `json:"code"`
	IsCustomer *bool   `json:"is_customer"`
	IsProspect *bool   `json:"is_prospect"`
	IsSupplier *bool   `json:"is_supplier"`
	Email      *string `json:"email"`
	Phone      *string `json:"phone"`
	TaxID      *string `json:"tax_id"`
	Address    *string `json:"address" text:"multiline"`
	Locale     *string `json:"locale"`
	Country    *string `json:"country"`
	VATID      *string `json:"vat_id"`
	// PaymentTermsDays: null (or absent on POST) is the company's default.
	PaymentTermsDays NullableInt `json:"payment_terms_days"`
}

func (r *thirdPartyRequest) check(v *domain.ValidationError) {
	r.PaymentTermsDays.Check(v, "payment_terms_days")
}

func (r *thirdPartyRequest) toThirdParty() domain.ThirdParty {
	return domain.ThirdParty{
		Name: valueOr(r.Name, ""), Code: valueOr(r.Code, ""),
		IsCustomer: valueOr(r.IsCustomer, false), IsProspect: valueOr(r.IsProspect, false), IsSupplier: valueOr(r.IsSupplier, false),
		Email: valueOr(r.Email, ""), Phone: valueOr(r.Phone, ""), TaxID: valueOr(r.TaxID, ""),
		Address: valueOr(r.Address, ""), Locale: valueOr(r.Locale, ""), PaymentTermsDays: r.PaymentTermsDays.Ptr(),
		Country: valueOr(r.Country, ""), VATID: valueOr(r.VATID, ""),
	}
}

func (r *thirdPartyRequest) toPatch() domain.ThirdPartyPatch {
	return domain.ThirdPartyPatch{
		Name: r.Name, Code: r.Code, Email: r.Email, Phone: r.Phone, TaxID: r.TaxID, Address: r.Address, Locale: r.Locale,
		Country: r.Country, VATID: r.VATID,
		IsCustomer: r.IsCustomer, IsProspect: r.IsProspect, IsSupplier: r.IsSupplier,
		PaymentTermsDays: r.PaymentTermsDays.Patch(),
	}
}

type thirdPartyResponse struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Code       string `json:"code"`
	IsCustomer bool   `json:"is_customer"`
	IsProspect bool   `json:"is_prospect"`
	IsSupplier bool   `json:"is_supplier"`
	Email      string `json:"email"`
	Phone      string `json:"phone"`
	TaxID      string `json:"tax_id"`
	Address    string `json:"address"`
	Locale     string `json:"locale"`
	Country    string `json:"country"`
	VATID      string `json:"vat_id"`
	// PaymentTermsDays is null when the company's default terms apply.
	PaymentTermsDays *int      `json:"payment_terms_days"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

func toThirdPartyResponse(t *domain.ThirdParty) thirdPartyResponse {
	return thirdPartyResponse{
		ID: t.ID, Name: t.Name, Code: t.Code, IsCustomer: t.IsCustomer, IsProspect: t.IsProspect, IsSupplier: t.IsSupplier,
		Email: t.Email, Phone: t.Phone, TaxID: t.TaxID, Address: t.Address, Locale: t.Locale,
		Country: t.Country, VATID: t.VATID,
		PaymentTermsDays: t.PaymentTermsDays, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
	}
}

type contactRequest struct {
	FirstName *string `json:"first_name"`
	LastName  *string `json:"last_name"`
	Email     *string `json:"email"`
	Phone     *string `json:"phone"`
	Position  *string `json:"position"`
}

func (r *contactRequest) toContact(thirdPartyID int64) domain.Contact {
	return domain.Contact{
		ThirdPartyID: thirdPartyID, FirstName: valueOr(r.FirstName, ""), LastName: valueOr(r.LastName, ""),
		Email: valueOr(r.Email, ""), Phone: valueOr(r.Phone, ""), Position: valueOr(r.Position, ""),
	}
}

func (r *contactRequest) toPatch() domain.ContactPatch {
	return domain.ContactPatch{FirstName: r.FirstName, LastName: r.LastName, Email: r.Email, Phone: r.Phone, Position: r.Position}
}

type contactResponse struct {
	ID           int64     `json:"id"`
	ThirdPartyID int64     `json:"thirdparty_id"`
	FirstName    string    `json:"first_name"`
	LastName     string    `json:"last_name"`
	Email        string    `json:"email"`
	Phone        string    `json:"phone"`
	Position     string    `json:"position"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

func toContactResponse(c *domain.Contact) contactResponse {
	return contactResponse{
		ID: c.ID, ThirdPartyID: c.ThirdPartyID, FirstName: c.FirstName, LastName: c.LastName,
		Email: c.Email, Phone: c.Phone, Position: c.Position, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt,
	}
}

type thirdPartyService interface {
	Create(ctx context.Context, in domain.ThirdParty) (*domain.ThirdParty, error)
	Get(ctx context.Context, id int64) (*domain.ThirdParty, error)
	List(ctx context.Context, f domain.ThirdPartyFilter, q domain.ListQuery) (domain.Page[*domain.ThirdParty], error)
	Update(ctx context.Context, id int64, p domain.ThirdPartyPatch) (*domain.ThirdParty, error)
	Delete(ctx context.Context, id int64) error
	CreateContact(ctx context.Context, in domain.Contact) (*domain.Contact, error)
	Contact(ctx context.Context, thirdPartyID, id int64) (*domain.Contact, error)
	Contacts(ctx context.Context, thirdPartyID int64, q domain.ListQuery) (domain.Page[*domain.Contact], error)
	UpdateContact(ctx context.Context, thirdPartyID, id int64, p domain.ContactPatch) (*domain.Contact, error)
	DeleteContact(ctx context.Context, thirdPartyID, id int64) error
}

// ThirdPartyRoutes is /api/v1/thirdparties and their contacts.
type ThirdPartyRoutes struct{ svc thirdPartyService }

// NewThirdPartyRoutes returns the third-parties area.
func NewThirdPartyRoutes(svc thirdPartyService) *ThirdPartyRoutes { return &ThirdPartyRoutes{svc: svc} }

// Routes implements Routes.
func (h *ThirdPartyRoutes) Routes(r *Router) {
	r.GET("/thirdparties", domain.PermThirdpartiesRead, h.list)
	r.POST("/thirdparties", domain.PermThirdpartiesWrite, h.create)
	r.GET("/thirdparties/:id", domain.PermThirdpartiesRead, jsonByID("third party", func(ctx context.Context, id int64) (*domain.ThirdParty, error) {
		return h.svc.Get(ctx, id)
	}, toThirdPartyResponse))
	r.PATCH("/thirdparties/:id", domain.PermThirdpartiesWrite, h.update)
	r.DELETE("/thirdparties/:id", domain.PermThirdpartiesWrite, deleteByID("third party", func(ctx context.Context, id int64) error {
		return h.svc.Delete(ctx, id)
	}))
	r.GET("/thirdparties/:id/contacts", domain.PermThirdpartiesRead, h.listContacts)
	r.POST("/thirdparties/:id/contacts", domain.PermThirdpartiesWrite, h.createContact)
	r.GET("/thirdparties/:id/contacts/:contact_id", domain.PermThirdpartiesRead, h.getContact)
	r.PATCH("/thirdparties/:id/contacts/:contact_id", domain.PermThirdpartiesWrite, h.updateContact)
	r.DELETE("/thirdparties/:id/contacts/:contact_id", domain.PermThirdpartiesWrite, h.deleteContact)
}

func (h *ThirdPartyRoutes) list(c echo.Context) error {
	q, err := ParseList(c, "id", "name", "code", "created_at", "updated_at")
	verr := &domain.ValidationError{}
	if err != nil && !errors.As(err, &verr) {
		return err
	}
	f := domain.ThirdPartyFilter{
		IsCustomer: boolQuery(c, "is_customer", verr),
		IsProspect: boolQuery(c, "is_prospect", verr),
		IsSupplier: boolQuery(c, "is_supplier", verr),
	}
	if err := verr.OrNil(); err != nil {
		return err
	}
	page, err := h.svc.List(c.Request().Context(), f, q)
	if err != nil {
		return err
	}
	return respondList(c, page, q, toThirdPartyResponse)
}

func (h *ThirdPartyRoutes) create(c echo.Context) error {
	var req thirdPartyRequest
	if err := BindChecked(c, &req, req.check); err != nil {
		return err
	}
	t, err := h.svc.Create(c.Request().Context(), req.toThirdParty())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/thirdparties/"+strconv.FormatInt(t.ID, 10))
	return c.JSON(http.StatusCreated, toThirdPartyResponse(t))
}

func (h *ThirdPartyRoutes) update(c echo.Context) error {
	id, err := idParam(c, "third party")
	if err != nil {
		return err
	}
	var req thirdPartyRequest
	if err := BindChecked(c, &req, req.check); err != nil {
		return err
	}
	t, err := h.svc.Update(c.Request().Context(), id, req.toPatch())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toThirdPartyResponse(t))
}

// contactParams reads :id and :contact_id.
func contactParams(c echo.Context) (thirdPartyID, contactID int64, err error) {
	if thirdPartyID, err = idParam(c, "third party"); err != nil {
		return 0, 0, err
	}
	if contactID, err = pathID(c, "contact_id", "contact"); err != nil {
		return 0, 0, err
	}
	return thirdPartyID, contactID, nil
}

func (h *ThirdPartyRoutes) listContacts(c echo.Context) error {
	id, err := idParam(c, "third party")
	if err != nil {
		return err
	}
	q, err := ParseList(c, "id", "first_name", "last_name", "created_at")
	if err != nil {
		return err
	}
	page, err := h.svc.Contacts(c.Request().Context(), id, q)
	if err != nil {
		return err
	}
	return respondList(c, page, q, toContactResponse)
}

func (h *ThirdPartyRoutes) createContact(c echo.Context) error {
	id, err := idParam(c, "third party")
	if err != nil {
		return err
	}
	var req contactRequest
	if err := Bind(c, &req); err != nil {
		return err
	}
	ct, err := h.svc.CreateContact(c.Request().Context(), req.toContact(id))
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation,
		"/api/v1/thirdparties/"+strconv.FormatInt(id, 10)+"/contacts/"+strconv.FormatInt(ct.ID, 10))
	return c.JSON(http.StatusCreated, toContactResponse(ct))
}

func (h *ThirdPartyRoutes) getContact(c echo.Context) error {
	tp, id, err := contactParams(c)
	if err != nil {
		return err
	}
	ct, err := h.svc.Contact(c.Request().Context(), tp, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toContactResponse(ct))
}

func (h *ThirdPartyRoutes) updateContact(c echo.Context) error {
	tp, id, err := contactParams(c)
	if err != nil {
		return err
	}
	var req contactRequest
	if err := Bind(c, &req); err != nil {
		return err
	}
	ct, err := h.svc.UpdateContact(c.Request().Context(), tp, id, req.toPatch())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toContactResponse(ct))
}

func (h *ThirdPartyRoutes) deleteContact(c echo.Context) error {
	tp, id, err := contactParams(c)
	if err != nil {
		return err
	}
	if err := h.svc.DeleteContact(c.Request().Context(), tp, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
