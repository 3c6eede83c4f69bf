package api

import (
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
)

// Path and query parameters shared by the areas: ids and flags.

// idParam reads :id; an id that is not a positive integer names no entity.
func idParam(c echo.Context, entity string) (int64, error) { return pathID(c, "id", entity) }

// pathID reads the id in path parameter name, as idParam does :id.
func pathID(c echo.Context, name, entity string) (int64, error) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id < 1 {
		return 0, domain.NotFound(entity, c.Param(name))
	}
	return id, nil
}

// idQuery reads an optional positive id query parameter; 0 when absent.
func idQuery(c echo.Context, name string, verr *domain.ValidationError) int64 {
	v := c.QueryParam(name)
	if v == "" {
		return 0
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		verr.Add(name, "must be a positive integer")
		return 0
	}
	return id
}

// boolQuery reads an optional true/false query parameter.
func boolQuery(c echo.Context, name string, verr *domain.ValidationError) *bool {
	v := c.QueryParam(name)
	if v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		verr.Add(name, "must be true or false")
		return nil
	}
	return &b
}
