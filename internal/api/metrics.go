package api

import (
	"database/sql"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
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

// observe records one finished request. The route label is the route template
// ("/api/v1/users/:id"), never the raw path, so label cardinality stays bounded.
func (m *Metrics) observe(c echo.Context, took time.Duration) {
	route := c.Path()
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, c.Request().Method, strconv.Itoa(c.Response().Status)).Inc()
	m.duration.WithLabelValues(route, c.Request().Method).Observe(took.Seconds())
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() echo.HandlerFunc {
	return echo.WrapHandler(promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry}))
}
