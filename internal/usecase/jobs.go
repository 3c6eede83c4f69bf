package usecase

import (
	"context"

	"github.com/doligo/doligo/internal/domain"
)

// JobService is what an operator changes in the queue by hand: giving a dead
// job another chance, with the audit row saying who did.
type JobService struct{ uow domain.UnitOfWork }

// NewJobService returns a JobService.
func NewJobService(uow domain.UnitOfWork) *JobService { return &JobService{uow: uow} }

// RetryDead makes dead job id run again from its first attempt.
func (s *JobService) RetryDead(ctx context.Context, id int64) (domain.Job, error) {
	return unitDo(ctx, s.uow, func(ctx context.Context, r domain.Repositories) (domain.Job, error) {
		j, err := r.Outbox.RetryDead(ctx, id)
		if err != nil {
			return domain.Job{}, err
		}
		return j, auditedField(ctx, r, "job.retry", "job", id, "state", domain.JobDead, j.State)
	})
}
