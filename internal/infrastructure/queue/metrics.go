package queue

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/doligo/doligo/internal/domain"
)

// Metrics are the worker's job metrics: how long each kind of job runs, how
// runs end, and (read from the database at each scrape) how many jobs are in
// each state.
type Metrics struct {
	duration *prometheus.HistogramVec
	outcomes *prometheus.CounterVec
}

// NewMetrics registers the job metrics on reg, the queue depth read from s.
func NewMetrics(reg prometheus.Registerer, s *Store) *Metrics {
	m := &Metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "doligo_job_duration_seconds",
			Help:    "Time a job's handler ran, by kind.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}, []string{"kind"}),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "doligo_jobs_finished_total",
			Help: "Job runs by kind and outcome: done, retry, dead, released (returned without spending an attempt), lease_lost.",
		}, []string{"kind", "outcome"}),
	}
	reg.MustRegister(m.duration, m.outcomes)
	RegisterDepth(reg, s)
	return m
}

// RegisterDepth registers only the queue depth read from s: what the API's
// /metrics shows of the jobs (the worker's NewMetrics includes it).
func RegisterDepth(reg prometheus.Registerer, s *Store) {
	reg.MustRegister(depthCollector{s: s})
}

// JobFinished records one run of a job of kind that ran for took and ended
// with outcome.
func (m *Metrics) JobFinished(kind, outcome string, took time.Duration) {
	m.duration.WithLabelValues(kind).Observe(took.Seconds())
	m.outcomes.WithLabelValues(kind, outcome).Inc()
}

var depthDesc = prometheus.NewDesc("doligo_jobs",
	"Jobs in the queue by kind and state (available includes jobs waiting for their run_at).", []string{"kind", "state"}, nil)

// depthCollector counts the jobs by kind and state at each scrape: the
// database is the queue, shared by every worker, so no process could keep
// this count itself. Every state of a kind present in the table is reported,
// zero included, so a series drops to 0 instead of vanishing.
type depthCollector struct{ s *Store }

func (c depthCollector) Describe(ch chan<- *prometheus.Desc) { ch <- depthDesc }

func (c depthCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	depth, err := c.s.DepthByKind(ctx)
	if err != nil {
		// The schema may not be there yet (the worker waits for it): the
		// rest of /metrics must still answer, and /ready says why.
		return
	}
	kinds := map[string]map[string]int64{}
	for _, d := range depth {
		if kinds[d.Kind] == nil {
			kinds[d.Kind] = map[string]int64{domain.JobAvailable: 0, domain.JobRunning: 0, domain.JobDone: 0, domain.JobDead: 0}
		}
		kinds[d.Kind][d.State] = d.Jobs
	}
	for kind, states := range kinds {
		for state, n := range states {
			ch <- prometheus.MustNewConstMetric(depthDesc, prometheus.GaugeValue, float64(n), kind, state)
		}
	}
}
