package gormdb_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// The valuation multiplies exactly on every dialect (SQLite's REAL
// arithmetic would give 1219326234541.76 and 0.30000000000000004), leaves out
// zero levels, keeps negative ones, filters by warehouse, and closes its rows
// when the caller stops early.
func TestStockValuationReport(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Migrated(t, d)
			uow := gormdb.NewUnitOfWork(db.DB)
			now := time.Now().UTC().Truncate(time.Second)
			var ids [4]int64
			var w1, w2 int64
			err := uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
				for i, cost := range []string{"98765.432109", "3", "7", "0.5"} {
					p := &domain.Product{Ref: "VAL-" + string(rune('A'+i)), Label: "Valued", Type: domain.ProductTypeProduct,
						TrackStock: true, Active: true, CostPrice: decimal.RequireFromString(cost), CreatedAt: now, UpdatedAt: now}
					if err := r.Products.Create(ctx, p); err != nil {
						return err
					}
					ids[i] = p.ID
				}
				for i, id := range []*int64{&w1, &w2} { // in this order: w1 < w2
					wh := &domain.Warehouse{Ref: "VAL-W" + string(rune('1'+i)), Label: "Valued", CreatedAt: now, UpdatedAt: now}
					if err := r.Warehouses.Create(ctx, wh); err != nil {
						return err
					}
					*id = wh.ID
				}
				levels := []struct {
					p, w int64
					qty  string
				}{
					{ids[0], w1, "12345678.123456"}, {ids[1], w1, "0.1"}, {ids[1], w2, "2"},
					{ids[2], w2, "0"}, {ids[3], w2, "-4"},
				}
				for _, l := range levels {
					locked, _, err := r.Stock.LockLevels(ctx, []domain.LevelLock{{ProductID: l.p, WarehouseIDs: []int64{l.w}}})
					if err != nil {
						return err
					}
					locked[0].Qty, locked[0].UpdatedAt = decimal.RequireFromString(l.qty), now
					if err := r.Stock.SaveLevels(ctx, locked); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			reports := gormdb.NewStockReports(db.DB)

			type row struct {
				p, w             int64
				qty, cost, value string
			}
			collect := func(f domain.StockValuationFilter) []row {
				t.Helper()
				var out []row
				for r, err := range reports.StockValuation(ctx, f) {
					if err != nil {
						t.Fatal(err)
					}
					out = append(out, row{r.ProductID, r.WarehouseID, r.Qty.String(), r.AverageCost.String(), r.Value.String()})
				}
				return out
			}
			want := []row{
				{ids[0], w1, "12345678.123456", "98765.432109", "1219326234541.760088"},
				{ids[1], w1, "0.1", "3", "0.3"},
				{ids[1], w2, "2", "3", "6"},
				{ids[3], w2, "-4", "0.5", "-2"},
			}
			if got := collect(domain.StockValuationFilter{}); !slices.Equal(got, want) {
				t.Fatalf("valuation\n%v\nwant\n%v", got, want)
			}
			if got := collect(domain.StockValuationFilter{WarehouseID: w2}); !slices.Equal(got, want[2:]) {
				t.Fatalf("valuation of warehouse 2\n%v\nwant\n%v", got, want[2:])
			}

			for _, err := range reports.StockValuation(ctx, domain.StockValuationFilter{}) {
				if err != nil {
					t.Fatal(err)
				}
				break
			}
			if n := db.SQL.Stats().InUse; n != 0 {
				t.Fatalf("%d connections still in use after the caller stopped: rows not closed", n)
			}

			cancelled, cancel := context.WithCancel(ctx)
			cancel()
			var errs int
			for _, err := range reports.StockValuation(cancelled, domain.StockValuationFilter{}) {
				if err == nil {
					t.Fatal("a row from a cancelled query")
				}
				errs++
			}
			if errs != 1 {
				t.Fatalf("%d errors yielded, want 1", errs)
			}
		})
	}
}
