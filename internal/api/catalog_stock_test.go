package api_test

import (
	"context"
	"encoding/json"
	"errors"
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

// stockAuth is the authenticator's test double: the token names the
// permissions, comma-separated ("all" for every one).
type stockAuth struct{}

func (stockAuth) Authenticate(_ context.Context, token string) (domain.Principal, error) {
	switch token {
	case "bad":
		return domain.Principal{}, errors.New("bad token")
	case "all":
		return domain.Principal{UserID: 42, Login: "admin", Permissions: domain.AllPermissions()}, nil
	}
	return domain.Principal{UserID: 43, Login: "limited", Permissions: strings.Split(token, ",")}, nil
}

// stockAPI is the real stack (handlers, use cases, repositories) on one
// dialect's database.
type stockAPI struct {
	e  *echo.Echo
	db *testdb.DB
}

func newStockAPI(t *testing.T, dialect string) *stockAPI {
	t.Helper()
	db := testdb.Migrated(t, dialect)
	uow := gormdb.NewUnitOfWork(db.DB)
	catalog := usecase.NewCatalogService(uow, time.Now)
	stock := usecase.NewStockService(uow, usecase.StockOptions{})
	e := api.NewServer(api.Options{Log: zerolog.Nop(), Auth: stockAuth{}},
		api.NewProductRoutes(catalog, stock), api.NewWarehouseRoutes(catalog), api.NewStockRoutes(stock))
	return &stockAPI{e: e, db: db}
}

// send makes a request with the token (none when empty).
func (a *stockAPI) send(token, method, path, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	}
	if token != "" {
		req.Header.Set(echo.HeaderAuthorization, "Bearer "+token)
	}
	req.Header.Set(echo.HeaderXRequestID, "req-"+strings.NewReplacer("/", "-", "?", "-", "=", "-", "&", "-").Replace(path))
	rec := httptest.NewRecorder()
	a.e.ServeHTTP(rec, req)
	return rec
}

// ok sends as "all" and decodes a JSON answer of the given status.
func (a *stockAPI) ok(t *testing.T, status int, method, path, body string) map[string]any {
	t.Helper()
	rec := a.send("all", method, path, body)
	if rec.Code != status {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, rec.Code, status, rec.Body)
	}
	var out map[string]any
	if status != http.StatusNoContent {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, rec.Body)
		}
	}
	return out
}

// problem sends as "all" and checks a problem+json answer: status, the last
// segment of its type and, if given, the invalid fields it names.
func (a *stockAPI) problem(t *testing.T, status int, code, method, path, body string, fields ...string) {
	t.Helper()
	rec := a.send("all", method, path, body)
	checkProblem(t, rec, status, code, fields...)
}

func checkProblem(t *testing.T, rec *httptest.ResponseRecorder, status int, code string, fields ...string) {
	t.Helper()
	if rec.Code != status || !strings.HasPrefix(rec.Header().Get(echo.HeaderContentType), "application/problem+json") {
		t.Fatalf("status %d (%s), want %d problem+json: %s", rec.Code, rec.Header().Get(echo.HeaderContentType), status, rec.Body)
	}
	var p api.Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Type != api.ProblemTypeBase+code || p.RequestID == "" {
		t.Fatalf("problem %+v, want type …/%s with a request id", p, code)
	}
	for _, f := range fields {
		found := false
		for _, fe := range p.Errors {
			found = found || fe.Field == f
		}
		if !found {
			t.Errorf("problem %s does not name field %s", rec.Body, f)
		}
	}
}

// ledger is the number of rows of the stock tables: a refused request must
// not change it.
func (a *stockAPI) ledger(t *testing.T) string {
	t.Helper()
	var out []string
	for _, table := range []string{"products", "warehouses", "stock_levels", "stock_movements"} {
		var n int64
		if err := a.db.Gorm.Table(table).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s=%d", table, n))
	}
	return strings.Join(out, " ")
}

func idOf(m map[string]any) int64 { return int64(m["id"].(float64)) }

func TestCatalogAndStockAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newStockAPI(t, d)
			t.Run("products", func(t *testing.T) { productsAPI(t, a) })
			t.Run("warehouses", func(t *testing.T) { warehousesAPI(t, a) })
			t.Run("stock", func(t *testing.T) { stockOperationsAPI(t, a) })
			t.Run("bad stock input", func(t *testing.T) { badStockInput(t, a) })
			t.Run("permissions", func(t *testing.T) { stockPermissions(t, a) })
		})
	}
}

func productsAPI(t *testing.T, a *stockAPI) {
	p := a.ok(t, 201, "POST", "/api/v1/products", `{"ref": "CHAIR", "label": "Chair", "unit_price": "49.9", "vat_rate": 20, "cost_price": 0.000125}`)
	if p["type"] != "product" || p["track_stock"] != true || p["active"] != true || p["unit_price"] != "49.90" ||
		p["vat_rate"] != "20" || p["cost_price"] != "0.000125" || p["created_at"] == "" {
		t.Fatalf("created %v", p)
	}
	id := idOf(p)
	rec := a.send("all", "POST", "/api/v1/products", `{"ref": "SVC", "label": "Assembly", "type": "service", "unit_price": 30}`)
	if rec.Code != 201 || !strings.Contains(rec.Body.String(), `"track_stock":false`) || !strings.HasPrefix(rec.Header().Get("Location"), "/api/v1/products/") {
		t.Fatalf("service: %d %s", rec.Code, rec.Body)
	}
	a.ok(t, 201, "POST", "/api/v1/products", `{"ref": "TABLE", "label": "Oak table", "unit_price": "300"}`)

	before := a.ledger(t)
	a.problem(t, 409, "duplicate-ref", "POST", "/api/v1/products", `{"ref": "CHAIR", "label": "Again"}`)
	a.problem(t, 422, "validation", "POST", "/api/v1/products", `{"label": "", "unit_price": "abc", "vat_rate": 150, "cost_price": "-1"}`,
		"ref", "label", "unit_price")
	a.problem(t, 422, "validation", "POST", "/api/v1/products", `{"ref": "X", "label": "X", "unit_price": "1.1234567", "vat_rate": "100.00001", "cost_price": "-1"}`,
		"unit_price", "vat_rate", "cost_price")
	a.problem(t, 422, "validation", "POST", "/api/v1/products", `{"ref": "X", "label": "X", "unit_price": 1e14}`, "unit_price")
	a.problem(t, 422, "validation", "POST", "/api/v1/products", `{"ref": "X", "label": "X", "type": "service", "track_stock": true}`, "track_stock")
	a.problem(t, 422, "validation", "POST", "/api/v1/products", `{"ref": "X", "label": "X", "type": "gadget"}`, "type")
	a.problem(t, 400, "malformed-request", "POST", "/api/v1/products", `{"ref": "X",`)
	if a.ledger(t) != before {
		t.Fatal("a refused product was written")
	}

	list := a.ok(t, 200, "GET", "/api/v1/products?sort=-ref&limit=2", "")
	items := list["items"].([]any)
	if list["total"] != 3.0 || len(items) != 2 || items[0].(map[string]any)["ref"] != "TABLE" || list["limit"] != 2.0 {
		t.Fatalf("list %v", list)
	}
	if l := a.ok(t, 200, "GET", "/api/v1/products?sort=unit_price&offset=1", ""); l["items"].([]any)[0].(map[string]any)["ref"] != "CHAIR" {
		t.Fatalf("sorted by price (30 < 49.9 < 300, not as text): %v", l)
	}
	if l := a.ok(t, 200, "GET", "/api/v1/products?q=oak", ""); l["total"] != 1.0 {
		t.Fatalf("search: %v", l)
	}
	if l := a.ok(t, 200, "GET", "/api/v1/products?type=service&active=true", ""); l["total"] != 1.0 {
		t.Fatalf("filter: %v", l)
	}
	a.problem(t, 422, "validation", "GET", "/api/v1/products?sort=cost_price&type=x&active=maybe&limit=501", "", "sort", "type", "active", "limit")

	got := a.ok(t, 200, "GET", fmt.Sprintf("/api/v1/products/%d", id), "")
	if got["stock_total"] != "0" || len(got["stock"].([]any)) != 0 || got["ref"] != "CHAIR" {
		t.Fatalf("get %v", got)
	}
	a.problem(t, 404, "not-found", "GET", "/api/v1/products/987654", "")
	a.problem(t, 404, "not-found", "GET", "/api/v1/products/abc", "")

	upd := a.ok(t, 200, "PATCH", fmt.Sprintf("/api/v1/products/%d", id), `{"label": "Dining chair", "unit_price": 55}`)
	if upd["label"] != "Dining chair" || upd["unit_price"] != "55.00" || upd["ref"] != "CHAIR" || upd["cost_price"] != "0.000125" {
		t.Fatalf("patched %v", upd)
	}
	a.problem(t, 422, "validation", "PATCH", fmt.Sprintf("/api/v1/products/%d", id), `{"type": "service"}`, "type")
	a.problem(t, 409, "duplicate-ref", "PATCH", fmt.Sprintf("/api/v1/products/%d", id), `{"ref": "TABLE"}`)
	a.problem(t, 404, "not-found", "PATCH", "/api/v1/products/987654", `{"label": "x"}`)

	tmp := a.ok(t, 201, "POST", "/api/v1/products", `{"ref": "TMP", "label": "Temporary"}`)
	a.ok(t, 204, "DELETE", fmt.Sprintf("/api/v1/products/%d", idOf(tmp)), "")
	a.problem(t, 404, "not-found", "DELETE", fmt.Sprintf("/api/v1/products/%d", idOf(tmp)), "")
}

func warehousesAPI(t *testing.T, a *stockAPI) {
	w := a.ok(t, 201, "POST", "/api/v1/warehouses", `{"ref": "MAIN", "label": "Main warehouse"}`)
	a.ok(t, 201, "POST", "/api/v1/warehouses", `{"ref": "SHOP", "label": "Shop"}`)
	a.problem(t, 409, "duplicate-ref", "POST", "/api/v1/warehouses", `{"ref": "MAIN", "label": "Again"}`)
	a.problem(t, 422, "validation", "POST", "/api/v1/warehouses", `{"ref": "  "}`, "ref", "label")
	if l := a.ok(t, 200, "GET", "/api/v1/warehouses?q=sho&sort=-id", ""); l["total"] != 1.0 {
		t.Fatalf("search: %v", l)
	}
	path := fmt.Sprintf("/api/v1/warehouses/%d", idOf(w))
	if got := a.ok(t, 200, "PATCH", path, `{"label": "Main"}`); got["label"] != "Main" || got["ref"] != "MAIN" {
		t.Fatalf("patched %v", got)
	}
	if got := a.ok(t, 200, "GET", path, ""); got["label"] != "Main" {
		t.Fatalf("get %v", got)
	}
	a.problem(t, 404, "not-found", "GET", "/api/v1/warehouses/987654", "")
	tmp := a.ok(t, 201, "POST", "/api/v1/warehouses", `{"ref": "TMP", "label": "Temporary"}`)
	a.ok(t, 204, "DELETE", fmt.Sprintf("/api/v1/warehouses/%d", idOf(tmp)), "")
}

// refID finds the id of a product or warehouse by its ref.
func (a *stockAPI) refID(t *testing.T, kind, ref string) int64 {
	t.Helper()
	l := a.ok(t, 200, "GET", "/api/v1/"+kind+"?q="+ref, "")
	for _, it := range l["items"].([]any) {
		if m := it.(map[string]any); m["ref"] == ref {
			return idOf(m)
		}
	}
	t.Fatalf("no %s %s", kind, ref)
	return 0
}

func stockOperationsAPI(t *testing.T, a *stockAPI) {
	chair, main, shop := a.refID(t, "products", "CHAIR"), a.refID(t, "warehouses", "MAIN"), a.refID(t, "warehouses", "SHOP")

	m := a.ok(t, 201, "POST", "/api/v1/stock/movements",
		fmt.Sprintf(`{"product_id": %d, "warehouse_id": %d, "qty": 10, "unit_cost": "12.5", "label": "Delivery 1"}`, chair, main))
	if m["qty"] != "10" || m["balance_after"] != "10" || m["unit_cost"] != "12.50" || m["label"] != "Delivery 1" ||
		m["origin_type"] != "manual" || m["origin_id"] != nil || m["user_id"] != 42.0 ||
		m["request_id"] != "req--api-v1-stock-movements" || m["id"] == nil || m["created_at"] == "" {
		t.Fatalf("movement %v", m)
	}
	if p := a.ok(t, 200, "GET", fmt.Sprintf("/api/v1/products/%d", chair), ""); p["cost_price"] != "12.50" {
		t.Fatalf("average cost after the receipt: %v", p)
	}
	m = a.ok(t, 201, "POST", "/api/v1/stock/movements", fmt.Sprintf(`{"product_id": %d, "warehouse_id": %d, "qty": "-2.5"}`, chair, main))
	if m["balance_after"] != "7.5" || m["unit_cost"] != nil || m["label"] != "Manual movement" {
		t.Fatalf("debit %v", m)
	}
	if got := a.ok(t, 200, "GET", fmt.Sprintf("/api/v1/stock/movements/%d", idOf(m)), ""); got["qty"] != "-2.5" {
		t.Fatalf("get movement %v", got)
	}

	before := a.ledger(t)
	a.problem(t, 409, "insufficient-stock", "POST", "/api/v1/stock/movements", fmt.Sprintf(`{"product_id": %d, "warehouse_id": %d, "qty": -7.6}`, chair, main))
	a.problem(t, 409, "insufficient-stock", "POST", "/api/v1/stock/transfers",
		fmt.Sprintf(`{"product_id": %d, "from_warehouse_id": %d, "to_warehouse_id": %d, "qty": 8}`, chair, main, shop))
	if a.ledger(t) != before {
		t.Fatal("a refused debit wrote something")
	}

	tr := a.ok(t, 201, "POST", "/api/v1/stock/transfers",
		fmt.Sprintf(`{"product_id": %d, "from_warehouse_id": %d, "to_warehouse_id": %d, "qty": "3", "label": "To the shop"}`, chair, main, shop))
	legs := tr["movements"].([]any)
	if len(legs) != 2 || legs[0].(map[string]any)["balance_after"] != "4.5" || legs[1].(map[string]any)["balance_after"] != "3" ||
		legs[1].(map[string]any)["origin_type"] != "transfer" {
		t.Fatalf("transfer %v", tr)
	}

	inv := a.ok(t, 201, "POST", "/api/v1/stock/inventories",
		fmt.Sprintf(`{"warehouse_id": %d, "label": "Year end", "lines": [{"product_id": %d, "counted_qty": "4"}]}`, shop, chair))
	if ms := inv["movements"].([]any); len(ms) != 1 || ms[0].(map[string]any)["qty"] != "1" || ms[0].(map[string]any)["balance_after"] != "4" {
		t.Fatalf("inventory %v", inv)
	}
	if inv := a.ok(t, 201, "POST", "/api/v1/stock/inventories",
		fmt.Sprintf(`{"warehouse_id": %d, "lines": [{"product_id": %d, "counted_qty": 4}]}`, shop, chair)); len(inv["movements"].([]any)) != 0 {
		t.Fatalf("a count equal to the stock wrote %v", inv)
	}

	p := a.ok(t, 200, "GET", fmt.Sprintf("/api/v1/products/%d", chair), "")
	if p["stock_total"] != "8.5" || len(p["stock"].([]any)) != 2 {
		t.Fatalf("product stock %v", p)
	}
	s := a.ok(t, 200, "GET", fmt.Sprintf("/api/v1/products/%d/stock", chair), "")
	if s["stock_total"] != "8.5" || s["stock"].([]any)[0].(map[string]any)["warehouse_id"] != float64(main) {
		t.Fatalf("product stock endpoint %v", s)
	}
	a.problem(t, 404, "not-found", "GET", "/api/v1/products/987654/stock", "")

	h := a.ok(t, 200, "GET", fmt.Sprintf("/api/v1/stock/movements?product_id=%d&warehouse_id=%d", chair, main), "")
	if h["total"] != 3.0 || h["items"].([]any)[0].(map[string]any)["qty"] != "-3" {
		t.Fatalf("history (newest first) %v", h)
	}
	if h := a.ok(t, 200, "GET", fmt.Sprintf("/api/v1/stock/movements?product_id=%d&sort=id&limit=1&offset=1", chair), ""); h["total"] != 5.0 ||
		h["items"].([]any)[0].(map[string]any)["qty"] != "-2.5" {
		t.Fatalf("history page %v", h)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	if h := a.ok(t, 200, "GET", "/api/v1/stock/movements?origin_type=inventory&from="+today+"&to="+today, ""); h["total"] != 1.0 {
		t.Fatalf("today's inventory movements %v", h)
	}
	if h := a.ok(t, 200, "GET", "/api/v1/stock/movements?to="+today+"T00:00:00Z", ""); h["total"] != 0.0 {
		t.Fatalf("movements before today %v", h)
	}
	a.problem(t, 422, "validation", "GET", "/api/v1/stock/movements?product_id=x&from=yesterday&sort=qty", "", "product_id", "from", "sort")
	a.problem(t, 404, "not-found", "GET", "/api/v1/stock/movements/987654", "")

	a.problem(t, 409, "has-movements", "DELETE", fmt.Sprintf("/api/v1/products/%d", chair), "")
	a.problem(t, 409, "has-movements", "DELETE", fmt.Sprintf("/api/v1/warehouses/%d", main), "")
}

// Bad input is a 4xx problem, never a 500, and writes nothing.
func badStockInput(t *testing.T, a *stockAPI) {
	chair, svc, main, shop := a.refID(t, "products", "CHAIR"), a.refID(t, "products", "SVC"), a.refID(t, "warehouses", "MAIN"), a.refID(t, "warehouses", "SHOP")
	mv := func(fields string) string {
		return fmt.Sprintf(`{"product_id": %d, "warehouse_id": %d, %s}`, chair, main, fields)
	}
	before := a.ledger(t)
	for _, c := range []struct {
		status int
		code   string
		path   string
		body   string
		fields []string
	}{
		{422, "validation", "/stock/movements", mv(`"qty": 0`), []string{"qty"}},
		{422, "validation", "/stock/movements", mv(`"qty": "0.000"`), []string{"qty"}},
		{422, "validation", "/stock/movements", mv(`"qty": "abc"`), []string{"qty"}},
		{422, "validation", "/stock/movements", mv(`"qty": true`), []string{"qty"}},
		{422, "validation", "/stock/movements", mv(`"qty": "1e3x"`), []string{"qty"}},
		{422, "validation", "/stock/movements", mv(`"label": "no qty"`), []string{"qty"}},
		{422, "validation", "/stock/movements", mv(`"qty": "1.0000001"`), []string{"qty"}},
		{422, "validation", "/stock/movements", mv(`"qty": 1e20`), []string{"qty"}},
		{422, "validation", "/stock/movements", mv(`"qty": -1, "unit_cost": 5`), []string{"unit_cost"}},
		{422, "validation", "/stock/movements", mv(`"qty": 1, "unit_cost": "cheap"`), []string{"unit_cost"}},
		{422, "validation", "/stock/movements", mv(`"qty": 1, "label": "` + strings.Repeat("x", 256) + `"`), []string{"label"}},
		{422, "validation", "/stock/movements", `{"qty": 1}`, []string{"product_id", "warehouse_id"}},
		{400, "malformed-request", "/stock/movements", `{"product_id": "one", "warehouse_id": 1, "qty": 1}`, nil},
		{400, "malformed-request", "/stock/movements", `[1, 2]`, nil},
		{404, "not-found", "/stock/movements", fmt.Sprintf(`{"product_id": 987654, "warehouse_id": %d, "qty": 1}`, main), nil},
		{404, "not-found", "/stock/movements", fmt.Sprintf(`{"product_id": %d, "warehouse_id": 987654, "qty": 1}`, chair), nil},
		{422, "validation", "/stock/movements", fmt.Sprintf(`{"product_id": %d, "warehouse_id": %d, "qty": 1}`, svc, main), []string{"product_id"}},
		{422, "validation", "/stock/transfers", fmt.Sprintf(`{"product_id": %d, "from_warehouse_id": %d, "to_warehouse_id": %d, "qty": 1}`, chair, main, main), []string{"to_warehouse_id"}},
		{422, "validation", "/stock/transfers", fmt.Sprintf(`{"product_id": %d, "from_warehouse_id": %d, "to_warehouse_id": %d, "qty": -1}`, chair, main, shop), []string{"qty"}},
		{422, "validation", "/stock/transfers", fmt.Sprintf(`{"product_id": %d, "from_warehouse_id": %d, "to_warehouse_id": %d, "qty": 1}`, svc, main, shop), []string{"product_id"}},
		{404, "not-found", "/stock/transfers", fmt.Sprintf(`{"product_id": %d, "from_warehouse_id": %d, "to_warehouse_id": 987654, "qty": 1}`, chair, main), nil},
		{422, "validation", "/stock/inventories", fmt.Sprintf(`{"warehouse_id": %d, "lines": []}`, main), []string{"lines"}},
		{422, "validation", "/stock/inventories", fmt.Sprintf(`{"warehouse_id": %d, "lines": [{"product_id": %d, "counted_qty": -1}]}`, main, chair), []string{"lines[0].counted_qty"}},
		{422, "validation", "/stock/inventories", fmt.Sprintf(`{"warehouse_id": %d, "lines": [{"product_id": %d}]}`, main, chair), []string{"lines[0].counted_qty"}},
		{422, "validation", "/stock/inventories", fmt.Sprintf(`{"warehouse_id": %d, "lines": [{"product_id": %d, "counted_qty": 1}, {"product_id": %d, "counted_qty": 2}]}`, main, chair, chair), []string{"lines[1].product_id"}},
		{422, "validation", "/stock/inventories", fmt.Sprintf(`{"warehouse_id": %d, "lines": [{"product_id": %d, "counted_qty": 1}]}`, main, svc), []string{"product_id"}},
	} {
		t.Run(c.path+" "+c.body, func(t *testing.T) {
			a.problem(t, c.status, c.code, "POST", "/api/v1"+c.path, c.body, c.fields...)
		})
	}
	if a.ledger(t) != before {
		t.Fatal("bad input wrote something")
	}
}

func stockPermissions(t *testing.T, a *stockAPI) {
	for _, c := range []struct {
		token, method, path string
		status              int
	}{
		{"", "GET", "/api/v1/products", 401},
		{"bad", "GET", "/api/v1/products", 401},
		{"stock:read", "GET", "/api/v1/products", 403},
		{"products:read", "GET", "/api/v1/products", 200},
		{"products:read", "POST", "/api/v1/products", 403},
		{"products:read", "GET", "/api/v1/warehouses", 403},
		{"stock:read", "GET", "/api/v1/warehouses", 200},
		{"stock:read", "POST", "/api/v1/warehouses", 403},
		{"products:write", "POST", "/api/v1/stock/movements", 403},
		{"stock:read", "POST", "/api/v1/stock/transfers", 403},
		{"stock:read", "POST", "/api/v1/stock/inventories", 403},
		{"stock:read", "GET", "/api/v1/stock/movements", 200},
	} {
		rec := a.send(c.token, c.method, c.path, "{}")
		if rec.Code != c.status {
			t.Errorf("%s %s as %q: %d, want %d", c.method, c.path, c.token, rec.Code, c.status)
		}
	}
}

// Every route of the catalog and stock areas is described in the OpenAPI
// document, with its method.
func TestCatalogAndStockOpenAPI(t *testing.T) {
	if n := checkRoutesDocumented(t, api.NewProductRoutes(nil, nil), api.NewWarehouseRoutes(nil), api.NewStockRoutes(nil)); n != 16 {
		t.Errorf("%d routes checked, want 16", n)
	}
}
