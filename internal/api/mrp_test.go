package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
	"github.com/doligo/doligo/internal/usecase"
)

// newMRPAPI is the catalog and stock stack of newStockAPI plus BOMs,
// manufacturing orders and the stock valuation report.
func newMRPAPI(t *testing.T, dialect string) *stockAPI {
	t.Helper()
	db := testdb.Migrated(t, dialect)
	uow := gormdb.NewUnitOfWork(db.DB)
	catalog := usecase.NewCatalogService(uow, time.Now)
	stock := usecase.NewStockService(uow, usecase.StockOptions{})
	mrp := usecase.NewMRPService(uow, stock, time.Now)
	e := api.NewServer(api.Options{Log: zerolog.Nop(), Auth: stockAuth{}},
		api.NewProductRoutes(catalog, stock), api.NewWarehouseRoutes(catalog), api.NewStockRoutes(stock),
		api.NewBOMRoutes(mrp), api.NewManufacturingRoutes(mrp), api.NewStockReportRoutes(gormdb.NewStockReports(db.DB)))
	return &stockAPI{e: e, db: db}
}

func TestManufacturingAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newMRPAPI(t, d)
			w1 := idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/warehouses", `{"ref": "W1", "label": "Main"}`))
			w2 := idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/warehouses", `{"ref": "W2", "label": "Annex"}`))
			product := func(ref string, extra string) int64 {
				return idOf(a.ok(t, http.StatusCreated, "POST", "/api/v1/products", `{"ref": "`+ref+`", "label": "`+ref+`"`+extra+`}`))
			}
			cake, flour, sugar := product("CAKE", ""), product("FLOUR", ""), product("SUGAR", "")
			baking := product("BAKING", `, "type": "service"`)

			t.Run("BOM validation", func(t *testing.T) {
				before := a.ledger(t)
				bad := func(body string, fields ...string) {
					t.Helper()
					a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/boms", body, fields...)
				}
				bad(fmt.Sprintf(`{"ref": "B", "product_id": %d, "qty": 1, "lines": [{"product_id": %d, "qty": 1}]}`, cake, cake), "lines[0].product_id")
				bad(fmt.Sprintf(`{"ref": "B", "product_id": 999999, "qty": 1, "lines": [{"product_id": %d, "qty": 1}]}`, flour), "product_id")
				bad(fmt.Sprintf(`{"ref": "B", "product_id": %d, "qty": 1, "lines": [{"product_id": 999999, "qty": 1}, {"product_id": %d, "qty": 1}]}`, cake, baking),
					"lines[0].product_id", "lines[1].product_id")
				bad(fmt.Sprintf(`{"ref": "B", "product_id": %d, "qty": "0", "lines": [{"product_id": %d, "qty": "abc", "loss_percent": 101}]}`, cake, flour),
					"qty", "lines[0].qty", "lines[0].loss_percent")
				bad(`{"ref": "B"}`, "product_id", "qty", "lines")
				if after := a.ledger(t); after != before {
					t.Fatalf("refused BOMs changed the tables: %s → %s", before, after)
				}
			})

			// 2 cakes: 3 flour (+10 % loss) and 1 sugar.
			bom := a.ok(t, http.StatusCreated, "POST", "/api/v1/boms", fmt.Sprintf(
				`{"ref": "CAKE-2", "label": "Cake", "product_id": %d, "qty": "2", "lines": [
					{"product_id": %d, "qty": "3", "loss_percent": "10"}, {"product_id": %d, "qty": 1}]}`, cake, flour, sugar))
			bomID := idOf(bom)
			if got, _ := json.Marshal(bom["lines"]); bom["qty"] != "2" ||
				string(got) != fmt.Sprintf(`[{"loss_percent":"10","product_id":%d,"qty":"3"},{"loss_percent":"0","product_id":%d,"qty":"1"}]`, flour, sugar) {
				t.Fatalf("BOM %v", bom)
			}
			// Flour made from cake would close the cycle cake → flour → cake.
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/boms",
				fmt.Sprintf(`{"ref": "FLOUR", "product_id": %d, "qty": 1, "lines": [{"product_id": %d, "qty": 1}]}`, flour, cake), "lines[0].product_id")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "PATCH", fmt.Sprintf("/api/v1/boms/%d", bomID),
				fmt.Sprintf(`{"lines": [{"product_id": %d, "qty": 1}]}`, cake), "lines[0].product_id")
			if got := a.ok(t, http.StatusOK, "PATCH", fmt.Sprintf("/api/v1/boms/%d", bomID), `{"label": "Sponge cake"}`); got["label"] != "Sponge cake" || len(got["lines"].([]any)) != 2 {
				t.Fatalf("patched BOM %v", got)
			}
			if list := a.ok(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/boms?product_id=%d&sort=-ref", cake), ""); list["total"] != 1.0 {
				t.Fatalf("BOMs of the cake: %v", list)
			}
			a.problem(t, http.StatusNotFound, "not-found", "GET", "/api/v1/boms/999999", "")

			mo := a.ok(t, http.StatusCreated, "POST", "/api/v1/manufacturing-orders", fmt.Sprintf(`{"bom_id": %d, "qty": 1, "warehouse_id": %d}`, bomID, w1))
			moPath := fmt.Sprintf("/api/v1/manufacturing-orders/%d", idOf(mo))
			if got, _ := json.Marshal(mo["lines"]); mo["status"] != "draft" || mo["unit_cost"] != nil ||
				string(got) != fmt.Sprintf(`[{"product_id":%d,"qty":"1.65"},{"product_id":%d,"qty":"0.5"}]`, flour, sugar) {
				t.Fatalf("order %v", mo)
			}
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/manufacturing-orders",
				`{"bom_id": 999999, "qty": 0, "warehouse_id": 999999}`, "bom_id", "qty", "warehouse_id")
			a.problem(t, http.StatusUnprocessableEntity, "validation", "POST", "/api/v1/manufacturing-orders",
				fmt.Sprintf(`{"bom_id": %d, "warehouse_id": %d}`, bomID, w1), "qty")
			a.problem(t, http.StatusConflict, "illegal-transition", "POST", moPath+"/produce", "")
			if got := a.ok(t, http.StatusOK, "POST", moPath+"/validate", ""); got["status"] != "validated" || got["validated_at"] == nil {
				t.Fatalf("validated order %v", got)
			}
			a.problem(t, http.StatusConflict, "illegal-transition", "POST", moPath+"/validate", "")

			before := a.ledger(t)
			a.problem(t, http.StatusConflict, "insufficient-stock", "POST", moPath+"/produce", "")
			if after := a.ledger(t); after != before {
				t.Fatalf("a refused production changed the ledger: %s → %s", before, after)
			}
			if got := a.ok(t, http.StatusOK, "GET", moPath, ""); got["status"] != "validated" {
				t.Fatalf("order after a refused production: %v", got)
			}

			receive := func(p, w int64, qty, cost string) {
				a.ok(t, http.StatusCreated, "POST", "/api/v1/stock/movements",
					fmt.Sprintf(`{"product_id": %d, "warehouse_id": %d, "qty": %q, "unit_cost": %q}`, p, w, qty, cost))
			}
			receive(flour, w1, "10", "2")
			receive(sugar, w1, "1", "4")
			t.Run("permissions", func(t *testing.T) {
				checkProblem(t, a.send("mrp:read", "POST", "/api/v1/boms", `{}`), http.StatusForbidden, "forbidden")
				checkProblem(t, a.send("mrp:read,mrp:write", "POST", moPath+"/produce", ""), http.StatusForbidden, "forbidden")
				checkProblem(t, a.send("mrp:write,mrp:produce", "GET", moPath, ""), http.StatusForbidden, "forbidden")
				checkProblem(t, a.send("mrp:read", "GET", "/api/v1/reports/stock-valuation", ""), http.StatusForbidden, "forbidden")
				if rec := a.send("mrp:read", "GET", "/api/v1/manufacturing-orders?status=validated", ""); rec.Code != http.StatusOK {
					t.Fatalf("list as mrp:read: %d %s", rec.Code, rec.Body)
				}
			})

			// Consumed: 1.65 flour at 2 and 0.5 sugar at 4 = 5.3 for one cake.
			done := a.ok(t, http.StatusOK, "POST", moPath+"/produce", "")
			if done["status"] != "produced" || done["unit_cost"] != "5.30" || len(done["movements"].([]any)) != 3 {
				t.Fatalf("produced order %v", done)
			}
			receipt := done["movements"].([]any)[2].(map[string]any)
			if receipt["product_id"] != float64(cake) || receipt["qty"] != "1" || receipt["unit_cost"] != "5.30" ||
				receipt["origin_type"] != "manufacturing_order" || receipt["origin_id"] != float64(idOf(mo)) {
				t.Fatalf("receipt %v", receipt)
			}
			a.problem(t, http.StatusConflict, "illegal-transition", "POST", moPath+"/produce", "")
			a.problem(t, http.StatusConflict, "illegal-transition", "POST", moPath+"/cancel", "")
			a.problem(t, http.StatusConflict, "in-use", "DELETE", fmt.Sprintf("/api/v1/boms/%d", bomID), "")
			if list := a.ok(t, http.StatusOK, "GET", "/api/v1/manufacturing-orders?status=produced", ""); list["total"] != 1.0 {
				t.Fatalf("produced orders: %v", list)
			}
			a.problem(t, http.StatusUnprocessableEntity, "validation", "GET", "/api/v1/manufacturing-orders?status=done", "", "status")

			t.Run("stock valuation", func(t *testing.T) {
				// Flour's average: (8.35 × 2 + 5 × 3.2) / 13.35 = 2.4494382… → 2.449438.
				receive(flour, w2, "5", "3.2")
				// A level back to zero is left out.
				eggs := product("EGGS", "")
				receive(eggs, w1, "6", "0.3")
				a.ok(t, http.StatusCreated, "POST", "/api/v1/stock/movements", fmt.Sprintf(`{"product_id": %d, "warehouse_id": %d, "qty": -6}`, eggs, w1))

				got := a.send("all", "GET", "/api/v1/reports/stock-valuation", "")
				item := `{"product_id":%d,"ref":"%s","label":"%[2]s","warehouse_id":%d,"qty":"%s","average_cost":"%s","value":"%s"}`
				want := `{"items":[` + strings.Join([]string{
					fmt.Sprintf(item, cake, "CAKE", w1, "1", "5.30", "5.30"),
					fmt.Sprintf(item, flour, "FLOUR", w1, "8.35", "2.449438", "20.452807"), // 20.4528073
					fmt.Sprintf(item, flour, "FLOUR", w2, "5", "2.449438", "12.24719"),
					fmt.Sprintf(item, sugar, "SUGAR", w1, "0.5", "4.00", "2.00"),
				}, ",") + `],"totals":{"qty":"14.85","value":"39.999997"}}`
				if got.Code != http.StatusOK || got.Body.String() != want {
					t.Fatalf("valuation %d:\n%s\nwant\n%s", got.Code, got.Body, want)
				}
				one := a.ok(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/reports/stock-valuation?warehouse_id=%d", w2), "")
				if b, _ := json.Marshal(one); string(b) != fmt.Sprintf(`{"items":[{"average_cost":"2.449438","label":"FLOUR","product_id":%d,"qty":"5","ref":"FLOUR","value":"12.24719","warehouse_id":%d}],"totals":{"qty":"5","value":"12.24719"}}`, flour, w2) {
					t.Fatalf("valuation of W2: %s", b)
				}
				none := a.ok(t, http.StatusOK, "GET", "/api/v1/reports/stock-valuation?warehouse_id=999999", "")
				if b, _ := json.Marshal(none); string(b) != `{"items":[],"totals":{"qty":"0","value":"0.00"}}` {
					t.Fatalf("valuation of no warehouse: %s", b)
				}
				a.problem(t, http.StatusUnprocessableEntity, "validation", "GET", "/api/v1/reports/stock-valuation?warehouse_id=x", "", "warehouse_id")
			})
		})
	}
}

// Every route of the BOM, manufacturing and stock report areas is described
// in the OpenAPI document, with its method.
func TestManufacturingOpenAPI(t *testing.T) {
	if n := checkRoutesDocumented(t, api.NewBOMRoutes(nil), api.NewManufacturingRoutes(nil), api.NewStockReportRoutes(nil)); n != 12 {
		t.Errorf("%d routes checked, want 12", n)
	}
}

// checkRoutesDocumented reports every /api/v1 route of the areas that the
// OpenAPI document does not describe with its method, and returns how many
// routes it checked.
func checkRoutesDocumented(t *testing.T, areas ...api.Routes) int {
	t.Helper()
	doc, err := api.OpenAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	var spec struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(doc, &spec); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, r := range api.NewServer(api.Options{}, areas...).Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") || r.Path == "/api/v1/openapi.json" {
			continue
		}
		n++
		p := strings.ReplaceAll(r.Path, ":id", "{id}")
		if _, ok := spec.Paths[p][strings.ToLower(r.Method)]; !ok {
			t.Errorf("%s %s is not in the OpenAPI document", r.Method, p)
		}
	}
	return n
}
