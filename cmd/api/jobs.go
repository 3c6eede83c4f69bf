package main

import (
	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/observability"
	"github.com/doligo/doligo/internal/infrastructure/queue"
)

// jobAreas wires /api/v1/jobs on the queue and adds the queue depth (by kind
// and state) to the API's /metrics: the worker's own /metrics only lives
// while a worker does.
func jobAreas(db *gormdb.DB, metrics *observability.Metrics) ([]api.Routes, error) {
	store, err := queue.NewStore(db.SQL, db.Dialect)
	if err != nil {
		return nil, err
	}
	queue.RegisterDepth(metrics.Registry, store)
	return []api.Routes{api.NewJobRoutes(store)}, nil
}
