package gormdb_test

// The sales reports on every dialect, against figures computed by hand from
// the documents below: credit notes subtract, partial payments leave their
// rest due, and the period and aging boundaries fall on the right side.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/config"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// reportFixture writes the documents of the hand computations (VAT 20 %
// unless said; "due" is the due date):
//
//	ACME  I1   2026-10-31 due 10-31  100    → 100/20/120, paid 50 (70 due)
//	ACME  I2   2026-11-01 due 12-01  2×50 @10 % → 100/10/110
//	ACME  CN8  2026-11-20 of I2      30 @10 % → 30/3/33, not refunded
//	ACME  CN9  draft of I1 (not counted)
//	ACME  I5   draft 2026-11-15 (not counted)
//	ACME  I11  2026-10-01 due 10-02  0.10   → 0.10/0.02/0.12
//	ACME  I13  2026-11-02 due 11-30  0.30   → 0.30/0.06/0.36, paid 0.06
//	Beta  I3   2026-11-30 due 11-30  3×33.33 → 99.99/20.00/119.99, paid in two
//	Beta  I4   2026-12-01 due 12-15  10     → 10/2/12
//	Beta  CN14 2026-12-02 of I4      5      → 5/1/6, refunded (paid)
//	Beta  I7   2025-12-31 due 2026-01-30 40 → 40/8/48
//	Beta  I10  2026-12-20 due 2027-01-19 5  → 5/1/6
//	Beta  I12  2026-09-01 due 10-01  0.20   → 0.20/0.04/0.24
//	Zeta  I15  2026-12-10 due 12-10  50     → 50/10/60, credited in full by
//	Zeta  CN16 2026-12-11 of I15            → 50/10/60, neither paid
//	Gamma I6   2026-11-10 in USD     1000   → 1000/200/1200
//	ACME  a proposal and an order (not sales)
func reportFixture(t *testing.T, db *testdb.DB) {
	t.Helper()
	ctx := context.Background()
	uow := gormdb.NewUnitOfWork(db.DB)
	clock := func() time.Time { return time.Date(2026, 12, 31, 12, 0, 0, 0, time.UTC) }
	docs := usecase.NewDocumentService(uow, usecase.DocumentOptions{Masks: config.Defaults().DocumentMasks(), DefaultCurrency: config.Defaults().DefaultCurrency, Now: clock})
	tps := usecase.NewThirdPartyService(uow, config.Defaults().ThirdPartyMask(), clock)
	actor := domain.Principal{UserID: 1}
	customer := func(name string) int64 {
		tp, err := tps.Create(ctx, domain.ThirdParty{Name: name, Code: strings.ToUpper(name), IsCustomer: true})
		if err != nil {
			t.Fatal(err)
		}
		return tp.ID
	}
	acme, beta, zeta, gamma := customer("ACME"), customer("Beta"), customer("Zeta"), customer("Gamma")
	day := func(s string) *time.Time {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return &d
	}
	line := func(qty, price, vat string) domain.LineInput {
		p, v := decimal.RequireFromString(price), decimal.RequireFromString(vat)
		return domain.LineInput{Description: "x", Qty: decimal.RequireFromString(qty), UnitPrice: &p, VATRate: &v}
	}
	check := func(d *domain.Document, err error) *domain.Document {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	draft := func(typ domain.DocType, tp int64, date, due, currency string, l domain.LineInput) *domain.Document {
		in := domain.DraftInput{ThirdPartyID: tp, Date: *day(date), Currency: currency, CurrencyRate: foreignRate(currency), Lines: []domain.LineInput{l}}
		if due != "" {
			in.DueDate = day(due)
		}
		return check(docs.Create(ctx, actor, typ, in))
	}
	validate := func(d *domain.Document) *domain.Document {
		return check(docs.Validate(ctx, actor, []domain.DocType{d.Type}, d.ID, 0))
	}
	invoice := func(tp int64, date, due string, l domain.LineInput) *domain.Document {
		return validate(draft(domain.DocInvoice, tp, date, due, "", l))
	}
	pay := func(d *domain.Document, amount, on string) {
		if _, err := docs.AddPayment(ctx, actor, []domain.DocType{domain.DocInvoice, domain.DocCreditNote}, d.ID, domain.Payment{Amount: decimal.RequireFromString(amount), Date: *day(on), Method: domain.PayCash}); err != nil {
			t.Fatal(err)
		}
	}
	creditNote := func(inv *domain.Document, date string, l *domain.LineInput) *domain.Document {
		cn := check(docs.Convert(ctx, actor, domain.ActCreditNote, inv.ID))
		p := domain.DraftPatch{Date: day(date), DueDate: day(date)}
		if l != nil {
			p.Lines = &[]domain.LineInput{*l}
		}
		return check(docs.Edit(ctx, []domain.DocType{domain.DocCreditNote}, cn.ID, p))
	}

	i1 := invoice(acme, "2026-10-31", "2026-10-31", line("1", "100", "20"))
	pay(i1, "50", "2026-11-15")
	i2 := invoice(acme, "2026-11-01", "2026-12-01", line("2", "50", "10"))
	validate(creditNote(i2, "2026-11-20", &domain.LineInput{Description: "x", Qty: decimal.NewFromInt(1), UnitPrice: decPtr("30"), VATRate: decPtr("10")}))
	creditNote(i1, "2026-12-05", nil) // stays a draft
	draft(domain.DocInvoice, acme, "2026-11-15", "", "", line("1", "999", "20"))
	invoice(acme, "2026-10-01", "2026-10-02", line("1", "0.10", "20"))
	i13 := invoice(acme, "2026-11-02", "2026-11-30", line("1", "0.3", "20"))
	pay(i13, "0.06", "2026-12-01")
	i3 := invoice(beta, "2026-11-30", "2026-11-30", line("3", "33.33", "20"))
	pay(i3, "100", "2026-12-01")
	pay(i3, "19.99", "2026-12-02")
	i4 := invoice(beta, "2026-12-01", "2026-12-15", line("1", "10", "20"))
	cn14 := validate(creditNote(i4, "2026-12-02", &domain.LineInput{Description: "x", Qty: decimal.NewFromInt(1), UnitPrice: decPtr("5"), VATRate: decPtr("20")}))
	pay(cn14, "6", "2026-12-03")
	invoice(beta, "2025-12-31", "2026-01-30", line("1", "40", "20"))
	invoice(beta, "2026-12-20", "2027-01-19", line("1", "5", "20"))
	invoice(beta, "2026-09-01", "2026-10-01", line("1", "0.2", "20"))
	i15 := invoice(zeta, "2026-12-10", "2026-12-10", line("1", "50", "20"))
	validate(creditNote(i15, "2026-12-11", nil))
	validate(draft(domain.DocInvoice, gamma, "2026-11-10", "", "USD", line("1", "1000", "20")))
	validate(draft(domain.DocProposal, acme, "2026-11-03", "", "", line("1", "500", "20")))
	validate(draft(domain.DocOrder, acme, "2026-11-04", "", "", line("1", "700", "20")))
}

func decPtr(s string) *decimal.Decimal { d := decimal.RequireFromString(s); return &d }

// foreignRate is the rate a draft in another currency than the company's
// (EUR) gives, so that it can be validated without a rate of its date.
func foreignRate(currency string) *decimal.Decimal {
	if currency == "" || currency == "EUR" {
		return nil
	}
	r := decimal.RequireFromString("1.1")
	return &r
}

func reportDay(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func collectRows[T any](t *testing.T, seq func(func(T, error) bool)) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// salesLine writes a row as "period inv/cn net/vat/gross" with two decimals.
func salesLine(p domain.SalesPeriod) string {
	return fmt.Sprintf("%s %d/%d %s/%s/%s", p.Period, p.Invoices, p.CreditNotes,
		p.TotalNet.StringFixed(2), p.TotalVAT.StringFixed(2), p.TotalGross.StringFixed(2))
}

func TestSalesReports(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) { salesReports(t, testdb.Migrated(t, dialect)) })
	}
}

// salesReports checks every report on a database of its own: the reports
// read every document, so it must hold the fixture and nothing else.
func salesReports(t *testing.T, db *testdb.DB) {
	reportFixture(t, db)
	reports := gormdb.NewSalesReports(db.DB)
	ctx := context.Background()

	sales := func(from, to string, g domain.SalesGrouping, currency string) []string {
		t.Helper()
		rows := collectRows(t, reports.Sales(ctx, domain.SalesQuery{
			SalesPeriodQuery: domain.SalesPeriodQuery{From: reportDay(from), To: reportDay(to), Currency: currency}, GroupBy: g,
		}))
		out := make([]string, len(rows))
		for i, r := range rows {
			out[i] = salesLine(r)
		}
		return out
	}
	for _, tc := range []struct {
		name, from, to string
		g              domain.SalesGrouping
		currency       string
		want           []string
	}{
		{"by month", "2026-09-01", "2026-12-31", domain.GroupByMonth, "EUR", []string{
			"2026-09 1/0 0.20/0.04/0.24",
			"2026-10 2/0 100.10/20.02/120.12",
			"2026-11 3/1 170.29/27.06/197.35",
			"2026-12 3/2 10.00/2.00/12.00",
		}},
		{"one month: its first and last days in, the days around out", "2026-11-01", "2026-11-30", domain.GroupByMonth, "EUR", []string{
			"2026-11 3/1 170.29/27.06/197.35",
		}},
		{"by day", "2026-11-01", "2026-11-30", domain.GroupByDay, "EUR", []string{
			"2026-11-01 1/0 100.00/10.00/110.00",
			"2026-11-02 1/0 0.30/0.06/0.36",
			"2026-11-20 0/1 -30.00/-3.00/-33.00",
			"2026-11-30 1/0 99.99/20.00/119.99",
		}},
		{"by year, across the new year", "2025-01-01", "2026-12-31", domain.GroupByYear, "EUR", []string{
			"2025 1/0 40.00/8.00/48.00",
			"2026 9/3 280.59/49.12/329.71",
		}},
		{"another currency", "2026-01-01", "2026-12-31", domain.GroupByMonth, "USD", []string{
			"2026-11 1/0 1000.00/200.00/1200.00",
		}},
		{"nothing sold", "2020-01-01", "2020-12-31", domain.GroupByMonth, "EUR", nil},
		// The last day the API accepts is an inclusive bound on every
		// dialect (its next day overflowed MySQL's DATE and SQLite's text).
		{"up to the last day of the calendar", "1000-01-01", "9999-12-31", domain.GroupByYear, "EUR", []string{
			"2025 1/0 40.00/8.00/48.00",
			"2026 9/3 280.59/49.12/329.71",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sales(tc.from, tc.to, tc.g, tc.currency); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}

	t.Run("top customers", func(t *testing.T) {
		top := func(limit int) string {
			rows := collectRows(t, reports.TopCustomers(ctx, domain.TopCustomersQuery{
				SalesPeriodQuery: domain.SalesPeriodQuery{From: reportDay("2026-01-01"), To: reportDay("2026-12-31"), Currency: "EUR"}, Limit: limit,
			}))
			var out []string
			for _, r := range rows {
				out = append(out, fmt.Sprintf("%s/%s %d/%d %s/%s", r.Name, r.Code, r.Invoices, r.CreditNotes, r.TotalNet.StringFixed(2), r.TotalGross.StringFixed(2)))
			}
			return strings.Join(out, "; ")
		}
		if got, want := top(10), "ACME/ACME 4/1 170.40/197.48; Beta/BETA 4/1 110.19/132.23; Zeta/ZETA 1/1 0.00/0.00"; got != want {
			t.Errorf("top 10:\n%s\nwant\n%s", got, want)
		}
		if got, want := top(1), "ACME/ACME 4/1 170.40/197.48"; got != want {
			t.Errorf("top 1: %s, want %s", got, want)
		}
	})

	t.Run("receivables aging", func(t *testing.T) {
		aging := func(asOf, currency string) string {
			rows := collectRows(t, reports.ReceivablesAging(ctx, domain.AgingQuery{AsOf: reportDay(asOf), Currency: currency}))
			var out []string
			for _, r := range rows {
				s := r.Name
				for _, b := range r.Buckets {
					s += " " + b.StringFixed(2)
				}
				out = append(out, s+" = "+r.Total().StringFixed(2))
			}
			return strings.Join(out, "; ")
		}
		// not due, 0–30, 31–60, 61–90, 90+. At 2026-12-31, ACME: I2 30
		// days past due (110) less CN8 in I2's bucket (33); I13 31 days
		// (0.30); I1 61 days (70 left after 50 paid) and I11 90 days
		// (0.12). Beta: I10 not due (6); I4 16 days (12); I12 91 days
		// (0.24) and I7 335 days (48); I3 and CN14 are settled. Zeta's
		// invoice and credit note cancel out; Gamma's is in USD.
		if got, want := aging("2026-12-31", "EUR"),
			"ACME 0.00 77.00 0.30 70.12 0.00 = 147.42; Beta 6.00 12.00 0.00 0.00 48.24 = 66.24"; got != want {
			t.Errorf("at 2026-12-31:\n%s\nwant\n%s", got, want)
		}
		// At 2026-11-30: I2 is due tomorrow (not due, and so is CN8);
		// I1 is 30 days past due, I13 due that very day; I11 59 days;
		// Beta's I12 60 days, I7 304. Documents dated later are left out.
		if got, want := aging("2026-11-30", "EUR"),
			"ACME 77.00 70.30 0.12 0.00 0.00 = 147.42; Beta 0.00 0.00 0.24 0.00 48.00 = 48.24"; got != want {
			t.Errorf("at 2026-11-30:\n%s\nwant\n%s", got, want)
		}
		// As of the last day of the calendar everything unpaid is long
		// overdue, and every document is dated up to it.
		if got, want := aging("9999-12-31", "EUR"),
			"ACME 0.00 0.00 0.00 0.00 147.42 = 147.42; Beta 0.00 0.00 0.00 0.00 66.24 = 66.24"; got != want {
			t.Errorf("at 9999-12-31:\n%s\nwant\n%s", got, want)
		}
		if got, want := aging("2026-12-31", "USD"), "Gamma 0.00 0.00 1200.00 0.00 0.00 = 1200.00"; got != want {
			t.Errorf("in USD: %s, want %s", got, want)
		}
	})

	t.Run("stopping early closes the rows", func(t *testing.T) {
		for range 3 {
			for _, err := range reports.Sales(ctx, domain.SalesQuery{
				SalesPeriodQuery: domain.SalesPeriodQuery{From: reportDay("2026-01-01"), To: reportDay("2026-12-31"), Currency: "EUR"}, GroupBy: domain.GroupByDay,
			}) {
				if err != nil {
					t.Fatal(err)
				}
				break
			}
		}
		if n := db.SQL.Stats().InUse; n != 0 {
			t.Fatalf("%d connections still in use after the loops stopped", n)
		}
	})
}
