package api

import (
	"context"
	"errors"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/usecase"
)

// jobStatuses maps the table's states to the statuses of the API: a job
// waiting to run (now or at its run_at) is "pending".
var jobStatuses = map[string]string{
	domain.JobAvailable: "pending", domain.JobRunning: "running", domain.JobDone: "done", domain.JobDead: "dead",
}

// jobStateOf is the state of a status given in ?status=.
func jobStateOf(status string) (string, bool) {
	for state, s := range jobStatuses {
		if s == status {
			return state, true
		}
	}
	return "", false
}

type jobResponse struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"`
	Status      string     `json:"status"`
	Attempts    int        `json:"attempts"`
	MaxAttempts int        `json:"max_attempts"`
	LastError   string     `json:"last_error"`
	RunAt       time.Time  `json:"run_at"`
	CreatedAt   time.Time  `json:"created_at"`
	FinishedAt  *time.Time `json:"finished_at"`
	RequestID   string     `json:"request_id"`
}

func toJobResponse(j domain.Job) jobResponse {
	return jobResponse{
		ID: j.ID, Kind: j.Kind, Status: jobStatuses[j.State], Attempts: j.Attempt, MaxAttempts: j.MaxAttempts,
		LastError: j.LastError, RunAt: j.RunAt, CreatedAt: j.CreatedAt, FinishedAt: j.FinishedAt, RequestID: j.RequestID,
	}
}

// jobStore is the queue as the jobs API sees it (queue.Store).
type jobStore interface {
	Get(ctx context.Context, id int64) (domain.Job, error)
	List(ctx context.Context, f domain.JobFilter, q domain.ListQuery) (domain.Page[domain.Job], error)
}

// JobRoutes is /api/v1/jobs: follow the background jobs (a sending, a PDF
// rendering) and give a dead one another chance (usecase.JobService, which
// audits it).
type JobRoutes struct {
	jobs  jobStore
	retry func(ctx context.Context, id int64) (domain.Job, error)
}

// NewJobRoutes returns the jobs area.
func NewJobRoutes(jobs jobStore, admin *usecase.JobService) *JobRoutes {
	return &JobRoutes{jobs: jobs, retry: admin.RetryDead}
}

// Routes implements Routes.
func (h *JobRoutes) Routes(r *Router) {
	r.GET("/jobs", domain.PermJobsRead, h.list)
	r.GET("/jobs/:id", domain.PermJobsRead, jsonByID("job", h.jobs.Get, toJobResponse))
	r.POST("/jobs/:id/retry", domain.PermJobsAdmin, jsonByID("job", h.retry, toJobResponse))
}

// jobSortFields are the fields a job list may be sorted by.
var jobSortFields = []string{"id", "created_at", "run_at", "finished_at"}

func (h *JobRoutes) list(c echo.Context) error {
	q, err := ParseList(c, jobSortFields...)
	verr := &domain.ValidationError{}
	if err != nil && !errors.As(err, &verr) {
		return err
	}
	var f domain.JobFilter
	if s := c.QueryParam("status"); s != "" {
		state, ok := jobStateOf(s)
		if !ok {
			verr.Add("status", "must be one of pending, running, done, dead")
		}
		f.State = state
	}
	f.Kind = enumQuery(c, "kind", domain.JobKinds(), verr)
	if err := verr.OrNil(); err != nil {
		return err
	}
	page, err := h.jobs.List(c.Request().Context(), f, q)
	if err != nil {
		return err
	}
	return respondList(c, page, q, toJobResponse)
}
