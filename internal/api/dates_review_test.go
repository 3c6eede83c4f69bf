package api

import (
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// Dates outside the years the databases hold (MySQL: 1000 to 9999) are 422s
// naming the field, on every dialect: not a 500 (MySQL refuses the insert,
// PostgreSQL a year-0 bound), not a year-0 invoice that validates as
// "FA0006-0001", and not 0001-01-01 silently replaced by today.
func TestDatesOutOfRange(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newSalesAPI(t, d, usecase.DocumentStockOptions{})
			tp := id(a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "Acme", "is_customer": true}`))
			inv := id(a.json(t, http.StatusCreated, "POST", "/api/v1/invoices", fmt.Sprintf(invoiceBody, tp)))
			a.json(t, http.StatusOK, "POST", "/api/v1/invoices/"+inv+"/validate", "")
			line := `"lines": [{"description": "x", "qty": "1", "unit_price": "1", "vat_rate": "0"}]`
			before := a.rows(t)
			for _, tc := range []struct{ method, path, body, field string }{
				{"POST", "/invoices", `{"thirdparty_id": ` + tp + `, "date": "0000-06-01", ` + line + `}`, "date"},
				{"POST", "/invoices", `{"thirdparty_id": ` + tp + `, "date": "0001-01-01", ` + line + `}`, "date"},
				{"POST", "/invoices", `{"thirdparty_id": ` + tp + `, "date": "0999-12-31", ` + line + `}`, "date"},
				{"POST", "/invoices", `{"thirdparty_id": ` + tp + `, "due_date": "0000-01-01", ` + line + `}`, "due_date"},
				{"POST", "/invoices/" + inv + "/payments", `{"amount": "1", "method": "cash", "date": "0000-01-01"}`, "date"},
				{"GET", "/reports/sales?from=0000-01-01", "", "from"},
				{"GET", "/reports/top-customers?from=0000-01-01&to=0000-12-31", "", "from"},
				{"GET", "/reports/receivables-aging?as_of=0000-01-01", "", "as_of"},
			} {
				fields := wantProblem(t, a.call(tc.method, "/api/v1"+tc.path, tc.body), http.StatusUnprocessableEntity, "validation")
				if !slices.Contains(fields, tc.field) {
					t.Errorf("%s %s %s: no error for %s in %v", tc.method, tc.path, tc.body, tc.field, fields)
				}
			}
			if after := a.rows(t); after != before {
				t.Fatalf("refused requests wrote: %s → %s", before, after)
			}
			// The last day of the range is a date like any other.
			a.json(t, http.StatusCreated, "POST", "/api/v1/invoices", `{"thirdparty_id": `+tp+`, "date": "1000-01-01", "due_date": "9999-12-31", `+line+`}`)
			a.json(t, http.StatusOK, "GET", "/api/v1/reports/sales?from=1000-01-01&to=9999-12-31", "")
		})
	}
}
