package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

// The role DTOs carry no validate tags: domain.NewRole and domain.RolePatch
// check every field, so one 422 lists all that is wrong.
type createRoleRequest struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Permissions []string `json:"permissions"`
}

type patchRoleRequest struct {
	Name        *string   `json:"name"`
	Description *string   `json:"description"`
	Permissions *[]string `json:"permissions"`
}

type roleResponse struct {
	ID          int64    `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Permissions []string `json:"permissions"`
	BuiltIn     bool     `json:"built_in"`
}

func toRoleResponse(r *domain.Role) roleResponse {
	perms := r.Permissions
	if perms == nil {
		perms = []string{}
	}
	return roleResponse{ID: r.ID, Name: r.Name, Description: r.Description, Permissions: perms, BuiltIn: r.Builtin}
}

type permissionResponse struct {
	Name    string `json:"name"`
	Meaning string `json:"meaning"`
}

type roleManager interface {
	Permissions() []domain.Permission
	List(ctx context.Context, q domain.ListQuery) (domain.Page[*domain.Role], error)
	Get(ctx context.Context, id int64) (*domain.Role, error)
	Create(ctx context.Context, in domain.NewRole) (*domain.Role, error)
	Update(ctx context.Context, id int64, p domain.RolePatch) (*domain.Role, error)
	Delete(ctx context.Context, id int64) error
}

// RoleRoutes is /api/v1/roles and /api/v1/permissions. Reading them needs
// users:read, changing roles users:write: whoever assigns roles to users can
// already grant any permission, so a separate roles permission would
// separate nothing.
type RoleRoutes struct{ roles roleManager }

// NewRoleRoutes returns the roles area.
func NewRoleRoutes(roles roleManager) *RoleRoutes { return &RoleRoutes{roles: roles} }

// Routes implements Routes.
func (h *RoleRoutes) Routes(r *Router) {
	r.GET("/permissions", domain.PermUsersRead, h.permissions)
	r.GET("/roles", domain.PermUsersRead, h.list)
	r.POST("/roles", domain.PermUsersWrite, h.create)
	r.GET("/roles/:id", domain.PermUsersRead, jsonByID("role", func(ctx context.Context, id int64) (*domain.Role, error) {
		return h.roles.Get(ctx, id)
	}, toRoleResponse))
	r.PATCH("/roles/:id", domain.PermUsersWrite, h.update)
	r.DELETE("/roles/:id", domain.PermUsersWrite, deleteByID("role", func(ctx context.Context, id int64) error {
		return h.roles.Delete(ctx, id)
	}))
}

// permissions pages the catalogue like every other list (it has a few dozen
// entries, under the default limit), so clients read all lists alike.
func (h *RoleRoutes) permissions(c echo.Context) error {
	q, err := ParseList(c)
	if err != nil {
		return err
	}
	cat := h.roles.Permissions()
	page := domain.Page[domain.Permission]{Total: int64(len(cat))}
	if q.Offset < len(cat) {
		end := len(cat) // a CSV export without a limit: all of them
		if q.Limit > 0 {
			end = min(q.Offset+q.Limit, end)
		}
		page.Items = cat[q.Offset:end]
	}
	return respondList(c, page, q, func(p domain.Permission) permissionResponse {
		return permissionResponse{Name: p.Name, Meaning: p.Meaning}
	})
}

func (h *RoleRoutes) list(c echo.Context) error {
	q, err := ParseList(c, "name", "id")
	if err != nil {
		return err
	}
	page, err := h.roles.List(c.Request().Context(), q)
	if err != nil {
		return err
	}
	return respondList(c, page, q, toRoleResponse)
}

func (h *RoleRoutes) create(c echo.Context) error {
	var req createRoleRequest
	if err := Bind(c, &req); err != nil {
		return err
	}
	role, err := h.roles.Create(c.Request().Context(), domain.NewRole{
		Name: req.Name, Description: req.Description, Permissions: req.Permissions,
	})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/api/v1/roles/"+strconv.FormatInt(role.ID, 10))
	return c.JSON(http.StatusCreated, toRoleResponse(role))
}

func (h *RoleRoutes) update(c echo.Context) error {
	id, err := idParam(c, "role")
	if err != nil {
		return err
	}
	var req patchRoleRequest
	if err := Bind(c, &req); err != nil {
		return err
	}
	role, err := h.roles.Update(c.Request().Context(), id, domain.RolePatch{
		Name: req.Name, Description: req.Description, Permissions: req.Permissions,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toRoleResponse(role))
}
