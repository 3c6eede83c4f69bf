package gormdb_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/listentest"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// On PostgreSQL a unit of work that enqueued a job wakes the listening
// workers once it has committed; one rolled back does not.
func TestUnitOfWorkWakesWorkersAfterCommit(t *testing.T) {
	if !slices.Contains(testdb.Dialects(), "postgres") {
		t.Skip("postgres not under test")
	}
	db := testdb.Migrated(t, "postgres")
	l := listentest.Start(t, db.DSN)
	ctx := context.Background()
	uow := gormdb.NewUnitOfWork(db.DB)
	enqueue := func(fail error) error {
		return uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
			if _, err := r.Outbox.Enqueue(ctx, domain.NewJob{Kind: domain.JobKindNoop}); err != nil {
				return err
			}
			return fail
		})
	}
	rolledBack := errors.New("rolled back")
	if err := enqueue(rolledBack); !errors.Is(err, rolledBack) {
		t.Fatalf("got %v, want the unit of work's own error", err)
	}
	l.None("after a rollback", 300*time.Millisecond)
	if err := enqueue(nil); err != nil {
		t.Fatal(err)
	}
	l.Wait("after the commit")
}
