package usecase_test

// Large documents (docs/benchmarks.md, "Large documents"):
//
//	go test -run '^$' -bench BenchmarkLargeInvoice -benchtime 3x ./internal/usecase/
//
// One operation is a 5,000-line invoice (DOLIGO_MAX_DOCUMENT_LINES' default)
// created, validated and rendered to PDF, on each dialect; the time of each
// step and the statements it sent are reported per invoice.

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/pdf"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// statementCounter counts every statement GORM sends through db from now on.
func statementCounter(tb testing.TB, db *gorm.DB) *atomic.Int64 {
	tb.Helper()
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
			tb.Fatal(err)
		}
	}
	return &n
}

type largeEnv struct {
	docs    *usecase.DocumentService
	archive *usecase.ArchiveService
	tp      int64
	stmts   *atomic.Int64
	gorm    *gorm.DB // the database's GORM, for tests that watch its statements
	uow     *gormdb.UnitOfWork
}

func newLargeEnv(tb testing.TB, dialect string) *largeEnv {
	tb.Helper()
	db := testdb.Migrated(tb, dialect)
	uow := gormdb.NewUnitOfWork(db.DB)
	cfg := config.Defaults()
	tps := usecase.NewThirdPartyService(uow, cfg.ThirdPartyMask(), time.Now)
	tp, err := tps.Create(context.Background(), domain.ThirdParty{Name: "Big customer", IsCustomer: true})
	if err != nil {
		tb.Fatal(err)
	}
	return &largeEnv{
		docs:    usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: cfg.DocumentMasks(), DefaultCurrency: cfg.DefaultCurrency, MaxLines: cfg.MaxDocumentLines}),
		archive: usecase.NewArchiveService(uow, usecase.ArchiveOptions{Render: pdf.NewRenderer("").Render, Company: domain.Company{Name: "Doligo"}}),
		tp:      tp.ID, stmts: statementCounter(tb, db.Gorm), gorm: db.Gorm, uow: uow,
	}
}

// steps creates, validates and reads an invoice of n free-text lines and
// returns the statements each step sent.
func (e *largeEnv) steps(tb testing.TB, n int) (created *domain.Document, create, validate, read int64) {
	tb.Helper()
	ctx := context.Background()
	actor := domain.Principal{UserID: 1}
	s0 := e.stmts.Load()
	d, err := e.docs.Create(ctx, actor, domain.DocInvoice, domain.DraftInput{ThirdPartyID: e.tp, Lines: largeLines(n, nil)})
	if err != nil {
		tb.Fatal(err)
	}
	s1 := e.stmts.Load()
	if _, err := e.docs.Validate(ctx, actor, invoices, d.ID, 0); err != nil {
		tb.Fatal(err)
	}
	s2 := e.stmts.Load()
	if _, err := e.docs.Get(ctx, invoices, d.ID); err != nil {
		tb.Fatal(err)
	}
	return d, s1 - s0, s2 - s1, e.stmts.Load() - s2
}

// Creating, validating and reading a document take as many statements for
// 5,000 lines as for one, but the few more INSERTs of the lines' batches:
// nothing is done line by line.
func TestLargeDocumentStatementsDoNotGrowWithLines(t *testing.T) {
	limit := config.Defaults().MaxDocumentLines
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newLargeEnv(t, dialect)
			e.steps(t, 1) // the numbering row exists from now on
			_, c1, v1, r1 := e.steps(t, 1)
			_, cN, vN, rN := e.steps(t, limit)
			t.Logf("statements for 1 line: create %d, validate %d, read %d; for %d lines: %d, %d, %d", c1, v1, r1, limit, cN, vN, rN)
			// 1,000 lines an INSERT, and the savepoint GORM puts around the batches.
			if cN > c1+int64(limit/1000)+1 || vN != v1 || rN != r1 {
				t.Fatalf("statements for 1 line: create %d, validate %d, read %d; for %d lines: %d, %d, %d", c1, v1, r1, limit, cN, vN, rN)
			}
		})
	}
}

func BenchmarkLargeInvoice(b *testing.B) {
	n := config.Defaults().MaxDocumentLines
	for _, dialect := range testdb.Dialects() {
		b.Run(dialect, func(b *testing.B) {
			e := newLargeEnv(b, dialect)
			ctx, actor := context.Background(), domain.Principal{UserID: 1}
			lines := largeLines(n, nil)
			var create, validate, render time.Duration
			s0 := e.stmts.Load()
			for b.Loop() {
				t0 := time.Now()
				d, err := e.docs.Create(ctx, actor, domain.DocInvoice, domain.DraftInput{ThirdPartyID: e.tp, Lines: lines})
				if err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				if _, err := e.docs.Validate(ctx, actor, invoices, d.ID, 0); err != nil {
					b.Fatal(err)
				}
				t2 := time.Now()
				f, err := e.archive.PDF(ctx, invoices, d.ID, "fr", "") // reads it back, renders
				if err != nil || f.Size == 0 {
					b.Fatal(err)
				}
				create, validate, render = create+t1.Sub(t0), validate+t2.Sub(t1), render+time.Since(t2)
			}
			per := func(d time.Duration) float64 { return d.Seconds() * 1000 / float64(b.N) }
			b.ReportMetric(per(create), "ms-create")
			b.ReportMetric(per(validate), "ms-validate")
			b.ReportMetric(per(render), "ms-read+render")
			b.ReportMetric(float64(e.stmts.Load()-s0)/float64(b.N), "statements")
		})
	}
}
