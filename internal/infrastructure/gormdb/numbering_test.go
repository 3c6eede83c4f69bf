package gormdb_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// Reserve and Next on one sequence at the same time hand out disjoint runs
// of values that, together, are 1..total without a gap: a run reserved by a
// unit of work that rolls back is given back. Without the row lock (or with
// a read then a write of the value) two units of work take the same values.
func TestNumberingReserveIsDisjointAndGapless(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx, uow := context.Background(), gormdb.NewUnitOfWork(db.DB)
		key := fmt.Sprintf("reserve_%d", time.Now().UnixNano())
		err := uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
			_, err := r.Numbering.Reserve(ctx, key, "2031", 0)
			return err
		})
		if err == nil {
			t.Fatal("reserving no value succeeded")
		}
		err = uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
			first, err := r.Numbering.Reserve(ctx, key, "2031", 4) // the row is made
			if err == nil && first != 1 {
				return fmt.Errorf("the first run of a new sequence starts at %d; want 1", first)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		type run struct{ first, n int64 }
		var (
			mu   sync.Mutex
			runs []run
			wg   sync.WaitGroup
		)
		errs := make(chan error, 8*6)
		rollback := errors.New("rolled back")
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 6 {
					n := (g+i)%7 + 1 // from 1 to 7; 1 is Next
					var first int64
					err := uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
						var err error
						if n == 1 {
							first, err = r.Numbering.Next(ctx, key, "2031")
						} else {
							first, err = r.Numbering.Reserve(ctx, key, "2031", n)
						}
						if err == nil && i == 5 {
							return rollback // its values go back
						}
						return err
					})
					switch {
					case errors.Is(err, rollback):
					case err != nil:
						errs <- err
					default:
						mu.Lock()
						runs = append(runs, run{first, int64(n)})
						mu.Unlock()
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		slices.SortFunc(runs, func(a, b run) int { return int(a.first - b.first) })
		next := int64(5)
		for _, r := range runs {
			if r.first != next {
				t.Fatalf("a run of %d from %d; want it from %d (runs %v)", r.n, r.first, next, runs)
			}
			next += r.n
		}
		// The next value follows the last run: the rolled back ones left no gap.
		err = uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
			v, err := r.Numbering.Next(ctx, key, "2031")
			if err == nil && v != next {
				return fmt.Errorf("next value %d after %d runs; want %d", v, len(runs), next)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
