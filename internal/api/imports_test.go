package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// importAPI is the real stack of products, third parties and imports on one
// dialect's database, with the Idempotency-Key middleware, a server body
// limit of 4 KiB and an import limit of importLimit.
type importAPI struct {
	*stockAPI
}

const importLimit = 2 << 20

func newImportAPI(t *testing.T, dialect string) *importAPI {
	t.Helper()
	db := testdb.Migrated(t, dialect)
	uow := gormdb.NewUnitOfWork(db.DB)
	catalog := usecase.NewCatalogService(uow, time.Now)
	stock := usecase.NewStockService(uow, usecase.StockOptions{})
	mask := domain.MustNumberMask("CU{yy}{mm}-{0000}")
	e := api.NewServer(api.Options{
		Log: zerolog.Nop(), Auth: stockAuth{}, BodyLimit: "4096",
		Idempotency: api.Idempotency(usecase.NewIdempotencyService(uow), time.Hour, time.Now),
	},
		api.NewProductRoutes(catalog, stock),
		api.NewThirdPartyRoutes(usecase.NewThirdPartyService(uow, mask, time.Now)),
		api.NewImportRoutes(usecase.NewImportService(uow, time.Now), importLimit))
	return &importAPI{&stockAPI{e: e, db: db}}
}

// csv posts a CSV body as token, with extra headers.
func (a *importAPI) csv(token, path, body string, hdr ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	req.Header.Set(echo.HeaderAuthorization, "Bearer "+token)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	a.e.ServeHTTP(rec, req)
	return rec
}

type importResult struct {
	Created, Updated int
	DryRun           bool `json:"dry_run"`
	Errors           []domain.FieldError
}

// imported posts as "all" and decodes the 200.
func (a *importAPI) imported(t *testing.T, path, body string) importResult {
	t.Helper()
	rec := a.csv("all", path, body)
	if rec.Code != http.StatusOK {
		t.Fatalf("POST %s: %d %s", path, rec.Code, rec.Body)
	}
	var out importResult
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	if out.Errors == nil || len(out.Errors) != 0 {
		t.Fatalf("POST %s: errors %s", path, rec.Body)
	}
	return out
}

// refused posts as "all", expects a 422 and returns its errors.
func (a *importAPI) refused(t *testing.T, path, body string) []domain.FieldError {
	t.Helper()
	rec := a.csv("all", path, body)
	checkProblem(t, rec, http.StatusUnprocessableEntity, "validation")
	var p api.Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	return p.Errors
}

// hasError reports whether errs hold an error of field on line.
func hasError(errs []domain.FieldError, line int, field string) bool {
	for _, e := range errs {
		if e.Line == line && e.Field == field {
			return true
		}
	}
	return false
}

func wantErrors(t *testing.T, errs []domain.FieldError, want ...any) {
	t.Helper()
	for i := 0; i+1 < len(want); i += 2 {
		if !hasError(errs, want[i].(int), want[i+1].(string)) {
			t.Errorf("no error of %s on line %d in %+v", want[i+1], want[i], errs)
		}
	}
}

// state is every row's id and last change of the imported tables: a
// refused import must not change it.
func (a *importAPI) state(t *testing.T) string {
	t.Helper()
	var out strings.Builder
	for _, table := range []string{"products", "thirdparties"} {
		var rows []struct {
			ID        int64
			UpdatedAt time.Time
		}
		if err := a.db.Gorm.Table(table).Select("id, updated_at").Order("id").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&out, "%s:%d", table, len(rows))
		for _, r := range rows {
			fmt.Fprintf(&out, " %d@%d", r.ID, r.UpdatedAt.UnixMicro())
		}
	}
	return out.String()
}

func TestImportsAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newImportAPI(t, d)
			t.Run("products", func(t *testing.T) { importProducts(t, a) })
			t.Run("third parties", func(t *testing.T) { importThirdParties(t, a) })
			t.Run("requests", func(t *testing.T) { importRequests(t, a) })
			t.Run("10000 lines", func(t *testing.T) { importTenThousand(t, a) })
		})
	}
}

func importProducts(t *testing.T, a *importAPI) {
	chair := a.ok(t, 201, "POST", "/api/v1/products", `{"ref": "CHAIR", "label": "Chair", "unit_price": "49.90", "vat_rate": 20, "min_stock": 5}`)

	// A dry run checks and counts, and writes nothing.
	file := "\ufeffref,label,type,unit_price,vat_rate,track_stock,min_stock\r\n" +
		"CHAIR,,,55.5,,,\r\n" + // empty cells: unchanged
		"DESK,Standing desk,product,480.50,20,TRUE,2\r\n" +
		",,,,,,\r\n" + // blank line: skipped
		"FIT,\"Assembly, on site\",service,30,10,0,\r\n"
	before := a.state(t)
	if r := a.imported(t, "/api/v1/imports/products?dry_run=true", file); r.Created != 2 || r.Updated != 1 || !r.DryRun {
		t.Fatalf("dry run: %+v", r)
	}
	if a.state(t) != before {
		t.Fatal("a dry run wrote")
	}

	if r := a.imported(t, "/api/v1/imports/products", file); r.Created != 2 || r.Updated != 1 || r.DryRun {
		t.Fatalf("import: %+v", r)
	}
	got := a.ok(t, 200, "GET", fmt.Sprintf("/api/v1/products/%d", idOf(chair)), "")
	if got["unit_price"] != "55.50" || got["label"] != "Chair" || got["vat_rate"] != "20" || got["min_stock"] != "5" {
		t.Errorf("updated chair: %v", got)
	}
	list := a.ok(t, 200, "GET", "/api/v1/products?sort=ref", "")
	items := list["items"].([]any)
	if len(items) != 3 {
		t.Fatalf("products: %v", list)
	}
	desk, fit := items[1].(map[string]any), items[2].(map[string]any)
	if desk["ref"] != "DESK" || desk["unit_price"] != "480.50" || desk["track_stock"] != true || desk["min_stock"] != "2" || desk["active"] != true {
		t.Errorf("desk: %v", desk)
	}
	if fit["ref"] != "FIT" || fit["label"] != "Assembly, on site" || fit["type"] != "service" || fit["track_stock"] != false {
		t.Errorf("service: %v", fit)
	}

	// One bad line: nothing written, the line and the field named; every
	// bad line is listed, in a dry run as in an import.
	before = a.state(t)
	for _, path := range []string{"/api/v1/imports/products", "/api/v1/imports/products?dry_run=true"} {
		errs := a.refused(t, path, "ref,label,unit_price,type,active\n"+
			"NEW1,New one,10,,\n"+
			"CHAIR,,\"12,5\",,\n"+ // line 3: not a decimal with a dot
			"NEW2,,1,,\n"+ // line 4: a new product needs a label
			"NEW1,Again,1,,\n"+ // line 5: repeats line 2
			",Nameless,1,,\n"+ // line 6: no ref
			"FIT,,,product,\n"+ // line 7: a type cannot change
			"NEW3,X,-1,,maybe\n") // line 8: negative price, not a boolean
		wantErrors(t, errs, 3, "unit_price", 4, "label", 5, "ref", 6, "ref", 7, "type", 8, "unit_price", 8, "active")
		if len(errs) != 7 {
			t.Errorf("errors: %+v", errs)
		}
	}
	if a.state(t) != before {
		t.Fatal("a refused import wrote")
	}

	// The header: unknown, repeated and missing key columns, on line 1.
	wantErrors(t, a.refused(t, "/api/v1/imports/products", "ref,label,colour,label\nX,Y,red,Z\n"), 1, "colour", 1, "label")
	wantErrors(t, a.refused(t, "/api/v1/imports/products", "label\nY\n"), 1, "ref")
	wantErrors(t, a.refused(t, "/api/v1/imports/products", ""), 0, "file")
	// Lines that are not CSV, or not of the header's length.
	wantErrors(t, a.refused(t, "/api/v1/imports/products", "ref,label\nA,\"open\nB,C\n"), 2, "file")
	wantErrors(t, a.refused(t, "/api/v1/imports/products", "ref,label\nA,B,C\nD,E\nF\n"), 2, "file", 4, "file", 4, "label")
	// Text cells follow the rule of JSON strings.
	wantErrors(t, a.refused(t, "/api/v1/imports/products", "ref,label\nA,\"two\nlines\"\nB,bad\x01\n"), 2, "label", 4, "label")
	if a.state(t) != before {
		t.Fatal("a refused import wrote")
	}
}

func importThirdParties(t *testing.T, a *importAPI) {
	acme := a.ok(t, 201, "POST", "/api/v1/thirdparties", `{"name": "ACME", "code": "C-ACME", "is_customer": true, "email": "a@acme.example", "payment_terms_days": 45}`)
	file := "code,name,is_customer,is_supplier,email,address,payment_terms_days,locale\n" +
		"C-ACME,ACME SA,,1,,,,fr\n" +
		" S-BOLT ,Bolt & Co,false,true,orders@bolt.example,\"1 Quay St\nDublin\",60,en-IE\n"
	if r := a.imported(t, "/api/v1/imports/thirdparties", file); r.Created != 1 || r.Updated != 1 {
		t.Fatalf("import: %+v", r)
	}
	got := a.ok(t, 200, "GET", fmt.Sprintf("/api/v1/thirdparties/%d", idOf(acme)), "")
	if got["name"] != "ACME SA" || got["is_customer"] != true || got["is_supplier"] != true || got["email"] != "a@acme.example" ||
		got["payment_terms_days"] != float64(45) || got["locale"] != "fr" {
		t.Errorf("updated: %v", got)
	}
	list := a.ok(t, 200, "GET", "/api/v1/thirdparties?q=bolt", "")
	bolt := list["items"].([]any)[0].(map[string]any)
	if bolt["code"] != "S-BOLT" || bolt["address"] != "1 Quay St\nDublin" || bolt["payment_terms_days"] != float64(60) || bolt["is_customer"] != false {
		t.Errorf("created: %v", bolt)
	}

	before := a.state(t)
	errs := a.refused(t, "/api/v1/imports/thirdparties", "code,name,email,payment_terms_days,is_prospect\n"+
		"C-NEW,New,new@example.com,30,\n"+
		",No code,,,\n"+ // line 3: a code is required
		"C-BAD,Bad,not-an-email,abc,yes\n"+ // line 4
		"S-BOLT,,,,\n"+ // fine: unchanged
		"C-NEW,Twice,,,\n") // line 6
	wantErrors(t, errs, 3, "code", 4, "email", 4, "payment_terms_days", 4, "is_prospect", 6, "code")
	if len(errs) != 5 {
		t.Errorf("errors: %+v", errs)
	}
	if a.state(t) != before {
		t.Fatal("a refused import wrote")
	}
}

func importRequests(t *testing.T, a *importAPI) {
	before := a.state(t)
	file := "ref,label\nIDEM,Idempotent\n"
	// Media type, permission.
	for _, ct := range []string{"application/json", "text/plain", "text/csv; charset=latin1", ""} {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/imports/products", strings.NewReader(file))
		if ct != "" {
			req.Header.Set(echo.HeaderContentType, ct)
		}
		req.Header.Set(echo.HeaderAuthorization, "Bearer all")
		rec := httptest.NewRecorder()
		a.e.ServeHTTP(rec, req)
		checkProblem(t, rec, http.StatusUnsupportedMediaType, "unsupported-media-type")
	}
	checkProblem(t, a.csv(domain.PermProductsRead+","+domain.PermThirdpartiesWrite, "/api/v1/imports/products", file), http.StatusForbidden, "forbidden")
	checkProblem(t, a.csv(domain.PermProductsWrite, "/api/v1/imports/thirdparties", file), http.StatusForbidden, "forbidden")
	checkProblem(t, a.csv("all", "/api/v1/imports/products?dry_run=perhaps", file), http.StatusUnprocessableEntity, "validation", "dry_run")
	// The import's own limit, not the server's (4 KiB here).
	big := "ref,label\n" + strings.Repeat("x", importLimit)
	checkProblem(t, a.csv("all", "/api/v1/imports/products", big), http.StatusRequestEntityTooLarge, "body-too-large")
	if a.state(t) != before {
		t.Fatal("a refused import wrote")
	}
	var lines strings.Builder
	lines.WriteString("ref,label\n")
	for i := range 300 {
		fmt.Fprintf(&lines, "BIG-%03d,Over the server's body limit\n", i)
	}
	if r := a.imported(t, "/api/v1/imports/products?dry_run=1", lines.String()); r.Created != 300 {
		t.Fatalf("a file over the JSON body limit: %+v", r)
	}
	a.problem(t, 413, "body-too-large", "POST", "/api/v1/products", `{"ref": "X", "label": "`+strings.Repeat("x", 5000)+`"}`)

	// Idempotency-Key: the same request replays its answer, once written.
	first := a.csv("all", "/api/v1/imports/products", file, "Idempotency-Key", "import-1")
	again := a.csv("all", "/api/v1/imports/products", file, "Idempotency-Key", "import-1")
	if first.Code != 200 || again.Code != 200 || again.Body.String() != first.Body.String() || again.Header().Get(api.HeaderIdempotentReplayed) != "true" {
		t.Fatalf("replay: %d %s / %d %s", first.Code, first.Body, again.Code, again.Body)
	}
	checkProblem(t, a.csv("all", "/api/v1/imports/products", file+"OTHER,Other\n", "Idempotency-Key", "import-1"),
		http.StatusUnprocessableEntity, "idempotency-key-reused")
	if r := a.imported(t, "/api/v1/imports/products?dry_run=true", file); r.Created != 0 || r.Updated != 1 {
		t.Fatalf("after the import: %+v", r)
	}
}

// importTenThousand imports 10,000 products (1,000 of them updates) and
// 10,000 third parties on every dialect, after refusing the same file with
// one bad line; the time is logged (docs/benchmarks.md, "CSV import"),
// never asserted.
func importTenThousand(t *testing.T, a *importAPI) {
	var products, thirdParties strings.Builder
	products.WriteString("ref,label,unit_price,vat_rate,cost_price,min_stock\n")
	thirdParties.WriteString("code,name,is_customer,email,phone,payment_terms_days\n")
	for i := range 10000 {
		fmt.Fprintf(&products, "BULK-%05d,Bulk product %d,%d.25,20,%d.125,%d\n", i, i, i%500, i%300, i%7)
		fmt.Fprintf(&thirdParties, "BULK-%05d,Customer %d,true,c%d@example.com,+33 1 23 45 67 %02d,%d\n", i, i, i, i%100, i%90)
	}
	var existing strings.Builder
	existing.WriteString("ref,label\n")
	for i := range 1000 {
		fmt.Fprintf(&existing, "BULK-%05d,Before\n", i*10)
	}
	a.imported(t, "/api/v1/imports/products", existing.String())

	before := a.state(t)
	bad := strings.Replace(products.String(), "BULK-07776,Bulk product 7776,", "BULK-07776,Bulk product 7776,cheap", 1)
	errs := a.refused(t, "/api/v1/imports/products", bad)
	if len(errs) != 1 || !hasError(errs, 7778, "unit_price") {
		t.Fatalf("one bad line in 10,000: %+v", errs)
	}
	if a.state(t) != before {
		t.Fatal("a refused import wrote")
	}

	start := time.Now()
	if r := a.imported(t, "/api/v1/imports/products", products.String()); r.Created != 9000 || r.Updated != 1000 {
		t.Fatalf("products: %+v", r)
	}
	tookProducts := time.Since(start)
	start = time.Now()
	if r := a.imported(t, "/api/v1/imports/thirdparties", thirdParties.String()); r.Created != 10000 || r.Updated != 0 {
		t.Fatalf("third parties: %+v", r)
	}
	t.Logf("%s, 10,000 lines: products %s (%d bytes), third parties %s (%d bytes)",
		a.db.Dialect, tookProducts, products.Len(), time.Since(start), thirdParties.Len())

	var n int64
	var label, price string
	row := a.db.Gorm.Raw("SELECT COUNT(*) FROM products WHERE ref LIKE 'BULK-%'").Row()
	if err := row.Scan(&n); err != nil || n != 10000 {
		t.Fatalf("products: %d %v", n, err)
	}
	if err := a.db.Gorm.Raw("SELECT label, unit_price FROM products WHERE ref = 'BULK-09990'").Row().Scan(&label, &price); err != nil ||
		label != "Bulk product 9990" || !strings.HasPrefix(price, "490.25") {
		t.Fatalf("an updated product: %q %q %v", label, price, err)
	}
	if err := a.db.Gorm.Raw("SELECT COUNT(*) FROM thirdparties WHERE code LIKE 'BULK-%' AND is_customer").Row().Scan(&n); err != nil || n != 10000 {
		t.Fatalf("third parties: %d %v", n, err)
	}
}
