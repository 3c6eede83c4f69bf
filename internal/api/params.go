package api

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

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

// enumQuery reads an optional query parameter that must be one of allowed:
// an unknown value filters nothing real, so it is a 422 rather than an empty
// list. "" when absent.
func enumQuery(c echo.Context, name string, allowed []string, verr *domain.ValidationError) string {
	v := c.QueryParam(name)
	if v != "" && !slices.Contains(allowed, v) {
		verr.Add(name, "must be one of %s", strings.Join(allowed, ", "))
		return ""
	}
	return v
}

// strictQuery applies the text rule of request bodies (textProblem) to every
// query value of every /api/v1 route, before any handler reads one: a NUL
// would reach PostgreSQL as a 500, invalid UTF-8 a filter as garbage. A query
// string that does not parse is a 400: url.Values would drop the bad pair
// silently, and the filter with it.
func strictQuery(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		raw := c.Request().URL.RawQuery
		if raw == "" {
			return next(c)
		}
		values, err := url.ParseQuery(raw)
		if err != nil {
			return echo.NewHTTPError(http.StatusBadRequest, "malformed query string: use &-separated name=value pairs, percent-encoded")
		}
		verr := &domain.ValidationError{}
		for _, name := range slices.Sorted(maps.Keys(values)) {
			if msg := textProblem(name, false); msg != "" {
				verr.Add(printable(name), "parameter name %s", msg)
				continue
			}
			for _, v := range values[name] {
				if msg := textProblem(v, false); msg != "" {
					verr.Add(name, "%s", msg)
					break
				}
			}
		}
		if err := verr.OrNil(); err != nil {
			return err
		}
		return next(c)
	}
}
