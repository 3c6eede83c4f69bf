package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"
)

// jsonByID is the handler of a route that only needs the :id of the path:
// it calls fn with it and answers 200 with conv of the result. An id that is
// not a positive integer names no entity (404).
func jsonByID[T, R any](entity string, fn func(ctx context.Context, id int64) (T, error), conv func(T) R) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, entity)
		if err != nil {
			return err
		}
		v, err := fn(c.Request().Context(), id)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, conv(v))
	}
}

// deleteByID is the handler of DELETE …/:id: 204 once fn has deleted it.
func deleteByID(entity string, fn func(ctx context.Context, id int64) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, entity)
		if err != nil {
			return err
		}
		if err := fn(c.Request().Context(), id); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
}
