package usecase_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// productRows are n import lines of products ref prefix-00000…, priced i.
func productRows(prefix string, n int) []domain.ProductImportRow {
	rows := make([]domain.ProductImportRow, n)
	for i := range rows {
		ref, label, price := fmt.Sprintf("%s-%05d", prefix, i), fmt.Sprintf("Product %d", i), decimal.NewFromInt(int64(i))
		rows[i] = domain.ProductImportRow{
			Line: i + 2,
			New: domain.Product{Ref: ref, Label: label, Type: domain.ProductTypeProduct, UnitPrice: price,
				TrackStock: true, Active: true},
			Patch: domain.ProductPatch{Ref: &ref, Label: &label, UnitPrice: &price},
		}
	}
	return rows
}

// An import sends a number of statements that grows by the batch (500
// lines), never by the line: 5,000 lines take a few dozen.
func TestImportStatementsDoNotGrowPerLine(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			db := testdb.Migrated(t, dialect)
			stmts := statementCounter(t, db.Gorm)
			imports := usecase.NewImportService(gormdb.NewUnitOfWork(db.DB), time.Now)
			ctx := context.Background()
			if _, err := imports.ImportProducts(ctx, productRows("S", 2500), false); err != nil {
				t.Fatal(err)
			}
			s0 := stmts.Load()
			res, err := imports.ImportProducts(ctx, productRows("S", 5000), false) // 2,500 updates, 2,500 creations
			if err != nil || res.Created != 2500 || res.Updated != 2500 || len(res.CreatedIDs) != 2500 || len(res.UpdatedIDs) != 2500 {
				t.Fatalf("import: %+v %v", res, err)
			}
			n := stmts.Load() - s0
			t.Logf("statements for 5,000 lines: %d", n)
			// Per 500 lines: a locking read, then an upsert or an insert and a
			// read of the new IDs; a few more for the transaction's savepoints.
			if n > 4*5000/500+10 {
				t.Fatalf("%d statements for 5,000 lines", n)
			}
			if res.CreatedIDs[0] == 0 || res.CreatedIDs[0] == res.CreatedIDs[1] {
				t.Fatalf("created ids: %v…", res.CreatedIDs[:2])
			}
			p, _, err := usecase.NewCatalogService(gormdb.NewUnitOfWork(db.DB), time.Now).Product(ctx, res.CreatedIDs[2499])
			if err != nil || p.Ref != "S-04999" || !p.UnitPrice.Equal(decimal.NewFromInt(4999)) {
				t.Fatalf("the last created product: %+v %v", p, err)
			}
		})
	}
}

// Concurrent imports of the same new refs never make a product twice: each
// import is written whole (the second then updates) or refused whole with
// 409 duplicate-ref, and never half.
func TestConcurrentImportsOfTheSameRefs(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		imports := usecase.NewImportService(gormdb.NewUnitOfWork(db.DB), time.Now)
		prefix := "CC" + db.Dialect[:2]
		const n, runs = 600, 4
		errs := make([]error, runs)
		var wg sync.WaitGroup
		for i := range runs {
			wg.Go(func() {
				_, errs[i] = imports.ImportProducts(context.Background(), productRows(prefix, n), false)
			})
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			var p *domain.Problem
			switch {
			case err == nil:
				ok++
			case errors.As(err, &p) && p.Code == "duplicate-ref":
			default:
				t.Fatalf("import: %v", err)
			}
		}
		var count int64
		if err := db.Gorm.Table("products").Where("ref LIKE ?", prefix+"-%").Count(&count).Error; err != nil {
			t.Fatal(err)
		}
		if ok == 0 || count != n {
			t.Fatalf("%d imports written, %d products (want %d): %v", ok, count, n, errs)
		}
		res, err := imports.ImportProducts(context.Background(), productRows(prefix, n), true)
		if err != nil || res.Created != 0 || res.Updated != n || !res.DryRun || res.CreatedIDs != nil {
			t.Fatalf("dry run after: %+v %v", res, err)
		}
	})
}

// An import emits product.created and thirdparty.created for each entity it
// creates, in its transaction: none for an update, a dry run or a refused
// file; and writes an audit row for each entity it creates or updates.
func TestImportsEmitCreatedEventsAndAuditRows(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *testdb.DB) {
		ctx := context.Background()
		uow := gormdb.NewUnitOfWork(db.DB)
		imports := usecase.NewImportService(uow, time.Now)
		hooks := usecase.NewWebhookService(uow, devClient(), time.Now)
		sub := subscribe(t, hooks, "https://receiver.example/imports", domain.EventProductCreated, domain.EventThirdPartyCreated)
		if _, err := imports.ImportProducts(ctx, productRows("EV", 2), false); err != nil {
			t.Fatal(err)
		}
		if _, err := imports.ImportProducts(ctx, productRows("EV", 3), true); err != nil { // dry run
			t.Fatal(err)
		}
		bad := productRows("EV", 5)
		bad[4].New.Label, bad[4].Patch.Label = "", new(string)
		if _, err := imports.ImportProducts(ctx, bad, false); err == nil {
			t.Fatal("a file with a bad line was imported")
		}
		three := productRows("EV", 3)
		renamed := "Renamed"
		three[0].Patch.Label = &renamed
		res, err := imports.ImportProducts(ctx, three, false) // 2 updates (one a rename), 1 creation
		if err != nil || res.Created != 1 || res.Updated != 2 {
			t.Fatalf("import: %+v %v", res, err)
		}
		code := "EV-TP-1"
		name := "Imported customer"
		if _, err := imports.ImportThirdParties(ctx, []domain.ThirdPartyImportRow{{Line: 2,
			New:   domain.ThirdParty{Code: code, Name: name, IsCustomer: true},
			Patch: domain.ThirdPartyPatch{Code: &code, Name: &name}}}, false); err != nil {
			t.Fatal(err)
		}
		got := delivered(t, db, sub.ID)
		if got[domain.EventProductCreated] != 3 || got[domain.EventThirdPartyCreated] != 1 || len(got) != 2 {
			t.Fatalf("events %v, want 3 product.created and 1 thirdparty.created", got)
		}
		if d := lastEventData(t, db, domain.EventProductCreated); d["ref"] != "EV-00002" {
			t.Fatalf("product.created data = %v", d)
		}
		audit := map[string]int{}
		rows, err := db.Gorm.Raw(`SELECT action, COUNT(*) FROM audit_log
			WHERE object_type = 'product' AND object_id IN (SELECT id FROM products WHERE ref LIKE 'EV-%')
				OR object_type = 'thirdparty' AND object_id IN (SELECT id FROM thirdparties WHERE code = 'EV-TP-1')
			GROUP BY action`).Rows()
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var action string
			var n int
			if err := rows.Scan(&action, &n); err != nil {
				t.Fatal(err)
			}
			audit[action] = n
		}
		if audit["product.create"] != 3 || audit["product.update"] != 2 || audit["thirdparty.create"] != 1 {
			t.Fatalf("audit rows %v, want 3 product.create, 2 product.update, 1 thirdparty.create", audit)
		}
		var changes string
		if err := db.Gorm.Raw(`SELECT changes FROM audit_log WHERE action = 'product.update' AND object_id = ?`, res.UpdatedIDs[0]).Scan(&changes).Error; err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(changes, "Renamed") || strings.Contains(changes, "updated_at") {
			t.Fatalf("an import's update row records %q", changes)
		}
	})
}
