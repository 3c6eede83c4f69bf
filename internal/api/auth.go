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

// sessionResponse answers a login and a refresh alike.
type sessionResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

type refreshRequest struct {
	// Tokens are 43 characters; anything much longer is not one.
	RefreshToken string `json:"refresh_token" validate:"required,max=256"`
}

type changePasswordRequest struct {
	// The rules of passwords are domain.CheckPasswordChange's; only a bound
	// on the size here, as for login.
	CurrentPassword string `json:"current_password" validate:"max=1024"`
	NewPassword     string `json:"new_password"     validate:"max=1024"`
}

type authenticator interface {
	Login(ctx context.Context, login, password, address string) (usecase.Session, error)
	Refresh(ctx context.Context, refreshToken string) (usecase.Session, error)
	Logout(ctx context.Context, actor domain.Principal, refreshToken string) error
	ChangePassword(ctx context.Context, actor domain.Principal, address, current, next string) error
}

// AuthRoutes is /api/v1/auth (login, refresh, logout) and the caller's own
// password, POST /api/v1/users/me/password.
type AuthRoutes struct{ auth authenticator }

// NewAuthRoutes returns the login and sessions area.
func NewAuthRoutes(auth authenticator) *AuthRoutes { return &AuthRoutes{auth: auth} }

// Routes implements Routes.
func (h *AuthRoutes) Routes(r *Router) {
	r.Public(http.MethodPost, "/auth/login", h.login)
	r.Public(http.MethodPost, "/auth/refresh", h.refresh)
	r.POST("/auth/logout", "", h.logout)               // any authenticated caller
	r.POST("/users/me/password", "", h.changePassword) // any authenticated caller
}

func (h *AuthRoutes) login(c echo.Context) error {
	var req loginRequest
	if err := Bind(c, &req); err != nil {
		return err
	}
	s, err := h.auth.Login(c.Request().Context(), req.Login, req.Password, clientAddress(c))
	if err != nil {
		return withRetryAfter(c, err)
	}
	return sessionJSON(c, s)
}

func (h *AuthRoutes) refresh(c echo.Context) error {
	var req refreshRequest
	if err := Bind(c, &req); err != nil {
		return err
	}
	s, err := h.auth.Refresh(c.Request().Context(), req.RefreshToken)
	if err != nil {
		return err
	}
	return sessionJSON(c, s)
}

func (h *AuthRoutes) logout(c echo.Context) error {
	var req refreshRequest
	if err := Bind(c, &req); err != nil {
		return err
	}
	if err := h.auth.Logout(c.Request().Context(), PrincipalOf(c), req.RefreshToken); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *AuthRoutes) changePassword(c echo.Context) error {
	var req changePasswordRequest
	if err := Bind(c, &req); err != nil {
		return err
	}
	err := h.auth.ChangePassword(c.Request().Context(), PrincipalOf(c), clientAddress(c), req.CurrentPassword, req.NewPassword)
	if err != nil {
		return withRetryAfter(c, err)
	}
	return c.NoContent(http.StatusNoContent)
}

// withRetryAfter sets Retry-After on a login lock-out and returns err.
func withRetryAfter(c echo.Context, err error) error {
	var locked *domain.LoginLockedError
	if errors.As(err, &locked) {
		c.Response().Header().Set("Retry-After", strconv.FormatInt(locked.RetryAfterSeconds(), 10))
	}
	return err
}

// sessionJSON writes a new session, uncached.
func sessionJSON(c echo.Context, s usecase.Session) error {
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store") // RFC 6749 §5.1: tokens are not cached
	return c.JSON(http.StatusOK, sessionResponse{
		AccessToken: s.AccessToken, TokenType: "Bearer", ExpiresIn: int64(s.ExpiresIn.Seconds()), RefreshToken: s.RefreshToken,
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
