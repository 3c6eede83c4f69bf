package api

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/usecase"
)

type loginRequest struct {
	Login    string `json:"login"    validate:"required,max=64"`
	Password string `json:"password" validate:"required,max=1024"` // bcrypt reads 72 bytes; refuse megabytes
}

type loginResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
}

type loginer interface {
	Login(ctx context.Context, login, password, address string) (usecase.Session, error)
}

// AuthRoutes is POST /api/v1/auth/login.
type AuthRoutes struct{ auth loginer }

// NewAuthRoutes returns the login area.
func NewAuthRoutes(auth loginer) *AuthRoutes { return &AuthRoutes{auth: auth} }

// Routes implements Routes.
func (h *AuthRoutes) Routes(r *Router) {
	r.Public(http.MethodPost, "/auth/login", h.login)
}

func (h *AuthRoutes) login(c echo.Context) error {
	var req loginRequest
	if err := Bind(c, &req); err != nil {
		return err
	}
	s, err := h.auth.Login(c.Request().Context(), req.Login, req.Password, clientAddress(c))
	if err != nil {
		var locked *domain.LoginLockedError
		if errors.As(err, &locked) {
			c.Response().Header().Set("Retry-After", strconv.FormatInt(locked.RetryAfterSeconds(), 10))
		}
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store") // RFC 6749 §5.1: tokens are not cached
	return c.JSON(http.StatusOK, loginResponse{
		AccessToken: s.AccessToken, TokenType: "Bearer", ExpiresIn: int64(s.ExpiresIn.Seconds()),
	})
}

// maxAddressLen is the width of login_failures.address.
const maxAddressLen = 64

// clientAddress is the address half of the login throttle's key: the TCP
// peer, unless the server has an IPExtractor that knows which proxies to
// trust. Echo's default RealIP believes any X-Forwarded-For header, which
// would let an attacker claim a fresh address for every guess.
func clientAddress(c echo.Context) string {
	addr := c.Request().RemoteAddr
	if c.Echo().IPExtractor != nil {
		addr = c.RealIP()
	} else if host, _, err := net.SplitHostPort(addr); err == nil {
		addr = host
	}
	if len(addr) > maxAddressLen {
		addr = addr[:maxAddressLen]
	}
	return addr
}
