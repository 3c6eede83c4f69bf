package gormdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// The period guard runs on every fiscal validation, edit and payment: it
// makes a month's lock row the first time the month is guarded and, from
// then on, is two statements (lock the row shared, read whether the month is
// closed) — and it still sees a close.
func TestPeriodGuardMakesTheLockRowOnce(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx, uow := context.Background(), gormdb.NewUnitOfWork(db.DB)
		queries := countQueries(t, db.Gorm)
		p := domain.Period("2031-03")
		guard := func() (closed bool, statements int64) {
			t.Helper()
			err := uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
				before := queries.Load()
				var err error
				closed, err = r.Periods.Guard(ctx, p)
				statements = queries.Load() - before
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return closed, statements
		}
		first, second := int64(4), int64(2) // lock (none), insert, lock, read; lock, read
		if db.Dialect == sqldialect.SQLite {
			first, second = 1, 1 // the read alone
		}
		if closed, n := guard(); closed || n != first {
			t.Fatalf("first guard of the month: closed %v, %d statements; want open, %d", closed, n, first)
		}
		if closed, n := guard(); closed || n != second {
			t.Fatalf("next guard: closed %v, %d statements; want open, %d", closed, n, second)
		}
		err := uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
			if err := r.Periods.Lock(ctx, p); err != nil {
				return err
			}
			return r.Periods.Close(ctx, domain.ClosedPeriod{Period: p, ClosedAt: time.Now(), ClosedBy: 1})
		})
		if err != nil {
			t.Fatal(err)
		}
		if closed, n := guard(); !closed || n != second {
			t.Fatalf("guard of the closed month: closed %v, %d statements; want closed, %d", closed, n, second)
		}
	})
}
