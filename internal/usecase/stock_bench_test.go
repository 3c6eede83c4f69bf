package usecase_test

// Stock debit benchmarks (docs/benchmarks.md): `make bench`, or
//
//	go test -run '^$' -bench BenchmarkStockDebit -benchtime 3s ./internal/usecase/
//
// On PostgreSQL and MariaDB (SQLite serialises every writer on its file lock:
// there is no row lock to measure), 16 workers debit 1 unit at a time:
//
//	hot/locked       StockService.Apply on one level: the path every stock
//	                 change takes (product and warehouse checks, SELECT … FOR
//	                 UPDATE, update, ledger insert, one transaction)
//	hot/baseline     the least a correct debit can do: one conditional
//	                 UPDATE … SET qty = qty - ? WHERE … AND qty >= ? and the
//	                 ledger insert, one transaction
//	spread/locked    StockService.Apply over 256 products
//	spread/baseline  the baseline over the same products
//
// Benchmarks run only with -bench: plain `go test` skips them.

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// benchWorkers is how many goroutines debit at once.
const benchWorkers = 16

// benchSpread is how many products the spread benchmarks debit.
const benchSpread = 256

func BenchmarkStockDebit(b *testing.B) {
	for _, d := range []string{sqldialect.Postgres, sqldialect.MySQL} {
		b.Run(d, func(b *testing.B) {
			if !slices.Contains(testdb.Dialects(), d) {
				b.Skipf("%s is not in TEST_DIALECTS", d)
			}
			db := testdb.Migrated(b, d)
			uow := gormdb.NewUnitOfWork(db.DB)
			catalog := usecase.NewCatalogService(uow, time.Now)
			stock := usecase.NewStockService(uow, usecase.StockOptions{})
			w := &domain.Warehouse{Ref: "BENCH", Label: "Bench"}
			if err := catalog.CreateWarehouse(context.Background(), w); err != nil {
				b.Fatal(err)
			}
			// Enough stock that no debit is ever refused, whatever b.N.
			products := make([]int64, benchSpread)
			for i := range products {
				p := &domain.Product{Ref: fmt.Sprintf("BENCH-%03d", i), Label: "Bench", Type: domain.ProductTypeProduct, TrackStock: true, Active: true}
				if err := catalog.CreateProduct(context.Background(), p); err != nil {
					b.Fatal(err)
				}
				op, _ := domain.NewStockMovement(p.ID, w.ID, decimal.New(1, 12), decimal.NullDecimal{}, "opening")
				if _, err := stock.Apply(context.Background(), clerk, op); err != nil {
					b.Fatal(err)
				}
				products[i] = p.ID
			}
			locked := func(ctx context.Context, product int64) error {
				op, err := domain.NewStockMovement(product, w.ID, decimal.NewFromInt(-1), decimal.NullDecimal{}, "bench")
				if err != nil {
					return err
				}
				_, err = stock.Apply(ctx, clerk, op)
				return err
			}
			baseline := newBaselineDebit(db, w.ID)
			hot := func(uint64) int64 { return products[0] }
			spread := func(i uint64) int64 { return products[i%benchSpread] }
			b.Run("hot/locked", func(b *testing.B) { runDebits(b, hot, locked) })
			b.Run("hot/baseline", func(b *testing.B) { runDebits(b, hot, baseline) })
			b.Run("spread/locked", func(b *testing.B) { runDebits(b, spread, locked) })
			b.Run("spread/baseline", func(b *testing.B) { runDebits(b, spread, baseline) })
		})
	}
}

// runDebits runs b.N debits of the products pick names on benchWorkers
// goroutines and reports the throughput.
func runDebits(b *testing.B, pick func(i uint64) int64, debit func(ctx context.Context, product int64) error) {
	ctx := context.Background()
	var next atomic.Uint64
	b.SetParallelism(max(1, benchWorkers/runtime.GOMAXPROCS(0))) // RunParallel starts parallelism × GOMAXPROCS goroutines
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := debit(ctx, pick(next.Add(1))); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "debits/s")
}

// newBaselineDebit returns the physical baseline: the conditional update
// and the ledger insert (its balance read from the row the update just
// locked) in one transaction, at the isolation level of the unit of work
// (READ COMMITTED: the session's level on MySQL, see gormdb.NewUnitOfWork).
func newBaselineDebit(db *testdb.DB, warehouseID int64) func(ctx context.Context, product int64) error {
	update := `UPDATE stock_levels SET qty = qty - ?, updated_at = ? WHERE product_id = ? AND warehouse_id = ? AND qty >= ?`
	insert := `INSERT INTO stock_movements (product_id, warehouse_id, qty, balance_after, label, origin_type, request_id, created_at)
		SELECT product_id, warehouse_id, ?, qty, 'bench', 'manual', '', ? FROM stock_levels WHERE product_id = ? AND warehouse_id = ?`
	if db.Dialect == sqldialect.Postgres {
		update = `UPDATE stock_levels SET qty = qty - $1, updated_at = $2 WHERE product_id = $3 AND warehouse_id = $4 AND qty >= $5`
		insert = `INSERT INTO stock_movements (product_id, warehouse_id, qty, balance_after, label, origin_type, request_id, created_at)
			SELECT product_id, warehouse_id, $1, qty, 'bench', 'manual', '', $2 FROM stock_levels WHERE product_id = $3 AND warehouse_id = $4`
	}
	one, minusOne := decimal.NewFromInt(1), decimal.NewFromInt(-1)
	return func(ctx context.Context, product int64) error {
		tx, err := db.SQL.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback() //nolint:errcheck // a no-op after Commit
		now := time.Now().UTC()
		res, err := tx.ExecContext(ctx, update, one, now, product, warehouseID, one)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return fmt.Errorf("baseline debit of product %d: %d rows, %v", product, n, err)
		}
		if _, err := tx.ExecContext(ctx, insert, minusOne, now, product, warehouseID); err != nil {
			return err
		}
		return tx.Commit()
	}
}
