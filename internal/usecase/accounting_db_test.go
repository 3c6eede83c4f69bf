package usecase_test

// Accounting on every dialect: documents and payments booked into balanced
// entries once each (also under concurrent transfers: the accounting lock
// serialises them and the unique index on the source refuses a second
// booking), a year of documents whose trial balance sums to zero, and the
// period guard of closed months.
//
// To see the concurrency test fail, take the accounting lock out of
// AccountingService.Transfer and drop ux_accounting_bookings_source from
// migration 23: concurrent transfers then book documents twice.

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/fectest"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

type acctEnv struct {
	*docEnv
	acct *usecase.AccountingService
}

func newAcctEnv(t *testing.T, dialect string) *acctEnv {
	e := newDocEnv(t, testdb.Migrated(t, dialect))
	return &acctEnv{docEnv: e, acct: usecase.NewAccountingService(e.uow, "EUR", time.Now)}
}

// doc creates and validates a document of typ dated on with the lines.
func (e *acctEnv) doc(t *testing.T, typ domain.DocType, party int64, on string, lines ...domain.LineInput) *domain.Document {
	t.Helper()
	in := domain.DraftInput{ThirdPartyID: party, Date: date(on), Lines: lines}
	types := invoices
	if typ == domain.DocSupplierInvoice {
		in.SupplierRef, types = fmt.Sprintf("S-%s-%d", on, time.Now().UnixNano()), supplierInvoices
	}
	d, err := e.docs.Create(context.Background(), e.actor, typ, in)
	if err != nil {
		t.Fatalf("create %s: %v", typ, err)
	}
	return e.validated(t, types, d)
}

func line(qty, price, rate string) domain.LineInput {
	return domain.LineInput{Description: "work", Qty: num(qty), UnitPrice: numPtr(price), VATRate: numPtr(rate)}
}

func (e *acctEnv) pay(t *testing.T, types []domain.DocType, id int64, amount, on string, m domain.PaymentMethod) *domain.Payment {
	t.Helper()
	p, err := e.docs.AddPayment(context.Background(), e.actor, types, id, domain.Payment{Amount: num(amount), Date: date(on), Method: m})
	if err != nil {
		t.Fatalf("pay %d: %v", id, err)
	}
	return p
}

func (e *acctEnv) transfer(t *testing.T, from, to string) usecase.TransferResult {
	t.Helper()
	res, err := e.acct.Transfer(context.Background(), date(from), date(to))
	if err != nil {
		t.Fatalf("transfer %s..%s: %v", from, to, err)
	}
	return res
}

// entries reads every entry, by id, as "journal account debit/credit tp".
func (e *acctEnv) entries(t *testing.T, ref string) []string {
	t.Helper()
	return e.entryLines(t, ref, func(x *domain.Entry) string {
		return fmt.Sprintf("%s %s %s/%s %d", x.Journal, x.Account, x.Debit.StringFixed(2), x.Credit.StringFixed(2), x.ThirdPartyID)
	})
}

// entryLines reads the entries of ref, by id, each written by show.
func (e *acctEnv) entryLines(t *testing.T, ref string, show func(*domain.Entry) string) []string {
	t.Helper()
	page, err := e.acct.Entries(context.Background(), domain.EntryFilter{}, domain.ListQuery{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, x := range page.Items {
		if x.DocumentRef == ref {
			out = append(out, show(x))
		}
	}
	return out
}

func TestAccountingBookingOnEveryDialect(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newAcctEnv(t, d)
			ctx := context.Background()
			sup := e.supplier(t, "Parts Ltd")
			cat := usecase.NewCatalogService(e.uow, time.Now)
			goods := &domain.Product{Ref: "BOX", Label: "Box", Type: domain.ProductTypeProduct, UnitPrice: num("10"), VATRate: num("20"), Active: true}
			if err := cat.CreateProduct(ctx, goods); err != nil {
				t.Fatal(err)
			}
			if err := e.db.Gorm.Exec("UPDATE products SET accounting_code_sell = '701' WHERE id = ?", goods.ID).Error; err != nil {
				t.Fatal(err)
			}

			// An invoice: a product with its own account, a service at 20 %
			// and one at 7 % (no VAT account of its own: 44571).
			inv := e.doc(t, domain.DocInvoice, e.tp, "2026-03-10",
				domain.LineInput{ProductID: goods.ID, Qty: num("2")}, line("1", "100", "20"), line("3", "33.33", "7"))
			want := []string{
				fmt.Sprintf("sales 411 250.99/0.00 %d", e.tp), "sales 701 0.00/20.00 0", "sales 706 0.00/199.99 0",
				"sales 445711 0.00/24.00 0", "sales 44571 0.00/7.00 0",
			}
			pay := e.pay(t, invoices, inv.ID, "100", "2026-03-20", domain.PayBankTransfer)
			cash := e.pay(t, invoices, inv.ID, "44.98", "2026-03-21", domain.PayCash)
			si := e.doc(t, domain.DocSupplierInvoice, sup, "2026-03-12", line("1", "50", "5.5"))
			e.pay(t, supplierInvoices, si.ID, "52.75", "2026-03-25", domain.PayCheck)
			cnDraft, err := e.docs.Convert(ctx, e.actor, domain.ActCreditNote, inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			on := date("2026-03-28")
			cnLines := []domain.LineInput{line("1", "100", "20")}
			if _, err := e.docs.Edit(ctx, invoices, cnDraft.ID, domain.DraftPatch{Date: &on, Lines: &cnLines}); err != nil {
				t.Fatal(err)
			}
			cn := e.validated(t, invoices, cnDraft)
			e.doc(t, domain.DocInvoice, e.tp, "2026-04-02", line("1", "10", "20")) // outside the period

			res := e.transfer(t, "2026-03-01", "2026-03-31")
			if res.Bookings != 6 { // invoice, supplier invoice, credit note, three payments
				t.Fatalf("booked %d, want 6", res.Bookings)
			}
			if got := e.entries(t, inv.Ref); fmt.Sprint(got[:5]) != fmt.Sprint(want) {
				t.Fatalf("invoice entries\n got %v\nwant %v", got, want)
			}
			if got := e.entries(t, si.Ref); fmt.Sprint(got) != fmt.Sprint([]string{
				fmt.Sprintf("purchases 401 0.00/52.75 %d", sup), "purchases 606 50.00/0.00 0", "purchases 445663 2.75/0.00 0",
				fmt.Sprintf("bank 512 0.00/52.75 0"), fmt.Sprintf("bank 401 52.75/0.00 %d", sup),
			}) {
				t.Fatalf("supplier invoice entries %v", got)
			}
			if got := e.entries(t, cn.Ref); fmt.Sprint(got) != fmt.Sprint([]string{
				fmt.Sprintf("sales 411 0.00/120.00 %d", e.tp), "sales 706 100.00/0.00 0", "sales 445711 20.00/0.00 0",
			}) {
				t.Fatalf("credit note entries %v", got)
			}
			if got := e.entries(t, inv.Ref)[5:]; fmt.Sprint(got) != fmt.Sprint([]string{
				"bank 512 100.00/0.00 0", fmt.Sprintf("bank 411 0.00/100.00 %d", e.tp),
				"bank 531 44.98/0.00 0", fmt.Sprintf("bank 411 0.00/44.98 %d", e.tp),
			}) {
				t.Fatalf("payment entries %v", got)
			}
			if again := e.transfer(t, "2026-03-01", "2026-03-31"); again.Bookings != 0 {
				t.Fatalf("a second transfer booked %d", again.Bookings)
			}
			// Every booking balances; numbers are per journal and year.
			var sums []struct {
				BookingID     int64
				Debit, Credit decimal.Decimal
			}
			if err := e.db.Gorm.Raw("SELECT booking_id, debit, credit FROM accounting_entries").Scan(&sums).Error; err != nil {
				t.Fatal(err)
			}
			bal := map[int64]decimal.Decimal{}
			for _, s := range sums {
				bal[s.BookingID] = bal[s.BookingID].Add(s.Debit).Sub(s.Credit)
			}
			for id, b := range bal {
				if !b.IsZero() {
					t.Fatalf("booking %d off by %s", id, b)
				}
			}
			var nums []string
			if err := e.db.Gorm.Raw("SELECT entry_num FROM accounting_bookings ORDER BY id").Scan(&nums).Error; err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(nums) != "[VT2026-000001 HA2026-000001 BQ2026-000001 BQ2026-000002 BQ2026-000003 VT2026-000002]" {
				t.Fatalf("entry numbers %v", nums)
			}

			// The unique index refuses a second booking of a source.
			err = e.uow.Do(ctx, func(ctx context.Context, r domain.Repositories) error {
				return r.Accounting.AddBookings(ctx, []*domain.Booking{{Source: domain.SourcePayment, SourceID: pay.ID, Journal: domain.JournalBank,
					Num: "X", Date: pay.Date, DocumentRef: "dup", DocumentDate: pay.Date, BookedAt: time.Now()}})
			})
			if conflictCode(err) != "already-booked" {
				t.Fatalf("second booking of a payment: %v", err)
			}
			// A booked payment stays.
			if err := e.docs.DeletePayment(ctx, invoices, inv.ID, cash.ID); conflictCode(err) != "already-booked" {
				t.Fatalf("delete a booked payment: %v", err)
			}
			// An account of a product missing from the chart: 409, nothing booked.
			if err := e.db.Gorm.Exec("UPDATE products SET accounting_code_sell = '7999' WHERE id = ?", goods.ID).Error; err != nil {
				t.Fatal(err)
			}
			e.doc(t, domain.DocInvoice, e.tp, "2026-05-02", domain.LineInput{ProductID: goods.ID, Qty: num("1")})
			before := e.count(t, "accounting_bookings")
			if _, err := e.acct.Transfer(ctx, date("2026-01-01"), date("2026-12-31")); conflictCode(err) != "unknown-account" {
				t.Fatalf("unknown account: %v", err)
			}
			if n := e.count(t, "accounting_bookings"); n != before {
				t.Fatalf("a refused transfer booked %d", n-before)
			}
		})
	}
}

// TestAccountingConcurrentTransfers runs transfers of the same period at
// once: every document and payment is booked exactly once.
func TestAccountingConcurrentTransfers(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newAcctEnv(t, d)
			const docs = 12
			for i := range docs {
				inv := e.doc(t, domain.DocInvoice, e.tp, fmt.Sprintf("2026-06-%02d", i+1), line("1", "10", "20"))
				e.pay(t, invoices, inv.ID, "12", fmt.Sprintf("2026-06-%02d", i+2), domain.PayCard)
			}
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			booked := make(chan int, 4)
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res, err := e.acct.Transfer(context.Background(), date("2026-06-01"), date("2026-06-30"))
					errs <- err
					booked <- res.Bookings
				}()
			}
			wg.Wait()
			close(errs)
			close(booked)
			for err := range errs {
				if err != nil {
					t.Fatalf("concurrent transfer: %v", err)
				}
			}
			total := 0
			for n := range booked {
				total += n
			}
			if total != 2*docs || e.count(t, "accounting_bookings") != 2*docs {
				t.Fatalf("booked %d (table %d), want %d", total, e.count(t, "accounting_bookings"), 2*docs)
			}
		})
	}
}

// TestAccountingYearTrialBalance books a generated year of sales, purchases
// and payments, transfers between two bank accounts in euros every month,
// and each quarter an invoice and a supplier invoice in USD paid on a USD
// bank account at another rate (so exchange differences book) and a
// transfer from that account to one in euros. It checks the trial balance
// (total debit = total credit), that every booking and every journal
// balances, the customers' account is what remains to be paid and the
// suppliers' is cleared, each bank account's code holds the bank module's
// movements (a USD account's converted line by line, its dollars in the
// entries' foreign amounts), and the year's FEC, read through the API,
// passes the FEC checker.
func TestAccountingYearTrialBalance(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newAcctEnv(t, d)
			ctx := context.Background()
			sup := e.supplier(t, "Parts Ltd")
			bank := usecase.NewBankService(e.uow, time.Now)
			fx := usecase.NewCurrencyRateService(e.uow, "EUR", time.Now)
			// MAIN (512) is the default account: the payments in euros land there.
			acc := e.bankAccounts(t, bank, [3]string{"MAIN", "EUR", ""}, [3]string{"SAVE", "EUR", "5121"}, [3]string{"DOLLARS", "USD", "5122"})
			type dated struct {
				on   time.Time
				rate decimal.Decimal
			}
			var usdRates []dated // by date
			usdRate := func(on time.Time) decimal.Decimal {
				r := decimal.Zero
				for _, x := range usdRates {
					if !x.on.After(on) {
						r = x.rate
					}
				}
				return r
			}
			move := func(from, to, amount, toAmount, on string) {
				t.Helper()
				tr := domain.BankTransfer{FromAccountID: acc[from].ID, ToAccountID: acc[to].ID, Amount: num(amount), Date: date(on)}
				if toAmount != "" {
					tr.ToAmount = num(toAmount)
				}
				if _, err := bank.Transfer(ctx, e.actor, tr); err != nil {
					t.Fatalf("transfer %s → %s on %s: %v", from, to, on, err)
				}
			}
			rates := []string{"20", "10", "5.5", "0", "7"}
			due := decimal.Zero
			for m := 1; m <= 12; m++ {
				for k := range 3 {
					on := fmt.Sprintf("2026-%02d-%02d", m, 3+k*7)
					inv := e.doc(t, domain.DocInvoice, e.tp, on, line(fmt.Sprint(k+1), "19.99", rates[(m+k)%5]), line("3", "0.35", rates[k]))
					paid := inv.TotalGross
					if k == 2 {
						paid = inv.TotalGross.Div(decimal.NewFromInt(2)).Round(2)
					}
					e.pay(t, invoices, inv.ID, paid.String(), fmt.Sprintf("2026-%02d-%02d", m, 5+k*7), domain.PayBankTransfer)
					due = due.Add(inv.TotalGross).Sub(paid)
				}
				si := e.doc(t, domain.DocSupplierInvoice, sup, fmt.Sprintf("2026-%02d-15", m), line("7", "12.34", rates[m%5]))
				e.pay(t, supplierInvoices, si.ID, si.TotalGross.String(), fmt.Sprintf("2026-%02d-20", m), domain.PayCheck)

				// Between the two accounts in euros: to savings every month,
				// back every other month.
				move("MAIN", "SAVE", fmt.Sprintf("%d.%02d", 100+m, m), "", fmt.Sprintf("2026-%02d-25", m))
				if m%2 == 0 {
					move("SAVE", "MAIN", "40.10", "", fmt.Sprintf("2026-%02d-27", m))
				}
				if m%3 != 1 {
					continue
				}
				// A quarter in dollars: the rate of the 1st for the
				// documents, another from the 20th for their payments on
				// the dollar account and the transfer to euros.
				for _, r := range []dated{
					{date(fmt.Sprintf("2026-%02d-01", m)), decimal.New(106+int64(m), -2)},
					{date(fmt.Sprintf("2026-%02d-20", m)), decimal.New(113+int64(m), -2)},
				} {
					e.rate(t, fx, "USD", r.on.Format(time.DateOnly), r.rate.String())
					usdRates = append(usdRates, r)
				}
				usdInv := e.validated(t, invoices, e.fxDraft(t, domain.DocInvoice, e.tp, "USD", fmt.Sprintf("2026-%02d-06", m), fmt.Sprintf("%d.37", 1000+13*m), nil))
				usdSI := e.validated(t, supplierInvoices, e.fxDraft(t, domain.DocSupplierInvoice, sup, "USD", fmt.Sprintf("2026-%02d-08", m), fmt.Sprintf("%d.81", 300+m), nil))
				for _, p := range []struct {
					types []domain.DocType
					doc   *domain.Document
					on    string
				}{{invoices, usdInv, fmt.Sprintf("2026-%02d-22", m)}, {supplierInvoices, usdSI, fmt.Sprintf("2026-%02d-23", m)}} {
					if _, err := e.docs.AddPayment(ctx, e.actor, p.types, p.doc.ID, domain.Payment{Amount: p.doc.TotalGross, Date: date(p.on),
						Method: domain.PayBankTransfer, BankAccountID: acc["DOLLARS"].ID}); err != nil {
						t.Fatalf("pay %s: %v", p.doc.Ref, err)
					}
				}
				// Paid in full, each is cleared: its third party's line is
				// its gross converted whole, as its payment's exchange
				// difference counts it, even where its net and VAT
				// converted apart come to a cent less or more (January's
				// invoice: 947.07 + 189.41 against 1,136.49 EUR).
				move("DOLLARS", "MAIN", "500", fmt.Sprintf("4%02d.55", 10+m), fmt.Sprintf("2026-%02d-26", m))
			}
			e.transfer(t, "2026-01-01", "2026-12-31")
			reports := gormdb.NewAccountingReports(e.db.DB)
			var debit, credit decimal.Decimal
			rows := map[string]domain.TrialBalanceRow{}
			for row, err := range reports.TrialBalance(context.Background(), domain.AccountingQuery{From: date("2026-01-01"), To: date("2026-12-31")}) {
				if err != nil {
					t.Fatal(err)
				}
				debit, credit = debit.Add(row.Debit), credit.Add(row.Credit)
				rows[row.Account] = row
			}
			if !debit.Equal(credit) || debit.IsZero() {
				t.Fatalf("trial balance: debit %s, credit %s", debit, credit)
			}
			if got := rows["411"].Balance(); !got.Equal(due) {
				t.Fatalf("411 balance %s, want %s due", got, due)
			}
			if rows["401"].Balance().Sign() != 0 || rows["706"].Type != domain.AccountIncome || rows["706"].Label == "" {
				t.Fatalf("401 %+v, 706 %+v", rows["401"], rows["706"])
			}
			// The general ledger of 411 ends on the same balance, from the
			// balance before its period.
			var last domain.LedgerRow
			n := 0
			for row, err := range reports.Ledger(context.Background(), domain.AccountingQuery{From: date("2026-07-01"), To: date("2026-12-31"), Account: "411"}) {
				if err != nil {
					t.Fatal(err)
				}
				last = row
				n++
			}
			if n == 0 || !last.Balance.Equal(due) {
				t.Fatalf("ledger of 411: %d rows, last balance %s, want %s", n, last.Balance, due)
			}

			// Every booking balances, and so every journal; all four have
			// entries (misc: the exchange differences of the USD payments).
			var entries []struct {
				BookingID     int64
				Journal       string
				Debit, Credit decimal.Decimal
			}
			if err := e.db.Gorm.Raw("SELECT booking_id, journal, debit, credit FROM accounting_entries").Scan(&entries).Error; err != nil {
				t.Fatal(err)
			}
			byBooking, byJournal := map[int64]decimal.Decimal{}, map[string]decimal.Decimal{}
			for _, x := range entries {
				byBooking[x.BookingID] = byBooking[x.BookingID].Add(x.Debit).Sub(x.Credit)
				byJournal[x.Journal] = byJournal[x.Journal].Add(x.Debit).Sub(x.Credit)
			}
			for id, b := range byBooking {
				if !b.IsZero() {
					t.Fatalf("booking %d off by %s", id, b)
				}
			}
			for _, j := range domain.Journals() {
				if b, ok := byJournal[string(j)]; !ok || !b.IsZero() {
					t.Fatalf("journal %s: present %v, off by %s", j, ok, b)
				}
			}

			// Each bank account's code holds its movements of the year (the
			// opening balances are not booked): in euros as they are; in
			// dollars each line converted at the rate of its date, and the
			// dollars themselves in the entries' foreign amounts.
			for ref, code := range map[string]string{"MAIN": "512", "SAVE": "5121", "DOLLARS": "5122"} {
				a, err := bank.Get(ctx, acc[ref].ID)
				if err != nil {
					t.Fatal(err)
				}
				moved := a.Balance.Sub(a.OpeningBalance)
				if a.Currency == "EUR" {
					if got := rows[code].Balance(); !got.Equal(moved) || moved.IsZero() {
						t.Fatalf("%s: %s balance %s, bank movements %s", ref, code, got, moved)
					}
					continue
				}
				lines, err := bank.Lines(ctx, domain.BankLineFilter{AccountID: a.ID, ListQuery: domain.ListQuery{Limit: 500}})
				if err != nil {
					t.Fatal(err)
				}
				converted := decimal.Zero
				for _, l := range lines.Items {
					converted = converted.Add(domain.DivMoney(l.Amount, usdRate(l.Date), "EUR"))
				}
				foreign, err := e.acct.Entries(ctx, domain.EntryFilter{Account: code}, domain.ListQuery{Limit: 500})
				if err != nil {
					t.Fatal(err)
				}
				dollars := decimal.Zero
				for _, x := range foreign.Items {
					if x.Currency != "USD" {
						t.Fatalf("%s entry %d in %q, want USD", code, x.ID, x.Currency)
					}
					if x.Debit.IsPositive() {
						dollars = dollars.Add(x.AmountCurrency)
					} else {
						dollars = dollars.Sub(x.AmountCurrency)
					}
				}
				if got := rows[code].Balance(); !got.Equal(converted) || !dollars.Equal(moved) || len(lines.Items) != 12 {
					t.Fatalf("%s: %s balance %s EUR (its %d lines converted: %s), %s USD in the entries, bank movements %s USD",
						ref, code, got, len(lines.Items), converted, dollars, moved)
				}
			}

			// The year's FEC, as the API streams it, passes the checker:
			// one row per entry, the entries in dollars with their amounts.
			srv := api.NewServer(api.Options{Log: zerolog.Nop(), Auth: readAll{}, BodyLimit: "1M"},
				api.NewAccountingRoutes(e.acct, reports, time.Now))
			req := httptest.NewRequest(http.MethodGet, "/api/v1/accounting/export?format=fec&from=2026-01-01&to=2026-12-31", nil)
			req.Header.Set(echo.HeaderAuthorization, "Bearer all")
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("FEC export: %d %s", rec.Code, rec.Body)
			}
			var foreign int64
			if err := e.db.Gorm.Raw("SELECT COUNT(*) FROM accounting_entries WHERE currency IS NOT NULL").Scan(&foreign).Error; err != nil {
				t.Fatal(err)
			}
			if got := fectest.Check(t, rec.Body.String(), 2026, "EUR"); got.Rows != len(entries) || int64(got.Foreign) != foreign || foreign == 0 {
				t.Fatalf("FEC %+v, want %d rows of which %d in a foreign currency", got, len(entries), foreign)
			}
		})
	}
}

// readAll authenticates any token with every permission.
type readAll struct{}

func (readAll) Authenticate(context.Context, string) (domain.Principal, error) {
	return domain.Principal{UserID: 1, Login: "ann", Permissions: domain.AllPermissions()}, nil
}

// TestAccountingPeriodClose checks the period guard: a closed month refuses
// validations, payments, edits and bookings dated in it, until reopened.
func TestAccountingPeriodClose(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			e := newAcctEnv(t, d)
			ctx := context.Background()
			inv := e.doc(t, domain.DocInvoice, e.tp, "2026-02-10", line("1", "100", "20"))
			pay := e.pay(t, invoices, inv.ID, "10", "2026-02-11", domain.PayCard)
			draft := e.draft(t, domain.DocInvoice, "2026-02-20", "1", "5")
			feb := domain.Period("2026-02")
			if _, err := e.acct.ClosePeriod(ctx, e.actor, feb); conflictCode(err) != "unbooked-documents" {
				t.Fatalf("close with unbooked documents: %v", err)
			}
			e.transfer(t, "2026-02-01", "2026-02-28")
			if _, err := e.acct.ClosePeriod(ctx, e.actor, feb); err != nil {
				t.Fatal(err)
			}
			if _, err := e.acct.ClosePeriod(ctx, e.actor, feb); conflictCode(err) != "period-closed" {
				t.Fatalf("close twice: %v", err)
			}
			if _, err := e.docs.Validate(ctx, e.actor, invoices, draft.ID, 0); conflictCode(err) != "period-closed" {
				t.Fatalf("validate in a closed month: %v", err)
			}
			if _, err := e.docs.AddPayment(ctx, e.actor, invoices, inv.ID, domain.Payment{Amount: num("1"), Date: date("2026-02-27"), Method: domain.PayCash}); conflictCode(err) != "period-closed" {
				t.Fatalf("pay in a closed month: %v", err)
			}
			if err := e.docs.DeletePayment(ctx, invoices, inv.ID, pay.ID); conflictCode(err) != "period-closed" {
				t.Fatalf("delete a payment of a closed month: %v", err)
			}
			note := "late"
			if _, err := e.docs.Edit(ctx, invoices, draft.ID, domain.DraftPatch{Note: &note}); conflictCode(err) != "period-closed" {
				t.Fatalf("edit in a closed month: %v", err)
			}
			mar := date("2026-02-14")
			other := e.draft(t, domain.DocInvoice, "2026-03-02", "1", "5")
			if _, err := e.docs.Edit(ctx, invoices, other.ID, domain.DraftPatch{Date: &mar}); conflictCode(err) != "period-closed" {
				t.Fatalf("move a draft into a closed month: %v", err)
			}
			// Nor is a draft dated in it created or deleted: it could be
			// neither edited nor validated there.
			if _, err := e.docs.Create(ctx, e.actor, domain.DocInvoice, domain.DraftInput{ThirdPartyID: e.tp, Date: date("2026-02-25"), Lines: []domain.LineInput{line("1", "5", "20")}}); conflictCode(err) != "period-closed" {
				t.Fatalf("a draft dated in a closed month: %v", err)
			}
			if err := e.docs.Delete(ctx, invoices, draft.ID); conflictCode(err) != "period-closed" {
				t.Fatalf("delete a draft of a closed month: %v", err)
			}
			// Outside the month everything goes on; a proposal is no fiscal document.
			e.pay(t, invoices, inv.ID, "1", "2026-03-01", domain.PayCard)
			e.draft(t, domain.DocProposal, "2026-02-21", "1", "5")
			// Reopened, the month takes changes again.
			if err := e.acct.ReopenPeriod(ctx, feb); err != nil {
				t.Fatal(err)
			}
			if err := e.acct.ReopenPeriod(ctx, feb); conflictCode(err) != "period-open" {
				t.Fatalf("reopen an open month: %v", err)
			}
			e.validated(t, invoices, draft)
			var actions []string
			if err := e.db.Gorm.Raw("SELECT action FROM audit_log WHERE object_type = 'accounting_period' ORDER BY id").Scan(&actions).Error; err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(actions) != "[accounting.period.close accounting.period.reopen]" {
				t.Fatalf("audit %v", actions)
			}
		})
	}
}
