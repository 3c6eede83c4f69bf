package api

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
)

var saneRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,128}$`)

// newRequestID returns 16 random bytes in hex.
func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// requestContext honours a sane X-Request-ID or generates one, echoes it, and
// puts it with a logger that carries it into the request context, so every
// log line of the request (and every job it enqueues) names it.
func requestContext(base zerolog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			id := req.Header.Get(echo.HeaderXRequestID)
			if !saneRequestID.MatchString(id) {
				id = newRequestID()
			}
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
func accessLog(m *Metrics) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err) // write the problem now so status and size are final
			}
			res := c.Response()
			took := time.Since(start)
			m.observe(c, took)
			log := zerolog.Ctx(c.Request().Context())
			ev := log.Info()
			if res.Status >= 500 {
				ev = log.Warn()
			}
			ev.Str("method", c.Request().Method).
				Str("path", c.Request().URL.Path).
				Str("route", c.Path()).
				Int("status", res.Status).
				Int64("bytes", res.Size).
				Dur("duration", took).
				Str("remote_ip", c.RealIP()).
				Msg("request")
			return nil
		}
	}
}
