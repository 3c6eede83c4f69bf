package usecase_test

import (
	"context"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// A new draft reads its third party once: the check that it exists (and is
// a supplier on the buy side) hands it to the due date by payment terms,
// which read it a second time before (docs/benchmarks.md, "Near the floor").
func TestDraftCreationReadsItsThirdPartyOnce(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newLargeEnv(t, dialect)
			var reads atomic.Int64
			if err := e.gorm.Callback().Query().Before("gorm:query").Register("test:thirdparty_reads", func(tx *gorm.DB) {
				if tx.Statement.Table == "thirdparties" {
					reads.Add(1)
				}
			}); err != nil {
				t.Fatal(err)
			}
			d, err := e.docs.Create(context.Background(), domain.Principal{UserID: 1}, domain.DocInvoice,
				domain.DraftInput{ThirdPartyID: e.tp, Lines: largeLines(3, nil)})
			if err != nil {
				t.Fatal(err)
			}
			if d.DueDate == nil || !d.DueDate.Equal(d.Date) {
				t.Errorf("due date %v, want the invoice's date %v (no payment terms anywhere)", d.DueDate, d.Date)
			}
			if n := reads.Load(); n != 1 {
				t.Errorf("creating a draft read its third party %d times, want 1", n)
			}
		})
	}
}
