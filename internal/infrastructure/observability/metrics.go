// Package observability is what both binaries show of themselves: the
// Prometheus registry with the HTTP and database-pool metrics, the access-log
// line of a request, request ids, and the ops server (/health, /ready,
// /metrics) that is the worker's whole HTTP surface and that the API mounts
// among its routes.
package observability

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
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

// Record writes r's access-log line with the logger of ctx and counts r. The
// route label is the route template, never the raw path, so label
// cardinality stays bounded.
func (m *Metrics) Record(ctx context.Context, r Request) {
	route := r.Route
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, r.Method, strconv.Itoa(r.Status)).Inc()
	m.duration.WithLabelValues(route, r.Method).Observe(r.Took.Seconds())
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

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}
