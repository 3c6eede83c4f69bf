package gormdb_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// countQueries counts every statement GORM sends through db from now on.
func countQueries(t *testing.T, db *gorm.DB) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	count := func(*gorm.DB) { n.Add(1) }
	cb := db.Callback()
	for _, err := range []error{
		cb.Query().Before("gorm:query").Register("test:count_query", count),
		cb.Row().Before("gorm:row").Register("test:count_row", count),
		cb.Raw().Before("gorm:raw").Register("test:count_raw", count),
		cb.Create().Before("gorm:create").Register("test:count_create", count),
		cb.Update().Before("gorm:update").Register("test:count_update", count),
		cb.Delete().Before("gorm:delete").Register("test:count_delete", count),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return &n
}

// seedInvoices writes n invoices of two lines each (the i-th: gross 2.4 × i), all
// validated except every fifth, for third party tp.
func seedInvoices(t *testing.T, uow *gormdb.UnitOfWork, tp int64, n int) {
	t.Helper()
	err := uow.Do(context.Background(), func(ctx context.Context, r domain.Repositories) error {
		now := time.Now()
		for i := 1; i <= n; i++ {
			price := decimal.NewFromInt(int64(i))
			vat := decimal.NewFromInt(20)
			d, err := domain.NewDraft(domain.DocInvoice, domain.DraftInput{ThirdPartyID: tp, Lines: []domain.LineInput{
				{Description: "a", Qty: decimal.NewFromInt(1), UnitPrice: &price, VATRate: &vat},
				{Description: "b", Qty: decimal.NewFromInt(1), UnitPrice: &price, VATRate: &vat},
			}}, time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), "EUR", 1)
			if err != nil {
				return err
			}
			d.CreatedAt, d.UpdatedAt = now, now
			if err := r.Documents.Create(ctx, d); err != nil {
				return err
			}
			if i%5 != 0 {
				if err := d.Validate(fmt.Sprintf("FA-%03d", i), now); err != nil {
					return err
				}
				if err := r.Documents.Update(ctx, d); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A list loads the lines of its whole page in one query: the number of
// statements is the same for a page of 1 and a page of 100.
func TestDocumentListQueriesDoNotGrowWithPageSize(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			uow := gormdb.NewUnitOfWork(db.DB)
			ctx := context.Background()
			var tp domain.ThirdParty
			err := uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
				tp = domain.ThirdParty{Name: "ACME", Code: "C1", CreatedAt: time.Now(), UpdatedAt: time.Now()}
				return r.ThirdParties.Create(ctx, &tp)
			})
			if err != nil {
				t.Fatal(err)
			}
			seedInvoices(t, uow, tp.ID, 100)

			queries := countQueries(t, db.Gorm)
			list := func(q domain.ListQuery, f domain.DocumentFilter) (domain.Page[*domain.Document], int64) {
				t.Helper()
				before := queries.Load()
				var page domain.Page[*domain.Document]
				err := uow.Read(ctx, func(ctx context.Context, r domain.Readers) error {
					var err error
					page, err = r.Documents.List(ctx, f, q)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				return page, queries.Load() - before
			}
			all := domain.DocumentFilter{Types: []domain.DocType{domain.DocInvoice, domain.DocCreditNote}}
			one, q1 := list(domain.ListQuery{Limit: 1}, all)
			hundred, q100 := list(domain.ListQuery{Limit: 100}, all)
			if q1 != q100 || q100 != 3 {
				t.Fatalf("page of 1: %d queries, page of 100: %d; want 3 each (count, headers, lines)", q1, q100)
			}
			if one.Total != 100 || len(one.Items) != 1 || len(hundred.Items) != 100 {
				t.Fatalf("totals %d/%d, items %d/%d", one.Total, hundred.Total, len(one.Items), len(hundred.Items))
			}
			for _, doc := range hundred.Items {
				if len(doc.Lines) != 2 || doc.Lines[0].Description != "a" || doc.Lines[1].Description != "b" {
					t.Fatalf("document %d has lines %+v", doc.ID, doc.Lines)
				}
			}
			if hundred.Items[0].ID < hundred.Items[99].ID {
				t.Fatal("default order is not newest first")
			}

			// Filters, search and a numeric sort (exact TEXT on SQLite).
			drafts, _ := list(domain.ListQuery{Limit: 500}, domain.DocumentFilter{Types: all.Types, Status: domain.StatusDraft, ThirdPartyID: tp.ID})
			if drafts.Total != 20 {
				t.Fatalf("%d drafts, want 20", drafts.Total)
			}
			none, _ := list(domain.ListQuery{Limit: 5}, domain.DocumentFilter{Types: all.Types, ThirdPartyID: tp.ID + 1})
			if none.Total != 0 || len(none.Items) != 0 {
				t.Fatalf("another third party's list: %d", none.Total)
			}
			top, _ := list(domain.ListQuery{Limit: 3, Sort: "total_gross", Desc: true}, all)
			if top.Items[0].TotalGross.String() != "240" || top.Items[2].TotalGross.String() != "235.2" {
				t.Fatalf("sorted by total: %s, %s", top.Items[0].TotalGross, top.Items[2].TotalGross)
			}
			found, _ := list(domain.ListQuery{Limit: 5, Search: "fa-00"}, all)
			if found.Total != 8 { // FA-001 … FA-009 without FA-005
				t.Fatalf("search: %d", found.Total)
			}
			if orders, _ := list(domain.ListQuery{Limit: 5}, domain.DocumentFilter{Types: []domain.DocType{domain.DocOrder}}); orders.Total != 0 {
				t.Fatalf("invoices listed as orders: %d", orders.Total)
			}
		})
	}
}
