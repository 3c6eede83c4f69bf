// Package observability is what both binaries show of themselves: the
// Prometheus registry with the HTTP and database-pool metrics, the access-log
// line of a request, request ids, and the ops server (/health, /ready,
// /metrics) that is the worker's whole HTTP surface and that the API mounts
// among its routes.
package observability

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"
)

// Metrics is the Prometheus registry of one process. A registry per server
// (not the global one) keeps tests that start several servers independent.
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics registers the HTTP, Go runtime and, when db is not nil, the
// connection-pool collectors.
func NewMetrics(db *sql.DB) *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "doligo_http_requests_total",
			Help: "HTTP requests by route template, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "doligo_http_request_duration_seconds",
			Help:    "HTTP request duration by route template and method.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"route", "method"}),
	}
	m.Registry.MustRegister(m.requests, m.duration,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if db != nil {
		m.Registry.MustRegister(collectors.NewDBStatsCollector(db, "doligo"))
	}
	return m
}

// Request is one finished HTTP request, as its access-log line and the HTTP
// metrics record it.
type Request struct {
	Method, Path string
	Route        string // the route template ("/api/v1/users/:id"); "" when no route matched
	Status       int
	Bytes        int64
	Took         time.Duration
	RemoteIP     string
}

// UnmatchedRoute is the route label of a request no route matched.
const UnmatchedRoute = "unmatched"

// OtherMethod is the method label of a request whose method is not one of
// RFC 9110's.
const OtherMethod = "other"

// knownMethods are the method label values besides OtherMethod.
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
	http.MethodConnect: true, http.MethodTrace: true,
}

// MethodLabel is the method as the metrics label it: the client chooses the
// method token freely (any length, any letters), and each new label value is
// a new series kept for the life of the process, so anything outside the
// fixed set is "other".
func MethodLabel(method string) string {
	if knownMethods[method] {
		return method
	}
	return OtherMethod
}

// Record writes r's access-log line with the logger of ctx and counts r.
// Every label comes from a fixed set so that no client input creates a
// series: the route is the route template (never the raw path), the method
// one of MethodLabel's, the status one the server chose.
func (m *Metrics) Record(ctx context.Context, r Request) {
	route := r.Route
	if route == "" {
		route = UnmatchedRoute
	}
	method := MethodLabel(r.Method)
	m.requests.WithLabelValues(route, method, strconv.Itoa(r.Status)).Inc()
	m.duration.WithLabelValues(route, method).Observe(r.Took.Seconds())
	log := zerolog.Ctx(ctx)
	ev := log.Info()
	if r.Status >= 500 {
		ev = log.Warn()
	}
	ev.Str("method", r.Method).
		Str("path", r.Path).
		Str("route", r.Route).
		Int("status", r.Status).
		Int64("bytes", r.Bytes).
		Dur("duration", r.Took).
		Str("remote_ip", r.RemoteIP).
		Msg("request")
}

// Handler serves the registry in the Prometheus text format; with a token,
// only to requests that carry it as a bearer token (RequireToken).
func (m *Metrics) Handler(token string) http.Handler {
	h := promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
	if token == "" {
		return h
	}
	return RequireToken(token, h)
}

// RequireToken lets through only requests with "Authorization: Bearer
// <token>" and answers the others 401 problem+json. The metrics show
// request rates, pool use and queue depth per route: what an attacker needs
// to time an attack, so they need not be public wherever the port is
// reachable. The comparison is of SHA-256 digests in constant time, so
// neither the token's bytes nor its length leak through the answer's timing.
func RequireToken(token string, h http.Handler) http.Handler {
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, got, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
		if !ok || !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare(sum[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="doligo-metrics"`)
			writeProblem(w, http.StatusUnauthorized, "unauthorized", "a valid bearer token is required")
			return
		}
		h.ServeHTTP(w, r)
	})
}
