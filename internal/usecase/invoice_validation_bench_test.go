package usecase_test

// Concurrent invoice validations (docs/benchmarks.md, "Fiscal chain"):
//
//	go test -run '^$' -bench BenchmarkConcurrentInvoiceValidation -benchtime 400x ./internal/usecase/
//
// 8 workers validate drafts made beforehand (3 free-text lines, one month,
// one customer), through DocumentService.Validate: the draft's lock, the
// number (the month's numbering row, held until commit: validations queue
// on it), the document's update, its pdf.render job, the audit row and the
// fiscal chain's link, appended under the chain head's lock at commit.
//
//	chain=on     all of it
//	chain=off    the same, the chain's link discarded (the audit row kept)
//	audit=off    neither the audit row nor the link: the code before them
//
// Run with -count to interleave the three in one process.

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/infrastructure/sqldialect"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

const validationWorkers = 8

func BenchmarkConcurrentInvoiceValidation(b *testing.B) {
	for _, d := range []string{sqldialect.Postgres, sqldialect.MySQL, sqldialect.SQLite} {
		for _, mode := range []string{"audit=off", "chain=off", "chain=on"} {
			b.Run(d+"/"+mode, func(b *testing.B) {
				if !slices.Contains(testdb.Dialects(), d) {
					b.Skipf("%s is not in TEST_DIALECTS", d)
				}
				benchValidations(b, d, mode)
			})
		}
	}
}

// withoutAudit is a unit of work whose repositories discard what is
// chained (chain=off) or also what is recorded (audit=off).
type withoutAudit struct {
	domain.UnitOfWork
	records bool
}

func (u withoutAudit) Do(ctx context.Context, fn func(context.Context, domain.Repositories) error) error {
	return u.UnitOfWork.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
		r.Audit = discardAudit{AuditRepository: r.Audit, records: u.records}
		return fn(ctx, r)
	})
}

type discardAudit struct {
	domain.AuditRepository
	records bool
}

func (a discardAudit) Record(ctx context.Context, e domain.AuditEntry) error {
	if a.records {
		return a.AuditRepository.Record(ctx, e)
	}
	return nil
}

func (discardAudit) Chain(context.Context, string, int64, string) error { return nil }

func benchValidations(b *testing.B, d, mode string) {
	ctx := context.Background()
	db := testdb.Migrated(b, d)
	var uow domain.UnitOfWork = gormdb.NewUnitOfWork(db.DB)
	if mode != "chain=on" {
		uow = withoutAudit{UnitOfWork: uow, records: mode == "chain=off"}
	}
	cfg := config.Defaults()
	docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: cfg.DocumentMasks(), DefaultCurrency: "EUR"})
	tps := usecase.NewThirdPartyService(uow, cfg.ThirdPartyMask(), time.Now)
	customer, err := tps.Create(ctx, domain.ThirdParty{Name: "Bench customer", IsCustomer: true})
	if err != nil {
		b.Fatal(err)
	}
	in := domain.DraftInput{ThirdPartyID: customer.ID, Date: time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)}
	for i, price := range []string{"10", "99.99", "0.35"} {
		p, rate := decimal.RequireFromString(price), decimal.NewFromInt(20)
		in.Lines = append(in.Lines, domain.LineInput{Description: fmt.Sprintf("Line %d", i), Qty: decimal.NewFromInt(int64(i + 1)), UnitPrice: &p, VATRate: &rate})
	}
	actor := domain.Principal{UserID: 1}
	drafts := make(chan int64, b.N)
	for range b.N {
		d, err := docs.Create(ctx, actor, domain.DocInvoice, in)
		if err != nil {
			b.Fatal(err)
		}
		drafts <- d.ID
	}
	close(drafts)
	invoiceTypes := []domain.DocType{domain.DocInvoice}
	var wg sync.WaitGroup
	errs := make(chan error, validationWorkers)
	b.ResetTimer()
	for range validationWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range drafts {
				if _, err := docs.Validate(ctx, actor, invoiceTypes, id, 0); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "validations/s")
}
