package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
)

// ProblemTypeBase prefixes every problem type; clients match on the last
// segment (e.g. ".../insufficient-stock").
const ProblemTypeBase = "/problems/"

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail,omitempty"`
	RequestID string              `json:"request_id,omitempty"`
	Errors    []domain.FieldError `json:"errors,omitempty"`
}

// defaultCodes names the problem type of each status when the error has no
// code of its own.
var defaultCodes = map[int]string{
	http.StatusBadRequest:            "malformed-request",
	http.StatusUnauthorized:          "unauthorized",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not-found",
	http.StatusMethodNotAllowed:      "method-not-allowed",
	http.StatusConflict:              "conflict",
	http.StatusRequestEntityTooLarge: "body-too-large",
	http.StatusUnsupportedMediaType:  "unsupported-media-type",
	http.StatusUnprocessableEntity:   "validation",
	http.StatusTooManyRequests:       "too-many-requests",
	http.StatusInternalServerError:   "internal",
	http.StatusServiceUnavailable:    "unavailable",
	http.StatusGatewayTimeout:        "timeout",
}

// problemFor maps any error to its problem; the second result says whether it
// is unexpected (and so worth an error log line).
func problemFor(err error) (Problem, bool) {
	p := Problem{Status: http.StatusInternalServerError, Detail: "internal error"}
	code := ""
	var (
		he *echo.HTTPError
		ve *domain.ValidationError
		dp *domain.Problem
	)
	unexpected := false
	switch {
	case errors.As(err, &ve):
		p.Status, p.Detail, p.Errors = http.StatusUnprocessableEntity, "the request has invalid fields", ve.Fields
	case errors.As(err, &he):
		p.Status, p.Detail = he.Code, fmt.Sprint(he.Message)
		if he.Code >= 500 {
			unexpected = true
		}
	case errors.Is(err, domain.ErrInvalid):
		p.Status, p.Detail = http.StatusUnprocessableEntity, err.Error()
	case errors.Is(err, domain.ErrNotFound):
		p.Status, p.Detail = http.StatusNotFound, err.Error()
	case errors.Is(err, domain.ErrConflict):
		p.Status, p.Detail = http.StatusConflict, err.Error()
	case errors.Is(err, domain.ErrForbidden):
		p.Status, p.Detail = http.StatusForbidden, err.Error()
	case errors.Is(err, domain.ErrUnauthenticated):
		p.Status, p.Detail = http.StatusUnauthorized, err.Error()
	case errors.Is(err, domain.ErrTooManyRequests):
		p.Status, p.Detail = http.StatusTooManyRequests, err.Error()
	case errors.Is(err, domain.ErrUnavailable):
		p.Status, p.Detail = http.StatusServiceUnavailable, err.Error()
	case errors.Is(err, context.DeadlineExceeded):
		p.Status, p.Detail = http.StatusGatewayTimeout, "the request took too long"
		unexpected = true
	default:
		unexpected = true
	}
	if errors.As(err, &dp) && dp.Code != "" {
		code = dp.Code
	}
	if code == "" {
		code = defaultCodes[p.Status]
		if code == "" {
			code = fmt.Sprintf("http-%d", p.Status)
		}
	}
	p.Type = ProblemTypeBase + code
	p.Title = http.StatusText(p.Status)
	return p, unexpected
}

// ErrorHandler is the one place where errors become HTTP responses and get
// logged: every error, Echo's own 404/405 and recovered panics included, is
// written as application/problem+json.
func ErrorHandler(err error, c echo.Context) {
	p, unexpected := problemFor(err)
	p.RequestID = c.Response().Header().Get(echo.HeaderXRequestID)
	log := zerolog.Ctx(c.Request().Context())
	if unexpected {
		log.Error().Err(err).Int("status", p.Status).Msg("request failed")
	} else {
		log.Debug().Err(err).Int("status", p.Status).Msg("request refused")
	}
	if c.Response().Committed {
		return
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(p.Status)
		return
	}
	WriteProblem(c, p)
}

// WriteProblem writes p with the problem+json media type.
func WriteProblem(c echo.Context, p Problem) {
	if p.RequestID == "" {
		p.RequestID = c.Response().Header().Get(echo.HeaderXRequestID)
	}
	body, _ := json.Marshal(p) // a Problem always marshals
	_ = c.Blob(p.Status, "application/problem+json", body)
}
