package usecase_test

// A transfer at scale and the close's count. A transfer of thousands of
// sources must fit in the HTTP write timeout: it reserves each journal's
// year of numbers at once and writes the bookings and their entries by the
// batch, so its statements do not grow by the booking (it used to send
// three a booking: its number, its row, its entries). A close counts what
// is unbooked in the database, without booking it: a bank transfer that
// cannot be booked yet (no rate) is unbooked, not a no-currency-rate.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// TestAccountingTransferAtScale books 320 sales and supplier invoices of
// December 2026 and January 2027, made out of date order, in a small
// transfer then a large one: each journal's year is numbered from 1 without
// a gap in date order across both, and the large transfer sends about as
// many statements as the small one.
func TestAccountingTransferAtScale(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newAcctEnv(t, d)
			sup := e.supplier(t, "Parts Ltd")
			var days []string
			for _, month := range []string{"2026-12", "2027-01"} {
				for day := 1; day <= 31; day++ {
					days = append(days, fmt.Sprintf("%s-%02d", month, day))
				}
			}
			dated := map[string]time.Time{} // document ref → date
			want := map[string]int{}        // "VT2026" → bookings
			for i := range 320 {
				on := days[i*7%len(days)] // 7 and 62 share no factor: every day, out of order
				typ, party, code := domain.DocInvoice, e.tp, "VT"
				if i%2 == 1 {
					typ, party, code = domain.DocSupplierInvoice, sup, "HA"
				}
				doc := e.doc(t, typ, party, on, line("1", fmt.Sprint(10+i), "20"))
				dated[doc.Ref] = doc.Date
				want[code+on[:4]]++
			}
			if len(want) != 4 {
				t.Fatalf("journal years %v; want two journals over two years", want)
			}

			stmts := statementCounter(t, e.db.Gorm)
			small := e.transfer(t, "2026-12-01", "2026-12-03")
			smallStmts := stmts.Load()
			large := e.transfer(t, "2026-12-04", "2027-01-31")
			largeStmts := stmts.Load() - smallStmts
			t.Logf("%d bookings: %d statements; %d bookings: %d statements", small.Bookings, smallStmts, large.Bookings, largeStmts)
			if small.Bookings == 0 || small.Bookings+large.Bookings != 320 || large.Entries != 3*large.Bookings {
				t.Fatalf("booked %+v then %+v; want 320 documents of three entries", small, large)
			}
			// More months, journal years and batches: a few more; not one a booking.
			if largeStmts > smallStmts+12 {
				t.Fatalf("%d statements for %d bookings, %d for %d: they grow with the bookings",
					largeStmts, large.Bookings, smallStmts, small.Bookings)
			}

			var rows []struct {
				EntryNum    string
				DocumentRef string
			}
			if err := e.db.Gorm.Raw("SELECT entry_num, document_ref FROM accounting_bookings ORDER BY id").Scan(&rows).Error; err != nil {
				t.Fatal(err)
			}
			last, lastDate := map[string]int{}, map[string]time.Time{}
			for _, r := range rows {
				on, ok := dated[r.DocumentRef]
				series, num, _ := strings.Cut(r.EntryNum, "-")
				n, err := strconv.Atoi(num)
				if !ok || err != nil || len(num) != 6 || series[2:] != on.Format("2006") {
					t.Fatalf("booking %s of %s (dated %s)", r.EntryNum, r.DocumentRef, on.Format(time.DateOnly))
				}
				if n != last[series]+1 || on.Before(lastDate[series]) {
					t.Fatalf("%s (%s, %s) after %s-%06d of %s: want the next number, in date order",
						r.EntryNum, r.DocumentRef, on.Format(time.DateOnly), series, last[series], lastDate[series].Format(time.DateOnly))
				}
				last[series], lastDate[series] = n, on
			}
			if fmt.Sprint(last) != fmt.Sprint(want) {
				t.Fatalf("last numbers %v; want %v", last, want)
			}
		})
	}
}

// TestAccountingCloseCountsUnbooked closes a month whose sources could not
// all be booked: a bank transfer from an account in pounds with no rate of
// the pound. The close counts them all, each kind of source (an invoice in
// dollars, its payment and exchange difference, one paid at its own rate
// that has none, the transfer): 409 unbooked-documents, where it used to
// try to book them and answer 409 no-currency-rate.
func TestAccountingCloseCountsUnbooked(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newAcctEnv(t, d)
			ctx := context.Background()
			rates := usecase.NewCurrencyRateService(e.uow, "EUR", time.Now)
			e.rate(t, rates, "USD", "2026-05-01", "1.2")
			gained, even := "1.1", "1.2"
			for _, rate := range []*string{&gained, &even} {
				inv := e.validated(t, invoices, e.fxDraft(t, domain.DocInvoice, e.tp, "USD", "2026-05-05", "100", rate))
				e.pay(t, invoices, inv.ID, "120", "2026-05-20", domain.PayBankTransfer)
			}
			bank := usecase.NewBankService(e.uow, time.Now)
			acc := e.bankAccounts(t, bank, [3]string{"MAIN", "EUR", ""}, [3]string{"POUNDS", "GBP", "5124"})
			if _, err := bank.Transfer(ctx, e.actor, domain.BankTransfer{FromAccountID: acc["POUNDS"].ID, ToAccountID: acc["MAIN"].ID,
				Amount: num("10"), ToAmount: num("11"), Date: date("2026-05-21")}); err != nil {
				t.Fatal(err)
			}

			may := domain.Period("2026-05")
			_, err := e.acct.ClosePeriod(ctx, e.actor, may)
			if conflictCode(err) != "unbooked-documents" || !strings.Contains(err.Error(), "6 documents, payments or bank transfers") {
				t.Fatalf("close with 6 sources unbooked, one without a rate: %v", err)
			}
			if _, err := e.acct.Transfer(ctx, date("2026-05-01"), date("2026-05-31")); conflictCode(err) != "no-currency-rate" {
				t.Fatalf("transfer without the pound's rate: %v", err)
			}
			e.rate(t, rates, "GBP", "2026-05-01", "0.9")
			if res := e.transfer(t, "2026-05-01", "2026-05-31"); res.Bookings != 6 {
				t.Fatalf("booked %+v; want the 6 the close counted", res)
			}
			if _, err := e.acct.ClosePeriod(ctx, e.actor, may); err != nil {
				t.Fatal(err)
			}
		})
	}
}
