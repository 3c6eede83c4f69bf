package usecase

import (
	"context"

	"github.com/doligo/doligo/internal/domain"
)

// unitDo runs fn in a unit of work and returns what its last attempt produced
// (Do may run fn again after a deadlock).
func unitDo[T any](ctx context.Context, uow domain.UnitOfWork, fn func(context.Context, domain.Repositories) (T, error)) (T, error) {
	var out T
	err := uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		var err error
		out, err = fn(ctx, r)
		return err
	})
	if err != nil {
		var zero T
		return zero, err
	}
	return out, nil
}

// unitRead runs fn on the read halves of the repositories, outside a
// transaction.
func unitRead[T any](ctx context.Context, uow domain.UnitOfWork, fn func(context.Context, domain.Readers) (T, error)) (T, error) {
	var out T
	err := uow.Read(ctx, func(ctx context.Context, r domain.Readers) error {
		var err error
		out, err = fn(ctx, r)
		return err
	})
	return out, err
}

// unitBrowse is unitRead on the read replica, when there is one: for lists,
// whose data may lag the primary by the replication delay
// (domain.UnitOfWork.ReadReplica).
func unitBrowse[T any](ctx context.Context, uow domain.UnitOfWork, fn func(context.Context, domain.Readers) (T, error)) (T, error) {
	var out T
	err := uow.ReadReplica(ctx, func(ctx context.Context, r domain.Readers) error {
		var err error
		out, err = fn(ctx, r)
		return err
	})
	return out, err
}
