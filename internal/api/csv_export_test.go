package api_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// csv sends as "all" asking for CSV and returns the records, header first.
func (a *stockAPI) csv(t *testing.T, path string) [][]string {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set(echo.HeaderAuthorization, "Bearer all")
	req.Header.Set(echo.HeaderAccept, "text/csv")
	rec := httptest.NewRecorder()
	a.e.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || rec.Header().Get(echo.HeaderContentType) != api.MIMETextCSV {
		t.Fatalf("GET %s as CSV: %d %s: %s", path, rec.Code, rec.Header().Get(echo.HeaderContentType), rec.Body)
	}
	if !strings.Contains(rec.Header().Get(echo.HeaderVary), echo.HeaderAccept) {
		t.Errorf("GET %s: Vary %q, want Accept", path, rec.Header().Get(echo.HeaderVary))
	}
	recs, err := csv.NewReader(rec.Body).ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("GET %s: not CSV with a header (%v): %s", path, err, rec.Body)
	}
	return recs
}

// column returns the values of one named column.
func column(t *testing.T, recs [][]string, name string) []string {
	t.Helper()
	for i, h := range recs[0] {
		if h == name {
			out := make([]string, 0, len(recs)-1)
			for _, r := range recs[1:] {
				out = append(out, r[i])
			}
			return out
		}
	}
	t.Fatalf("no column %q in %q", name, recs[0])
	return nil
}

// jsonColumn returns one field of every item of a JSON list, as text.
func jsonColumn(t *testing.T, list map[string]any, name string) []string {
	t.Helper()
	items, _ := list["items"].([]any)
	out := make([]string, 0, len(items))
	for _, it := range items {
		switch v := it.(map[string]any)[name].(type) {
		case nil:
			out = append(out, "")
		case string:
			out = append(out, v)
		default:
			b, _ := json.Marshal(v)
			out = append(out, string(b))
		}
	}
	return out
}

// A list and a report answer CSV with the JSON's filters, sort, paging and
// values: decimals as the JSON's plain strings, null as an empty field, a
// label with a comma and quotes quoted as RFC 4180 says. Without a limit,
// CSV is every matching row, past the JSON's largest page.
func TestCSVExportsMatchJSON(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newMRPAPI(t, d)
			w := idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/warehouses", `{"ref": "W1", "label": "Main"}`))
			for i := range 7 {
				p := a.ok(t, http.StatusCreated, "POST", "/api/v1/products", fmt.Sprintf(
					`{"ref": "CSV-%d", "label": "Chair, \"oak\" %d", "unit_price": "%d.5", "cost_price": "0.000125", "min_stock": %s}`,
					i, i, 1000000+i, map[bool]string{true: `"2"`, false: "null"}[i%2 == 0]))
				a.ok(t, http.StatusCreated, "POST", "/api/v1/stock/movements", fmt.Sprintf(
					`{"product_id": %d, "warehouse_id": %d, "qty": "%d.25", "unit_cost": "0.1"}`, idOf(p), w, i+1))
			}
			a.ok(t, http.StatusCreated, "POST", "/api/v1/products", `{"ref": "OTHER", "label": "Table"}`)

			for _, q := range []string{"?q=csv&sort=-unit_price", "?q=csv&sort=ref&limit=3&offset=2", "?q=csv&offset=4", "?sort=-ref", ""} {
				recs := a.csv(t, "/api/v1/products"+q)
				js := a.ok(t, http.StatusOK, "GET", "/api/v1/products"+q, "")
				for _, col := range []string{"id", "ref", "label", "unit_price", "cost_price", "min_stock", "track_stock", "created_at"} {
					got, want := column(t, recs, col), jsonColumn(t, js, col)
					if col == "created_at" { // JSON is RFC 3339 too; compare the instants
						for i := range got {
							g, _ := time.Parse(time.RFC3339Nano, got[i])
							w, _ := time.Parse(time.RFC3339Nano, want[i])
							if !g.Equal(w) {
								t.Errorf("products%s: created_at %q, JSON %q", q, got[i], want[i])
							}
						}
						continue
					}
					if strings.Join(got, "|") != strings.Join(want, "|") {
						t.Errorf("products%s: column %s is %q, JSON %q", q, col, got, want)
					}
				}
			}
			if recs := a.csv(t, "/api/v1/products?q=csv&sort=ref&limit=3&offset=2"); len(recs) != 4 || recs[1][1] != "CSV-2" {
				t.Errorf("limit and offset: %q", recs)
			}
			if recs := a.csv(t, "/api/v1/products?q=nothing-matches"); len(recs) != 1 || recs[0][0] != "id" {
				t.Errorf("no rows: %q, want the header only", recs)
			}
			for _, v := range column(t, a.csv(t, "/api/v1/products?q=csv"), "unit_price") {
				if _, err := decimal.NewFromString(v); err != nil || strings.ContainsAny(v, "eE") {
					t.Errorf("unit_price %q is not a plain decimal", v)
				}
			}
			// A bad filter is the same 422 as for JSON.
			req := httptest.NewRequest(http.MethodGet, "/api/v1/products?sort=nope", nil)
			req.Header.Set(echo.HeaderAuthorization, "Bearer all")
			req.Header.Set(echo.HeaderAccept, "text/csv")
			rec := httptest.NewRecorder()
			a.e.ServeHTTP(rec, req)
			checkProblem(t, rec, http.StatusUnprocessableEntity, "validation", "sort")

			// A report: the items, as the JSON has them.
			recs := a.csv(t, fmt.Sprintf("/api/v1/reports/stock-valuation?warehouse_id=%d", w))
			js := a.ok(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/reports/stock-valuation?warehouse_id=%d", w), "")
			if strings.Join(recs[0], ",") != "product_id,ref,label,warehouse_id,qty,average_cost,value" || len(recs) != 8 {
				t.Fatalf("stock valuation CSV %q", recs)
			}
			for _, col := range recs[0] {
				if got, want := column(t, recs, col), jsonColumn(t, js, col); strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("stock valuation: column %s is %q, JSON %q", col, got, want)
				}
			}
		})
	}
}

// productRow is a products row for the bulk insert of the export test.
type productRow struct {
	ID                            int64 `gorm:"primaryKey"`
	Ref, Label, Type              string
	UnitPrice, VATRate, CostPrice decimal.Decimal
	TrackStock, Active            bool
	CreatedAt, UpdatedAt          time.Time
}

func (productRow) TableName() string { return "products" }

// exportRows is the size of the streamed export.
const exportRows = 100_000

// heapCeiling bounds how far the live heap may grow over its level before
// the export while the client reads it: a few pages of buffers (and the test
// server's 4 MiB copy for the OpenAPI check), where 100,000 products held in
// memory would take well over 100 MiB (rows, entities and DTOs).
const heapCeiling = 32 << 20

// A 100,000-row CSV export streams: the client reads it as it comes over a
// real connection, and the server's live heap, sampled all along, stays flat.
func TestCSVExportOf100000RowsStreamsInConstantMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("bulk insert of 100,000 rows")
	}
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newStockAPI(t, d)
			now := time.Now().UTC().Truncate(time.Second)
			batch := make([]productRow, 0, 1000)
			for i := range exportRows {
				batch = append(batch, productRow{
					Ref: fmt.Sprintf("BULK-%06d", i), Label: fmt.Sprintf("Bulk, \"item\" %d", i), Type: "product",
					UnitPrice: decimal.New(int64(i)*125, -3), VATRate: decimal.NewFromInt(20), CostPrice: decimal.Zero,
					TrackStock: true, Active: true, CreatedAt: now, UpdatedAt: now,
				})
				if len(batch) == cap(batch) {
					if err := a.db.Gorm.Create(&batch).Error; err != nil {
						t.Fatal(err)
					}
					batch = batch[:0]
				}
			}
			batch = nil

			srv := httptest.NewServer(a.e)
			defer srv.Close()
			heap := func() uint64 {
				runtime.GC()
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				return m.HeapInuse
			}
			base := heap()
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/products?sort=ref", nil)
			req.Header.Set(echo.HeaderAuthorization, "Bearer all")
			req.Header.Set(echo.HeaderAccept, "text/csv")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if res.StatusCode != http.StatusOK || res.Header.Get(echo.HeaderContentType) != api.MIMETextCSV {
				t.Fatalf("%d %s", res.StatusCode, res.Header.Get(echo.HeaderContentType))
			}
			r := csv.NewReader(res.Body)
			r.ReuseRecord = true
			var rows int
			var peak uint64
			for {
				rec, err := r.Read()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("after %d rows: %v", rows, err)
				}
				if rows > 0 && rec[1] != fmt.Sprintf("BULK-%06d", rows-1) {
					t.Fatalf("row %d: ref %q", rows, rec[1])
				}
				if rows%10_000 == 0 {
					peak = max(peak, heap())
				}
				rows++
			}
			if rows != exportRows+1 {
				t.Fatalf("%d records, want %d rows and the header", rows, exportRows)
			}
			growth := int64(peak) - int64(base)
			t.Logf("%s: live heap %d KiB before, at most %+d KiB while streaming %d rows", d, base>>10, growth>>10, exportRows)
			if growth > heapCeiling {
				t.Errorf("the live heap grew by %d MiB while streaming, more than %d MiB: the export is not streamed", growth>>20, heapCeiling>>20)
			}
		})
	}
}
