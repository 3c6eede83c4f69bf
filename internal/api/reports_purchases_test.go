package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// TestPurchaseReportsAPI checks the parameters and the answers' shape (the
// sums are checked on every dialect in gormdb's TestPurchaseReports).
func TestPurchaseReportsAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			db := testdb.Migrated(t, d)
			a := &stockAPI{db: db, e: api.NewServer(api.Options{Log: zerolog.Nop(), Auth: stockAuth{}},
				api.NewPurchaseReportRoutes(gormdb.NewPurchaseReports(db.DB), "EUR", time.Now))}
			got := a.ok(t, http.StatusOK, "GET", "/api/v1/reports/purchases?from=2026-01-01&to=9999-12-31&group_by=year&supplier_id=1", "")
			if items := got["items"].([]any); len(items) != 0 || got["to"] != "9999-12-31" || got["group_by"] != "year" {
				t.Fatalf("purchases = %v", got)
			}
			got = a.ok(t, http.StatusOK, "GET", "/api/v1/reports/payables-aging?as_of=9999-12-31", "")
			if items := got["items"].([]any); len(items) != 0 || got["totals"].(map[string]any)["total"] != "0.00" {
				t.Fatalf("payables aging = %v", got)
			}
			a.problem(t, http.StatusUnprocessableEntity, "validation", "GET", "/api/v1/reports/purchases?group_by=week&supplier_id=x&to=2026-13-01", "", "group_by", "supplier_id", "to")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "GET", "/api/v1/reports/payables-aging?as_of=10000-01-01", "", "as_of")
			if rec := a.send("stock:read", "GET", "/api/v1/reports/purchases", ""); rec.Code != http.StatusForbidden {
				t.Fatalf("without reports:read: %d", rec.Code)
			}
		})
	}
}
