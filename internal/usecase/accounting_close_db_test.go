package usecase_test

// The period guard and the close of a month serialise: a change dated in
// the month that passed the guard holds the month (shared) until it
// commits, and the close takes it exclusively before it checks what is left
// to book, so it waits. To see it fail, make periodRepo.Guard only read
// (IsClosed) and drop periodRepo.Lock from ClosePeriod: the close then
// returns while the change is still open.

import (
	"context"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

func TestAccountingCloseWaitsForGuardedChange(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newAcctEnv(t, d)
			ctx := context.Background()
			aug := domain.Period("2026-08")
			guard := func(want bool) {
				t.Helper()
				err := e.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
					if closed, err := r.Periods.Guard(ctx, aug); err != nil || closed != want {
						t.Errorf("guard: closed %v (want %v), %v", closed, want, err)
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			guard(false) // an earlier change in August: the month's lock row exists
			held, release, changed := make(chan struct{}), make(chan struct{}), make(chan error, 1)
			go func() {
				changed <- e.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
					closed, err := r.Periods.Guard(ctx, aug)
					if err == nil && closed {
						t.Error("August closed before the close")
					}
					close(held)
					<-release
					return err
				})
			}()
			<-held
			closing := make(chan error, 1)
			go func() {
				_, err := e.acct.ClosePeriod(ctx, e.actor, aug)
				closing <- err
			}()
			select {
			case err := <-closing:
				t.Fatalf("the close did not wait for the change in its month: %v", err)
			case <-time.After(400 * time.Millisecond):
			}
			close(release)
			if err := <-changed; err != nil {
				t.Fatal(err)
			}
			if err := <-closing; err != nil {
				t.Fatal(err)
			}
			guard(true) // a change after the close sees the month closed
		})
	}
}
