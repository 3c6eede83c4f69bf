package usecase_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// A new draft reads its third party once: the check that it exists (and is
// a supplier on the buy side) hands it to the due date by payment terms,
// which read it a second time before; and the company's settings only when
// the third party has no terms of its own (docs/benchmarks.md, "Near the
// floor").
func TestDraftCreationReadsItsThirdPartyOnceAndTheCompanyOnlyWithoutTerms(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newLargeEnv(t, dialect)
			reads := map[string]*atomic.Int64{"thirdparties": {}, "company_settings": {}}
			if err := e.gorm.Callback().Query().Before("gorm:query").Register("test:table_reads", func(tx *gorm.DB) {
				if n, ok := reads[tx.Statement.Table]; ok {
					n.Add(1)
				}
			}); err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			draft := func(tp int64) *domain.Document {
				t.Helper()
				for _, n := range reads {
					n.Store(0)
				}
				d, err := e.docs.Create(ctx, domain.Principal{UserID: 1}, domain.DocInvoice,
					domain.DraftInput{ThirdPartyID: tp, Lines: largeLines(3, nil)})
				if err != nil {
					t.Fatal(err)
				}
				return d
			}
			d := draft(e.tp)
			if d.DueDate == nil || !d.DueDate.Equal(d.Date) {
				t.Errorf("due date %v, want the invoice's date %v (no payment terms anywhere)", d.DueDate, d.Date)
			}
			if n, c := reads["thirdparties"].Load(), reads["company_settings"].Load(); n != 1 || c != 1 {
				t.Errorf("creating a draft read its third party %d times and the company %d, want 1 and 1", n, c)
			}

			days := 30
			tp, err := usecase.NewThirdPartyService(e.uow, config.Defaults().ThirdPartyMask(), time.Now).
				Create(ctx, domain.ThirdParty{Name: "Thirty days", IsCustomer: true, PaymentTermsDays: &days})
			if err != nil {
				t.Fatal(err)
			}
			d = draft(tp.ID)
			if want := d.Date.AddDate(0, 0, days); d.DueDate == nil || !d.DueDate.Equal(want) {
				t.Errorf("due date %v, want %v (the third party's 30 days)", d.DueDate, want)
			}
			if n, c := reads["thirdparties"].Load(), reads["company_settings"].Load(); n != 1 || c != 0 {
				t.Errorf("a draft for a third party with terms read it %d times and the company %d, want 1 and 0", n, c)
			}
		})
	}
}
