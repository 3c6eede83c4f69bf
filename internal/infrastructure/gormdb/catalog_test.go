package gormdb_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// GetWithLevels reads in one statement what Get and ProductLevels read in
// two, field for field: the product with no level, with levels (a zero one
// among them, optional thresholds set and unset), and NotFound for an
// unknown id.
func TestProductGetWithLevelsReadsWhatGetAndProductLevelsRead(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx, uow := context.Background(), gormdb.NewUnitOfWork(db.DB)
		product, ws := stockFixture(t, uow, "GWL-"+db.Dialect, 3)
		bare, _ := stockFixture(t, uow, "GWL-BARE-"+db.Dialect, 0)
		now := time.Now().UTC().Truncate(time.Second)
		err := withLocked(ctx, uow, product, ws, func(ctx context.Context, r domain.Repositories, locked []*domain.StockLevel) error {
			for i, l := range locked {
				l.Qty, l.UpdatedAt = decimal.RequireFromString([]string{"12.5", "0", "-3.125"}[i]), now.Add(time.Duration(i)*time.Second)
			}
			p, err := r.Products.Lock(ctx, product)
			if err != nil {
				return err
			}
			p.MinStock = decimal.NewNullDecimal(decimal.RequireFromString("4.5"))
			if err := r.Products.Save(ctx, p); err != nil {
				return err
			}
			return r.Stock.SaveLevels(ctx, locked)
		})
		if err != nil {
			t.Fatal(err)
		}
		err = uow.Read(ctx, func(ctx context.Context, r domain.Readers) error {
			for _, id := range []int64{product, bare} {
				wantP, err := r.Products.Get(ctx, id)
				if err != nil {
					return err
				}
				wantL, err := r.Stock.ProductLevels(ctx, id)
				if err != nil {
					return err
				}
				p, levels, err := r.Products.GetWithLevels(ctx, id)
				if err != nil {
					return err
				}
				if !reflect.DeepEqual(p, wantP) {
					t.Errorf("product %d: GetWithLevels %+v, Get %+v", id, p, wantP)
				}
				if len(levels) != len(wantL) {
					t.Fatalf("product %d: %d levels, want %d", id, len(levels), len(wantL))
				}
				for i := range levels {
					if !reflect.DeepEqual(levels[i], wantL[i]) {
						t.Errorf("product %d level %d: %+v, want %+v", id, i, levels[i], wantL[i])
					}
				}
			}
			if len(ws) != 3 {
				t.Fatalf("fixture warehouses %v", ws)
			}
			if _, _, err := r.Products.GetWithLevels(ctx, bare+1000); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("unknown product: err = %v, want not found", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
