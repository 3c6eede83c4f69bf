package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// Every list and report answers CSV: the OpenAPI merge documents text/csv on
// each GET whose JSON answer has items[], and each of those routes, asked
// with Accept: text/csv on the whole API, answers 200 CSV with a header row
// (a list added with its JSON answer only fails here), on every dialect.
func TestEveryListAnswersCSV(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) { everyListAnswersCSV(t, d) })
	}
}

func everyListAnswersCSV(t *testing.T, dialect string) {
	cfg := testConfig(t, dialect, testdb.Fresh(t, dialect))
	cfg.WebhookAllowPrivate = true // a subscription to this machine, for its lists
	base, _ := startAPI(t, cfg)
	s, b := call(t, "POST", base+"/api/v1/auth/login", "", `{"login":"admin","password":"first-admin-pw"}`)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(b, &tok); s != http.StatusOK || err != nil {
		t.Fatalf("login %d %s", s, b)
	}
	create := func(path, body string) string {
		t.Helper()
		s, b := call(t, "POST", base+"/api/v1"+path, tok.AccessToken, body)
		var out struct {
			ID int64 `json:"id"`
		}
		if err := json.Unmarshal(b, &out); s != http.StatusCreated || err != nil || out.ID == 0 {
			t.Fatalf("POST %s: %d %s", path, s, b)
		}
		return fmt.Sprint(out.ID)
	}
	party := create("/thirdparties", `{"name": "Both, \"Ltd\"", "is_customer": true, "is_supplier": true}`)
	product := create("/products", `{"ref": "P1", "label": "Bolt", "unit_price": "0.50"}`)
	warehouse := create("/warehouses", `{"ref": "W1", "label": "Main"}`)
	create("/stock/movements", `{"product_id": `+product+`, "warehouse_id": `+warehouse+`, "qty": "3", "unit_cost": "0.2"}`)
	create("/supplier-prices", `{"product_id": `+product+`, "supplier_id": `+party+`, "unit_price": "0.12", "min_qty": "1", "vat_rate": "20"}`)
	lines := fmt.Sprintf(`"lines": [{"product_id": %s, "qty": "2", "unit_price": "1.25", "vat_rate": "20"}]`, product)
	ids := map[string]string{ // the {id} of each resource the listed sub-collections hang from
		"thirdparties":      party,
		"proposals":         create("/proposals", `{"thirdparty_id": `+party+`, `+lines+`}`),
		"orders":            create("/orders", `{"thirdparty_id": `+party+`, `+lines+`}`),
		"invoices":          create("/invoices", `{"thirdparty_id": `+party+`, `+lines+`}`),
		"purchase-orders":   create("/purchase-orders", `{"supplier_id": `+party+`, `+lines+`}`),
		"supplier-invoices": create("/supplier-invoices", `{"supplier_id": `+party+`, `+lines+`}`),
		"webhooks":          create("/webhooks", `{"url": "http://127.0.0.1:9/hook", "events": ["invoice.validated"]}`),
		// The default account: the payment below lands on it.
		"bank-accounts": create("/bank-accounts", `{"ref": "BNK", "label": "Bank, \"main\"", "currency": "EUR", "opening_date": "2000-01-01"}`),
	}
	// Rows in more lists: a contact, a BOM and its order, a template, a
	// validated invoice (a job, a payment, the sales reports).
	create("/thirdparties/"+party+"/contacts", `{"first_name": "Ann", "last_name": "Lee, \"Jr\""}`)
	part := create("/products", `{"ref": "P2", "label": "Nut"}`)
	bom := create("/boms", `{"ref": "B1", "product_id": `+product+`, "qty": "1", "lines": [{"product_id": `+part+`, "qty": "2"}]}`)
	create("/manufacturing-orders", `{"bom_id": `+bom+`, "qty": "1", "warehouse_id": `+warehouse+`}`)
	create("/invoice-templates", `{"thirdparty_id": `+party+`, "frequency": "monthly", "next_date": "2099-01-31", `+lines+`}`)
	if s, b := call(t, "POST", base+"/api/v1/invoices/"+ids["invoices"]+"/validate", tok.AccessToken, `{"warehouse_id": `+warehouse+`}`); s != http.StatusOK {
		t.Fatalf("validate: %d %s", s, b)
	}
	create("/invoices/"+ids["invoices"]+"/payments", `{"amount": "1.00", "method": "bank_transfer"}`)

	raw, err := api.OpenAPIDocument()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]struct {
			Get struct {
				Parameters []struct {
					Name     string `json:"name"`
					In       string `json:"in"`
					Required bool   `json:"required"`
					Schema   struct {
						Example any `json:"example"`
					} `json:"schema"`
				} `json:"parameters"`
				Responses map[string]struct {
					Content map[string]json.RawMessage `json:"content"`
				} `json:"responses"`
			} `json:"get"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var lists []string
	query := map[string]string{} // required query parameters, from their examples
	for path, item := range doc.Paths {
		for _, p := range item.Get.Parameters {
			if p.In == "query" && p.Required {
				if p.Schema.Example == nil {
					t.Errorf("GET %s: required parameter %s has no example to ask with", path, p.Name)
				}
				query[path] += fmt.Sprintf("&%s=%v", p.Name, p.Schema.Example)
			}
		}
		content := item.Get.Responses["200"].Content
		var js struct {
			Schema struct {
				Properties map[string]struct {
					Type string `json:"type"`
				} `json:"properties"`
			} `json:"schema"`
		}
		_ = json.Unmarshal(content["application/json"], &js)
		isList := js.Schema.Properties["items"].Type == "array"
		if _, csvDocumented := content["text/csv"]; isList != csvDocumented {
			t.Errorf("GET %s: a list (items[]) is %v, text/csv documented is %v", path, isList, csvDocumented)
		}
		if isList {
			lists = append(lists, path)
		}
	}
	sort.Strings(lists)
	if len(lists) < 30 {
		t.Fatalf("only %d lists and reports documented: %q", len(lists), lists)
	}
	checked := 0
	for _, path := range lists {
		url := path
		if strings.Contains(path, "{id}") {
			resource := strings.Split(strings.TrimPrefix(path, "/api/v1/"), "/")[0]
			id, ok := ids[resource]
			if !ok {
				t.Errorf("GET %s: no %s to ask for; add one to the test", path, resource)
				continue
			}
			url = strings.Replace(path, "{id}", id, 1)
		}
		if q := query[path]; q != "" {
			url += "?" + q[1:]
		}
		req, _ := http.NewRequest(http.MethodGet, base+url, nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		req.Header.Set("Accept", "text/csv")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != api.MIMETextCSV {
			t.Errorf("GET %s as CSV: %d %s: %.300s", url, res.StatusCode, res.Header.Get("Content-Type"), body)
			continue
		}
		recs, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
		if err != nil || len(recs) == 0 || len(recs[0]) == 0 {
			t.Errorf("GET %s as CSV: no header row (%v): %.300s", url, err, body)
			continue
		}
		// The columns are the JSON item's fields holding one value each. The
		// JSON is asked for its largest page, so that a list longer than the
		// default page (the permission catalogue) shows as many rows as the
		// CSV, which has no page.
		sep := "?"
		if strings.Contains(url, "?") {
			sep = "&"
		}
		s, b := call(t, "GET", base+url+sep+"limit=500", tok.AccessToken, "")
		var js struct {
			Items []map[string]json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(b, &js); s != http.StatusOK || err != nil {
			t.Fatalf("GET %s: %d %s", url, s, b)
		}
		if len(js.Items) != len(recs)-1 {
			t.Errorf("GET %s: %d CSV rows, %d JSON items", url, len(recs)-1, len(js.Items))
		}
		if len(js.Items) == 0 {
			continue
		}
		// Every scalar field of the JSON is a column; an object or array is
		// one only when its type writes itself as JSON (the audit's changes),
		// and then as that JSON's text, compared below like any value.
		var scalar []string
		for k, v := range js.Items[0] {
			if v[0] != '[' && v[0] != '{' {
				scalar = append(scalar, k)
			}
		}
		sort.Strings(scalar)
		header := append([]string(nil), recs[0]...)
		sort.Strings(header)
		var extra []string
		for _, col := range header {
			if _, ok := js.Items[0][col]; !ok {
				extra = append(extra, col)
			}
		}
		if missing := strings.Join(scalar, ","); len(extra) > 0 || !containsAll(header, scalar) {
			t.Errorf("GET %s: CSV columns %q, JSON item fields %q (scalar: %s)", url, header, keysOf(js.Items[0]), missing)
			continue
		}
		for i, item := range js.Items { // and the values are the JSON's, unquoted, null empty
			for c, name := range recs[0] {
				want := string(item[name])
				var str string
				switch {
				case want == "null":
					want = ""
				case json.Unmarshal(item[name], &str) == nil:
					want = str
				}
				if got := recs[i+1][c]; got != want {
					t.Errorf("GET %s: row %d, %s is %q in CSV, %q in JSON", url, i+1, name, got, want)
				}
			}
		}
		checked++
	}
	if checked < 20 {
		t.Errorf("only %d lists had rows to compare with their JSON", checked)
	}
}

func containsAll(set, want []string) bool {
	for _, w := range want {
		found := false
		for _, s := range set {
			found = found || s == w
		}
		if !found {
			return false
		}
	}
	return true
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
