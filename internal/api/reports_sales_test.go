package api

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// The report routes over HTTP: parameters, defaults, the streamed JSON and
// its totals. The figures themselves are checked on every dialect by the
// repository's tests (gormdb/reports_sales_test.go).
func TestSalesReportsAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newSalesAPI(t, d, usecase.DocumentStockOptions{})
			tp := id(a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "ACME", "code": "ACME"}`))
			invoice := func(date, due, qty string) string {
				inv := id(a.json(t, http.StatusCreated, "POST", "/api/v1/invoices", `{"thirdparty_id": `+tp+`, "date": "`+date+`", "due_date": "`+due+`",
					"lines": [{"description": "x", "qty": "`+qty+`", "unit_price": "10", "vat_rate": "20"}]}`))
				a.json(t, http.StatusOK, "POST", "/api/v1/invoices/"+inv+"/validate", "")
				return inv
			}
			i1 := invoice("2026-11-05", "2026-11-05", "1") // 10/2/12
			invoice("2026-12-01", "2026-12-20", "2")       // 20/4/24
			a.json(t, http.StatusCreated, "POST", "/api/v1/invoices/"+i1+"/payments", `{"amount": "2.5", "method": "cash"}`)
			cn := id(a.json(t, http.StatusCreated, "POST", "/api/v1/invoices/"+i1+"/credit-note", ""))
			a.json(t, http.StatusOK, "PATCH", "/api/v1/invoices/"+cn, `{"date": "2027-01-05", "due_date": "2027-01-05"}`) // after every period below
			a.json(t, http.StatusOK, "POST", "/api/v1/invoices/"+cn+"/validate", "")

			// Defaults: this year (the handler's clock says 2026-12-31), by
			// month, in the configured currency.
			got := a.json(t, http.StatusOK, "GET", "/api/v1/reports/sales", "")
			want := `{"currency":"EUR","from":"2026-01-01","group_by":"month","items":[` +
				`{"credit_notes":0,"invoices":1,"period":"2026-11","total_gross":"12.00","total_net":"10.00","total_vat":"2.00"},` +
				`{"credit_notes":0,"invoices":1,"period":"2026-12","total_gross":"24.00","total_net":"20.00","total_vat":"4.00"}],` +
				`"to":"2026-12-31","totals":{"credit_notes":0,"invoices":2,"total_gross":"36.00","total_net":"30.00","total_vat":"6.00"}}`
			if b, _ := json.Marshal(got); string(b) != want {
				t.Errorf("sales:\n%s\nwant\n%s", b, want)
			}
			rec := a.call("GET", "/api/v1/reports/sales?from=2030-01-01&to=2030-12-31&group_by=day&currency=usd", "")
			if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") ||
				!strings.Contains(rec.Body.String(), `"items":[]`) || !strings.Contains(rec.Body.String(), `"currency":"USD"`) {
				t.Errorf("empty report: %d %s %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
			}

			// ACME owes 9.50 on I1 (45 days past due at 2026-12-20) and 24 on
			// I2 (due that very day); the credit note is dated later.
			got = a.json(t, http.StatusOK, "GET", "/api/v1/reports/receivables-aging?as_of=2026-12-20", "")
			want = `{"as_of":"2026-12-20","currency":"EUR","items":[` +
				`{"code":"ACME","days_0_30":"24.00","days_31_60":"9.50","days_61_90":"0.00","days_90_plus":"0.00","name":"ACME","not_due":"0.00","thirdparty_id":` + tp + `,"total":"33.50"}],` +
				`"totals":{"days_0_30":"24.00","days_31_60":"9.50","days_61_90":"0.00","days_90_plus":"0.00","not_due":"0.00","total":"33.50"}}`
			if b, _ := json.Marshal(got); string(b) != want {
				t.Errorf("aging:\n%s\nwant\n%s", b, want)
			}
			got = a.json(t, http.StatusOK, "GET", "/api/v1/reports/top-customers?from=2026-01-01&to=2026-12-31&limit=5", "")
			want = `{"currency":"EUR","from":"2026-01-01","items":[{"code":"ACME","credit_notes":0,"invoices":2,"name":"ACME","thirdparty_id":` + tp +
				`,"total_gross":"36.00","total_net":"30.00"}],"limit":5,"to":"2026-12-31"}`
			if b, _ := json.Marshal(got); string(b) != want {
				t.Errorf("top customers:\n%s\nwant\n%s", b, want)
			}

			for _, tc := range []struct {
				path   string
				fields []string
			}{
				{"/reports/sales?from=2026-13-01&to=yesterday&group_by=week", []string{"from", "to", "group_by"}},
				{"/reports/sales?from=2026-12-01&to=2026-11-30", []string{"to"}},
				{"/reports/sales?currency=EURO", []string{"currency"}},
				{"/reports/top-customers?limit=0", []string{"limit"}},
				{"/reports/top-customers?limit=501", []string{"limit"}},
				{"/reports/receivables-aging?as_of=31/12/2026&currency=1", []string{"as_of", "currency"}},
			} {
				fields := wantProblem(t, a.call("GET", "/api/v1"+tc.path, ""), http.StatusUnprocessableEntity, "validation")
				if strings.Join(fields, ",") != strings.Join(tc.fields, ",") {
					t.Errorf("%s: fields %v, want %v", tc.path, fields, tc.fields)
				}
			}
			a.json(t, http.StatusOK, "GET", "/api/v1/reports/sales", "", "Authorization", "Bearer viewer")
			wantProblem(t, a.call("GET", "/api/v1/reports/sales", "", "Authorization", "Bearer warehouse"), http.StatusForbidden, "forbidden")
		})
	}
}

// failingReports yields rows, then fails.
type failingReports struct {
	salesReports
	rowsBefore int
}

func (f failingReports) Sales(context.Context, domain.SalesQuery) iter.Seq2[domain.SalesPeriod, error] {
	return func(yield func(domain.SalesPeriod, error) bool) {
		for i := range f.rowsBefore {
			if !yield(domain.SalesPeriod{Period: string(rune('a' + i)), TotalNet: decimal.Zero}, nil) {
				return
			}
		}
		yield(domain.SalesPeriod{}, errors.New("connection lost"))
	}
}

// A report that fails before its first row is a problem answer; one that
// fails after some rows were sent cannot become one any more, so the
// connection is aborted instead of ending a well-formed but partial body.
func TestSalesReportFailure(t *testing.T) {
	log := &syncBuffer{}
	server := func(rowsBefore int) http.Handler {
		return NewServer(Options{Log: zerolog.New(log), Auth: commercialAuth{}},
			NewSalesReportRoutes(failingReports{rowsBefore: rowsBefore}, "EUR", func() time.Time { return time.Now() }))
	}
	rec := do(server(0), "GET", "/api/v1/reports/sales", "", map[string]string{"Authorization": "Bearer admin"})
	if p := decodeProblem(t, rec); rec.Code != http.StatusInternalServerError || p.Status != 500 {
		t.Fatalf("failure before the first row: %d %s", rec.Code, rec.Body)
	}
	defer func() {
		if r := recover(); r != http.ErrAbortHandler {
			t.Fatalf("failure after rows: recovered %v, want http.ErrAbortHandler", r)
		}
		if !strings.Contains(log.String(), "response aborted") {
			t.Fatalf("the abort was not logged:\n%s", log)
		}
	}()
	do(server(2), "GET", "/api/v1/reports/sales", "", map[string]string{"Authorization": "Bearer admin"})
	t.Fatal("a failure after the first rows did not abort the response")
}
