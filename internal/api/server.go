// Package api is the HTTP side of Dolibarr-Go: the Echo server, its middleware
// chain, handlers, request/response DTOs and the one error handler.
package api

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/observability"
)

// Authenticator turns a bearer token into the principal it names; any error
// means 401.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (domain.Principal, error)
}

// Options are what NewServer needs besides the route groups.
type Options struct {
	Log       zerolog.Logger
	Metrics   *observability.Metrics // a registry of its own when nil
	BodyLimit string                 // e.g. "2M"
	// Ready returns "" when the process can serve, or the reason it cannot.
	Ready func(ctx context.Context) string
	Auth  Authenticator
	// Idempotency wraps every authenticated POST; nil disables it.
	Idempotency echo.MiddlewareFunc
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names the
	// client; with none, the client is the TCP peer.
	TrustedProxies []*net.IPNet
	// MetricsToken, when not empty, is the bearer token /metrics requires.
	MetricsToken string
}

// Routes is implemented by each area of the API (users, stock, …) to add its
// routes to the router.
type Routes interface {
	Routes(r *Router)
}

// NewServer builds the Echo instance with the middleware chain
// security headers → request id + logger → access log and metrics → recover →
// body limit, then per route: no-store → JWT → RBAC → query text rule →
// JSON bodies only → Idempotency-Key → handler. /health, /ready and
// /metrics are the ops handlers the worker serves too.
func NewServer(opt Options, areas ...Routes) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = ErrorHandler
	e.Validator = NewValidator()
	e.IPExtractor = echo.ExtractIPDirect()
	if len(opt.TrustedProxies) > 0 {
		trust := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, n := range opt.TrustedProxies {
			trust = append(trust, echo.TrustIPRange(n))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(trust...)
	}
	if opt.Metrics == nil {
		opt.Metrics = observability.NewMetrics(nil)
	}
	e.Use(securityHeaders, requestContext(opt.Log), accessLog(opt.Metrics), recoverPanics)
	ownLimit := map[string]bool{} // routes with a body limit of their own (Router.upload)
	if opt.BodyLimit != "" {
		e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{
			Limit: opt.BodyLimit, Skipper: func(c echo.Context) bool { return ownLimit[c.Path()] },
		}))
	}
	e.GET("/health", echo.WrapHandler(observability.Health()))
	e.GET("/ready", echo.WrapHandler(observability.Ready(opt.Ready)))
	e.GET("/metrics", echo.WrapHandler(opt.Metrics.Handler(opt.MetricsToken)))

	r := &Router{g: e.Group("/api/v1"), auth: authenticate(opt.Auth), idem: opt.Idempotency, ownLimit: ownLimit}
	for _, a := range areas {
		a.Routes(r)
	}
	serveOpenAPI(e)
	return e
}

// Router registers /api/v1 routes, each with the permission it needs ("" for
// any authenticated user). POST routes also pass the Idempotency-Key middleware.
type Router struct {
	g    *echo.Group
	auth echo.MiddlewareFunc
	idem echo.MiddlewareFunc
	// ownLimit holds the full paths of the routes whose body limit is their
	// own, not the server's.
	ownLimit map[string]bool
}

// Public registers a route that needs no token (e.g. login).
func (r *Router) Public(method, path string, h echo.HandlerFunc) {
	r.g.Add(method, path, h, strictQuery, jsonBodiesOnly)
}

func (r *Router) add(method, path, perm string, h echo.HandlerFunc) {
	mw := []echo.MiddlewareFunc{noStore, r.auth, requirePermission(perm), strictQuery, jsonBodiesOnly}
	if method == http.MethodPost && r.idem != nil {
		mw = append(mw, r.idem)
	}
	r.g.Add(method, path, h, mw...)
}

func (r *Router) GET(path, perm string, h echo.HandlerFunc)   { r.add(http.MethodGet, path, perm, h) }
func (r *Router) POST(path, perm string, h echo.HandlerFunc)  { r.add(http.MethodPost, path, perm, h) }
func (r *Router) PUT(path, perm string, h echo.HandlerFunc)   { r.add(http.MethodPut, path, perm, h) }
func (r *Router) PATCH(path, perm string, h echo.HandlerFunc) { r.add(http.MethodPatch, path, perm, h) }
func (r *Router) DELETE(path, perm string, h echo.HandlerFunc) {
	r.add(http.MethodDelete, path, perm, h)
}

const principalKey = "doligo.principal"

// PrincipalOf returns the authenticated caller of the request.
func PrincipalOf(c echo.Context) domain.Principal {
	p, _ := c.Get(principalKey).(domain.Principal)
	return p
}

// authenticate checks the bearer token and stores the principal.
func authenticate(a Authenticator) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if a == nil {
				return echo.NewHTTPError(http.StatusUnauthorized, "authentication is not configured")
			}
			h := c.Request().Header.Get(echo.HeaderAuthorization)
			scheme, token, ok := strings.Cut(h, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="doligo"`)
				return echo.NewHTTPError(http.StatusUnauthorized, "missing bearer token")
			}
			p, err := a.Authenticate(c.Request().Context(), strings.TrimSpace(token))
			if errors.Is(err, domain.ErrUnavailable) {
				return err // the revocation check could not reach the database: not the token's fault
			}
			if err != nil {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="doligo", error="invalid_token"`)
				return echo.NewHTTPError(http.StatusUnauthorized, "invalid or expired token")
			}
			c.Set(principalKey, p)
			req := c.Request()
			log := zerolog.Ctx(req.Context()).With().Int64("user_id", p.UserID).Logger()
			c.SetRequest(req.WithContext(domain.WithActor(log.WithContext(req.Context()), p.UserID)))
			return next(c)
		}
	}
}

// requirePermission is the RBAC check of one route.
func requirePermission(perm string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if perm != "" && !PrincipalOf(c).Can(perm) {
				return echo.NewHTTPError(http.StatusForbidden, "missing permission "+perm)
			}
			return next(c)
		}
	}
}
