package api

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/observability"
)

// securityHeaders comes first in the chain so that every answer carries the
// headers, Echo's own 404/405, problems and the ops endpoints included.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		observability.SecurityHeaders(c.Response().Header())
		return next(c)
	}
}

// noStore marks the answer of an authenticated route as never to be stored:
// it holds one user's data (documents, prices, PDFs), which a shared cache or
// the browser's disk must not keep for the next person. Set before the token
// is checked, so the 401 and 403 answers carry it too.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
		return next(c)
	}
}

// requestContext honours a sane X-Request-ID or generates one, echoes it, and
// puts it with a logger that carries it into the request context, so every
// log line of the request (and every job it enqueues) names it.
func requestContext(base zerolog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			id := observability.RequestID(req.Header.Get(echo.HeaderXRequestID))
			c.Response().Header().Set(echo.HeaderXRequestID, id)
			log := base.With().Str("request_id", id).Logger()
			ctx := domain.WithRequestID(log.WithContext(req.Context()), id)
			c.SetRequest(req.WithContext(ctx))
			return next(c)
		}
	}
}

// recoverPanics turns a panic into a logged 500 problem instead of a dropped
// connection. http.ErrAbortHandler is re-panicked: it is net/http's way to
// abort a response on purpose.
func recoverPanics(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			if r == http.ErrAbortHandler {
				panic(r)
			}
			zerolog.Ctx(c.Request().Context()).Error().
				Str("panic", fmt.Sprint(r)).Bytes("stack", debug.Stack()).Msg("handler panicked")
			err = echo.NewHTTPError(http.StatusInternalServerError, "internal error")
		}()
		return next(c)
	}
}

// accessLog writes one line per request, and its metrics, after the error
// handler has run, so the status is the one the client saw.
func accessLog(m *observability.Metrics) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err) // write the problem now so status and size are final
			}
			res := c.Response()
			m.Record(c.Request().Context(), observability.Request{
				Method: c.Request().Method, Path: c.Request().URL.Path, Route: c.Path(),
				Status: res.Status, Bytes: res.Size, Took: time.Since(start), RemoteIP: c.RealIP(),
			})
			return nil
		}
	}
}
