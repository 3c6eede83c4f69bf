package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

// The user DTOs carry no validate tags: domain.NewUser and domain.UserPatch
// check every field, so one 422 lists all that is wrong.
type createUserRequest struct {
	Login    string   `json:"login"`
	Password string   `json:"password"`
	Email    string   `json:"email"`
	Roles    []string `json:"roles"`
	Active   *bool    `json:"active"` // default true
}

type patchUserRequest struct {
	Email    *string   `json:"email"`
	Password *string   `json:"password"`
	Roles    *[]string `json:"roles"`
	Active   *bool     `json:"active"`
}

// userResponse is a user on the wire: never the password hash.
type userResponse struct {
	ID        int64     `json:"id"`
	Login     string    `json:"login"`
	Email     string    `json:"email"`
	Active    bool      `json:"active"`
	Roles     []string  `json:"roles"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

type meResponse struct {
	userResponse
	Permissions []string `json:"permissions"`
}

func toUserResponse(u *domain.User) userResponse {
	roles := u.Roles
	if roles == nil {
		roles = []string{}
	}
	return userResponse{
		ID: u.ID, Login: u.Login, Email: u.Email, Active: u.Active, Roles: roles,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
	}
}

type userManager interface {
	Create(ctx context.Context, in domain.NewUser) (*domain.User, error)
	Get(ctx context.Context, id int64) (*domain.User, error)
	List(ctx context.Context, q domain.ListQuery) (domain.Page[*domain.User], error)
	Me(ctx context.Context, actor domain.Principal) (*domain.User, []string, error)
	Update(ctx context.Context, id int64, p domain.UserPatch) (*domain.User, error)
	Delete(ctx context.Context, actor domain.Principal, id int64) error
}

// UserRoutes is /api/v1/users.
type UserRoutes struct{ users userManager }

// NewUserRoutes returns the users area.
func NewUserRoutes(users userManager) *UserRoutes { return &UserRoutes{users: users} }

// Routes implements Routes.
func (h *UserRoutes) Routes(r *Router) {
	r.GET("/users/me", "", h.me) // any authenticated caller
	r.GET("/users", domain.PermUsersRead, h.list)
	r.POST("/users", domain.PermUsersWrite, h.create)
	r.GET("/users/:id", domain.PermUsersRead, h.get)
	r.PATCH("/users/:id", domain.PermUsersWrite, h.update)
	r.DELETE("/users/:id", domain.PermUsersWrite, h.delete)
}

func (h *UserRoutes) me(c echo.Context) error {
	u, perms, err := h.users.Me(c.Request().Context(), PrincipalOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, meResponse{userResponse: toUserResponse(u), Permissions: perms})
}

func (h *UserRoutes) list(c echo.Context) error {
	q, err := ParseList(c, "login", "id", "created_at")
	if err != nil {
		return err
	}
	page, err := h.users.List(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return respondList(c, page, q, toUserResponse)
}

func (h *UserRoutes) create(c echo.Context) error {
	var req createUserRequest
	if err := Bind(c, &req); err != nil {
		return err
	}
	active := req.Active == nil || *req.Active
	u, err := h.users.Create(c.Request().Context(), domain.NewUser{
		Login: req.Login, Email: req.Email, Password: req.Password, Active: active, Roles: req.Roles,
	})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/users/"+strconv.FormatInt(u.ID, 10))
	return c.JSON(http.StatusCreated, toUserResponse(u))
}

func (h *UserRoutes) get(c echo.Context) error {
	id, err := idParam(c, "user")
	if err != nil {
		return err
	}
	u, err := h.users.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toUserResponse(u))
}

func (h *UserRoutes) update(c echo.Context) error {
	id, err := idParam(c, "user")
	if err != nil {
		return err
	}
	var req patchUserRequest
	if err := Bind(c, &req); err != nil {
		return err
	}
	u, err := h.users.Update(c.Request().Context(), id, domain.UserPatch{
		Email: req.Email, Password: req.Password, Roles: req.Roles, Active: req.Active,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toUserResponse(u))
}

func (h *UserRoutes) delete(c echo.Context) error {
	id, err := idParam(c, "user")
	if err != nil {
		return err
	}
	if err := h.users.Delete(c.Request().Context(), PrincipalOf(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
