package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
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

// createChecked is the handler of POST …: it binds the body and checks it
// (check), builds the entity (build), and when the body has errors answers
// them together with those the entity's own rules find (entityCheck), so one
// 422 lists every field; else create stores it and the answer is 201 with
// conv of it and its Location (path + "/" + id).
func createChecked[Q, E, R any](path string, check func(*Q, *domain.ValidationError), build func(*Q) E,
	entityCheck func(E) *domain.ValidationError, create func(context.Context, E) error, id func(E) int64, conv func(E) R) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req Q
		err := BindChecked(c, &req, func(v *domain.ValidationError) { check(&req, v) })
		var verr *domain.ValidationError
		if err != nil && !errors.As(err, &verr) {
			return err
		}
		e := build(&req)
		if verr != nil { // list the fields the domain refuses too
			return withFieldsOf(verr, entityCheck(e))
		}
		if err := create(c.Request().Context(), e); err != nil {
			return err
		}
		c.Response().Header().Set(echo.HeaderLocation, "/api/v1"+path+"/"+strconv.FormatInt(id(e), 10))
		return c.JSON(http.StatusCreated, conv(e))
	}
}

// patchByID is the handler of PATCH …/:id: it binds and checks the body,
// calls fn with the id and the request, and answers 200 with conv of the
// result.
func patchByID[Q, T, R any](entity string, check func(*Q, *domain.ValidationError), fn func(context.Context, int64, *Q) (T, error), conv func(T) R) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := idParam(c, entity)
		if err != nil {
			return err
		}
		var req Q
		if err := BindChecked(c, &req, func(v *domain.ValidationError) { check(&req, v) }); err != nil {
			return err
		}
		v, err := fn(c.Request().Context(), id, &req)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, conv(v))
	}
}
