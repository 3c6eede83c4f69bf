package usecase_test

// CT-02: stock stays exact under concurrency on every dialect.
//
// To see these tests fail, delete the clause.Locking line of
// stockRepo.lockProduct (internal/infrastructure/gormdb/stock.go): on
// PostgreSQL and MariaDB concurrent debits then read the same level and
// overwrite each other's result, so more debits succeed than there is stock,
// the ledger no longer sums to the level, and in TestStockDebitWaitsForLockHolder
// B's balance ignores A's debit. Deleting the sort of domain.NormalizeLevelLocks
// makes the multi-product operations deadlock. On SQLite the write lock
// of BEGIN IMMEDIATE (gormdb.SQLiteDSN) serialises writers instead: remove
// _txlock=immediate there and concurrent writers fail with SQLITE_BUSY.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// events is a log of what happened, in order, shared by goroutines.
type events struct {
	mu  sync.Mutex
	log []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.log = append(e.log, s)
}

func (e *events) all() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.log...)
}

// lockWaiters counts the sessions of the test database that wait for a row
// lock: a state the server reports, not a duration.
func lockWaiters(ctx context.Context, db *testdb.DB) (int, error) {
	var q string
	switch db.Dialect {
	case sqldialect.Postgres:
		q = `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`
	case sqldialect.MySQL:
		q = `SELECT COUNT(*) FROM information_schema.innodb_trx t
		     JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id
		     WHERE t.trx_state = 'LOCK WAIT' AND p.db = DATABASE()`
	}
	var n int
	err := db.SQL.QueryRowContext(ctx, q).Scan(&n)
	return n, err
}

// Transaction A debits a level and keeps its transaction open; B's debit of
// the same level must wait for A's lock, go on only once A has committed, and
// compute its balance from A's result.
func TestStockDebitWaitsForLockHolder(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			if d == sqldialect.SQLite {
				t.Skip("SQLite has no row locks to observe: BEGIN IMMEDIATE serialises whole transactions (the stress tests cover it)")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			env := newStockEnv(t, testdb.Migrated(t, d), false)
			p, w := env.product(t, "CT02"), env.warehouse(t, "CT02")
			env.apply(t, move(p, w, "10"))

			var ev events
			aHolds, releaseA := make(chan struct{}), make(chan struct{})
			var once sync.Once
			aDone := make(chan error, 1)
			go func() {
				aDone <- env.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
					if _, err := env.stock.ApplyIn(ctx, r, clerk, move(p, w, "-3")); err != nil {
						return err
					}
					ev.add("A debited 3 and holds the lock")
					once.Do(func() { close(aHolds) })
					select {
					case <-releaseA:
					case <-ctx.Done():
						return ctx.Err()
					}
					ev.add("A commits")
					return nil
				})
			}()
			select {
			case <-aHolds:
			case err := <-aDone:
				t.Fatalf("A ended before holding the lock: %v", err)
			}

			type result struct {
				ms  []*domain.Movement
				err error
			}
			bDone := make(chan result, 1)
			go func() {
				ms, err := env.stock.Apply(ctx, clerk, move(p, w, "-4"))
				ev.add("B returned")
				bDone <- result{ms, err}
			}()

			// Wait until the server reports B waiting for a lock (A is the
			// only other session that can hold one). InnoDB refreshes the
			// information_schema view of transactions only once it has not
			// been read for 100 ms: polling faster would keep it stale.
			pollEvery := 5 * time.Millisecond
			if d == sqldialect.MySQL {
				pollEvery = 150 * time.Millisecond
			}
			for {
				n, err := lockWaiters(ctx, env.db)
				if err != nil {
					t.Fatal(err)
				}
				if n > 0 {
					break
				}
				select {
				case r := <-bDone:
					t.Fatalf("B finished while A held the lock: %+v", r)
				case <-ctx.Done():
					t.Fatal("B never waited for A's lock")
				case <-time.After(pollEvery): // polling period, not an assertion
				}
			}
			ev.add("B waits for the lock")
			select {
			case r := <-bDone:
				t.Fatalf("B finished while A held the lock: %+v", r)
			default:
			}
			close(releaseA)
			if err := <-aDone; err != nil {
				t.Fatalf("A: %v", err)
			}
			b := <-bDone
			if b.err != nil {
				t.Fatalf("B: %v", b.err)
			}

			want := []string{"A debited 3 and holds the lock", "B waits for the lock", "A commits", "B returned"}
			if got := ev.all(); !equalStrings(got, want) {
				t.Fatalf("events %q, want %q", got, want)
			}
			if got := b.ms[0].BalanceAfter; !got.Equal(dec("3")) {
				t.Fatalf("B's balance_after = %s, want 3 (10 - A's 3 - B's 4): B did not see A's debit", got)
			}
			if !env.level(t, p, w).Equal(dec("3")) {
				t.Fatalf("level = %s, want 3", env.level(t, p, w))
			}
			env.assertLedgerMatchesLevels(t)
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// outcome counts what concurrent operations returned.
type outcome struct {
	ok, refused atomic.Int64
	mu          sync.Mutex
	unexpected  []error
}

func (o *outcome) record(err error) {
	switch {
	case err == nil:
		o.ok.Add(1)
	case problemCode(err) == domain.CodeInsufficientStock:
		o.refused.Add(1)
	default:
		o.mu.Lock()
		o.unexpected = append(o.unexpected, err)
		o.mu.Unlock()
	}
}

func firstErr(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return errs[0]
}

// runConcurrently starts n goroutines at once, each running op(i).
func runConcurrently(n int, op func(i int) error) *outcome {
	var (
		o     outcome
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			o.record(op(i))
		}()
	}
	close(start)
	wg.Wait()
	return &o
}

// countRetries makes the unit of work count the transactions the database
// aborted (deadlocks, serialisation failures, busy SQLite).
func countRetries(env *stockEnv) *atomic.Int64 {
	var n atomic.Int64
	env.uow.OnRetry = func(int, error) { n.Add(1) }
	return &n
}

// Many concurrent debits of 1 against a stock of K: exactly K succeed, every
// other one is refused with insufficient-stock, the level ends at 0 and the
// ledger sums to it. With negative stock allowed every debit succeeds and
// none is lost.
func TestConcurrentDebits(t *testing.T) {
	const stock, workers = 50, 120
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			db := testdb.Migrated(t, d)

			env := newStockEnv(t, db, false)
			p, w := env.product(t, "HOT"), env.warehouse(t, "HOT")
			env.apply(t, move(p, w, "50"))
			o := runConcurrently(workers, func(int) error {
				_, err := env.stock.Apply(ctx, clerk, move(p, w, "-1"))
				return err
			})
			if len(o.unexpected) > 0 {
				t.Fatalf("%d unexpected errors, first: %v", len(o.unexpected), o.unexpected[0])
			}
			if o.ok.Load() != stock || o.refused.Load() != workers-stock {
				t.Fatalf("%d debits succeeded and %d were refused; want %d and %d", o.ok.Load(), o.refused.Load(), stock, workers-stock)
			}
			if lvl := env.level(t, p, w); !lvl.IsZero() {
				t.Fatalf("level = %s, want 0", lvl)
			}

			neg := newStockEnv(t, db, true)
			q := neg.product(t, "HOT-NEG")
			neg.apply(t, move(q, w, "50"))
			o = runConcurrently(workers, func(int) error {
				_, err := neg.stock.Apply(ctx, clerk, move(q, w, "-1"))
				return err
			})
			if len(o.unexpected) > 0 || o.ok.Load() != workers {
				t.Fatalf("negative allowed: %d of %d succeeded; %d unexpected errors, first: %v", o.ok.Load(), workers, len(o.unexpected), firstErr(o.unexpected))
			}
			if lvl := neg.level(t, q, w); !lvl.Equal(dec("-70")) {
				t.Fatalf("level = %s, want -70: updates were lost", lvl)
			}
			env.assertLedgerMatchesLevels(t)
		})
	}
}

// Concurrent transfers of one product in both directions between two
// warehouses (so their lines come in opposite orders): no deadlock even
// reaches the retry loop, stock is conserved, never negative, and the ledger
// sums to the levels.
func TestConcurrentTransfersBothWays(t *testing.T) {
	const each, workers = 5, 120
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			env := newStockEnv(t, testdb.Migrated(t, d), false)
			retries := countRetries(env)
			p, w1, w2 := env.product(t, "TR"), env.warehouse(t, "A"), env.warehouse(t, "B")
			env.apply(t, move(p, w1, "5"))
			env.apply(t, move(p, w2, "5"))

			var there, back atomic.Int64
			o := runConcurrently(workers, func(i int) error {
				from, to, n := w1, w2, &there
				if i%3 == 0 { // more traffic one way, so that some transfers find nothing left
					from, to, n = w2, w1, &back
				}
				_, err := env.stock.Apply(ctx, clerk, transfer(p, from, to, "1"))
				if err == nil {
					n.Add(1)
				}
				return err
			})
			if len(o.unexpected) > 0 {
				t.Fatalf("%d unexpected errors, first: %v", len(o.unexpected), o.unexpected[0])
			}
			if o.refused.Load() == 0 {
				t.Fatal("no transfer was refused: the test does not exercise insufficient stock")
			}
			l1, l2 := env.level(t, p, w1), env.level(t, p, w2)
			if l1.IsNegative() || l2.IsNegative() || !l1.Add(l2).Equal(dec("10")) {
				t.Fatalf("levels %s and %s: want both ≥ 0 summing to 10", l1, l2)
			}
			if !l1.Equal(dec("5").Sub(dec("1").Mul(decimal.NewFromInt(there.Load()))).Add(decimal.NewFromInt(back.Load()))) {
				t.Fatalf("level A = %s after %d transfers out and %d back", l1, there.Load(), back.Load())
			}
			if n := retries.Load(); n != 0 {
				t.Fatalf("%d transactions were aborted and retried: locks were taken out of order", n)
			}
			env.assertLedgerMatchesLevels(t)
		})
	}
}

// Two operations touching two products in opposite line orders, many times
// at once: the global lock order keeps them from deadlocking.
func TestConcurrentMultiProductOperations(t *testing.T) {
	const workers = 80
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			env := newStockEnv(t, testdb.Migrated(t, d), false)
			retries := countRetries(env)
			p, q, w := env.product(t, "K1"), env.product(t, "K2"), env.warehouse(t, "K")
			env.apply(t, move(p, w, "1000"))
			env.apply(t, move(q, w, "1000"))
			o := runConcurrently(workers, func(i int) error {
				a, b := p, q
				if i%2 == 1 {
					a, b = q, p
				}
				_, err := env.stock.Apply(ctx, clerk, domain.StockOperation{
					Label: "kit", Origin: domain.Origin{Type: "test"},
					Lines: []domain.StockLine{
						{ProductID: a.ID, WarehouseID: w.ID, Qty: dec("-1")},
						{ProductID: b.ID, WarehouseID: w.ID, Qty: dec("-2")},
					},
				})
				return err
			})
			if len(o.unexpected) > 0 || o.ok.Load() != workers {
				t.Fatalf("%d of %d succeeded; %d unexpected errors, first: %v", o.ok.Load(), workers, len(o.unexpected), firstErr(o.unexpected))
			}
			if n := retries.Load(); n != 0 {
				t.Fatalf("%d transactions were aborted and retried: locks were taken out of order", n)
			}
			// Each product lost 1 in half the operations and 2 in the other half.
			want := dec("1000").Sub(decimal.NewFromInt(workers / 2 * 3))
			if lp, lq := env.level(t, p, w), env.level(t, q, w); !lp.Equal(want) || !lq.Equal(want) {
				t.Fatalf("levels %s and %s, want %s", lp, lq, want)
			}
			env.assertLedgerMatchesLevels(t)
		})
	}
}

// A unit of work that fails with a domain error runs once; one that the
// database aborts for a deadlock runs again.
func TestUnitOfWorkRetriesOnlyDatabaseAborts(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			env := newStockEnv(t, testdb.Migrated(t, d), false)
			runs := 0
			err := env.uow.Do(context.Background(), func(context.Context, domain.Repositories) error {
				runs++
				return domain.Conflictf("x", "domain refusal")
			})
			if runs != 1 || !errors.Is(err, domain.ErrConflict) {
				t.Fatalf("domain error: %d runs, err %v", runs, err)
			}
			if d == sqldialect.SQLite {
				return // a deadlock needs row locks
			}
			p, w1, w2 := env.product(t, "DL"), env.warehouse(t, "DL1"), env.warehouse(t, "DL2")
			env.apply(t, move(p, w1, "1"))
			env.apply(t, move(p, w2, "1"))
			retries := countRetries(env)
			// Two transactions lock the two levels in opposite orders on
			// purpose, each waiting for the other to hold its first lock.
			var first sync.WaitGroup
			first.Add(2)
			lock := func(a, b *domain.Warehouse) error {
				attempt := 0
				return env.uow.Do(context.Background(), func(ctx context.Context, r domain.Repositories) error {
					attempt++
					if _, _, err := r.Stock.LockLevels(ctx, []domain.LevelLock{{ProductID: p.ID, WarehouseIDs: []int64{a.ID}}}); err != nil {
						return err
					}
					if attempt == 1 {
						first.Done()
						first.Wait()
					}
					_, _, err := r.Stock.LockLevels(ctx, []domain.LevelLock{{ProductID: p.ID, WarehouseIDs: []int64{b.ID}}})
					return err
				})
			}
			errs := make(chan error, 2)
			go func() { errs <- lock(w1, w2) }()
			go func() { errs <- lock(w2, w1) }()
			for range 2 {
				if err := <-errs; err != nil {
					t.Fatalf("a deadlocked unit of work was not retried to success: %v", err)
				}
			}
			if retries.Load() == 0 {
				t.Fatal("no retry: the deadlock did not happen")
			}
		})
	}
}

// Concurrent receipts at cost into two warehouses, mixed with debits: the
// product's average cost is exactly what replaying the ledger in id order
// gives, so no receipt computed from a total or an average that another one
// was changing.
func TestConcurrentReceiptsAtCost(t *testing.T) {
	const workers = 60
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			env := newStockEnv(t, testdb.Migrated(t, d), false)
			retries := countRetries(env)
			p, w1, w2 := env.product(t, "AVG"), env.warehouse(t, "AVG1"), env.warehouse(t, "AVG2")
			env.apply(t, receiveAt(p, w1, "100", "3"))
			env.apply(t, receiveAt(p, w2, "100", "4"))
			o := runConcurrently(workers, func(i int) error {
				w := []*domain.Warehouse{w1, w2}[i%2]
				op := receiveAt(p, w, fmt.Sprint(i%3+1), fmt.Sprintf("%d.%d", i, i%7))
				if i%4 == 3 {
					op = move(p, w, "-1")
				}
				_, err := env.stock.Apply(ctx, clerk, op)
				return err
			})
			if len(o.unexpected) > 0 || o.ok.Load() != workers {
				t.Fatalf("%d of %d succeeded; %d unexpected errors, first: %v", o.ok.Load(), workers, len(o.unexpected), firstErr(o.unexpected))
			}
			if n := retries.Load(); n != 0 {
				t.Fatalf("%d transactions were aborted and retried", n)
			}
			ms, err := env.stock.Movements(ctx, domain.MovementFilter{ListQuery: domain.ListQuery{Sort: "id"}, ProductID: p.ID})
			if err != nil {
				t.Fatal(err)
			}
			onHand, avg := decimal.Zero, decimal.Zero
			for _, m := range ms.Items {
				if m.UnitCost.Valid {
					avg = domain.WeightedAverageCost(onHand, avg, m.Qty, m.UnitCost.Decimal)
				}
				onHand = onHand.Add(m.Qty)
			}
			if got := env.costPrice(t, p); !got.Equal(avg) {
				t.Fatalf("cost price %s, replaying the ledger gives %s", got, avg)
			}
			env.assertLedgerMatchesLevels(t)
		})
	}
}
