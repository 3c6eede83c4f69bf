package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/doligo/doligo/internal/api"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

// strictClient talks to a running API as the bootstrap administrator.
type strictClient struct {
	t     *testing.T
	base  string
	token string
}

// send makes a request with a raw body and Content-Type (none when empty).
func (c *strictClient) send(method, path, ctype, body string) (int, http.Header, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

// ok sends JSON and decodes an answer of the given status.
func (c *strictClient) ok(status int, method, path, body string) map[string]any {
	c.t.Helper()
	s, _, b := c.send(method, path, "application/json", body)
	if s != status {
		c.t.Fatalf("%s %s: %d, want %d: %s", method, path, s, status, b)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		c.t.Fatalf("%s %s: %v: %s", method, path, err, b)
	}
	return out
}

// problem checks a problem+json answer: its status, the last segment of its
// type, the field it names (if any), and a detail that names no Go type.
func (c *strictClient) problem(status int, code, field, method, path, ctype, body string) {
	c.t.Helper()
	s, h, b := c.send(method, path, ctype, body)
	if s != status || h.Get("Content-Type") != "application/problem+json" {
		c.t.Errorf("%s %s %q (%s): %d %s, want %d problem+json: %s", method, path, body, ctype, s, h.Get("Content-Type"), status, b)
		return
	}
	var p api.Problem
	if err := json.Unmarshal(b, &p); err != nil {
		c.t.Fatal(err)
	}
	if p.Type != api.ProblemTypeBase+code {
		c.t.Errorf("%s %s %q: type %s, want …/%s: %s", method, path, body, p.Type, code, b)
	}
	for _, goish := range []string{"Go ", "struct", "int64", "Request", "json:"} {
		if strings.Contains(p.Detail, goish) {
			c.t.Errorf("%s %s %q: detail names Go types: %s", method, path, body, p.Detail)
		}
	}
	if field == "" {
		return
	}
	for _, fe := range p.Errors {
		if fe.Field == field {
			return
		}
	}
	c.t.Errorf("%s %s %q: problem does not name %s: %s", method, path, body, field, b)
}

// rows is what the lists hold: a refused request must change none of it.
func (c *strictClient) rows(tp string) string {
	c.t.Helper()
	var out []string
	for _, p := range []string{"/thirdparties", "/thirdparties/" + tp + "/contacts", "/products", "/warehouses", "/stock/movements",
		"/invoices", "/users", "/boms", "/manufacturing-orders"} {
		out = append(out, fmt.Sprintf("%s=%v", p, c.ok(http.StatusOK, "GET", "/api/v1"+p, "")["total"]))
	}
	return strings.Join(out, " ")
}

// strictEndpoint is a body to send with one string field set to $V (its JSON
// literal) under the key $F: field is that field's path in error answers.
type strictEndpoint struct {
	method, path, body, field string
}

func (e strictEndpoint) with(key, value string) string {
	return strings.NewReplacer("$F", key, "$V", value).Replace(e.body)
}

// key is the last segment of the field's path; sibling names another field
// at the same place.
func (e strictEndpoint) key() string { return e.field[strings.LastIndex(e.field, ".")+1:] }
func (e strictEndpoint) sibling(key string) string {
	return e.field[:strings.LastIndex(e.field, ".")+1] + key
}

// Every body is strict JSON and every string, in a body or a query, obeys
// one text rule, on every endpoint and every dialect: unknown or miscased
// fields, repeated keys, trailing data, other media types, NUL and other
// control characters, invalid UTF-8 and lone surrogates are each a 4xx
// problem naming the field (never a 500: PostgreSQL refuses NUL with
// SQLSTATE 22021), and nothing is written.
func TestStrictInput(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			base, _ := startAPI(t, testConfig(t, d, testdb.Fresh(t, d)))
			c := &strictClient{t: t, base: base}
			c.token = c.ok(http.StatusOK, "POST", "/api/v1/auth/login", `{"login":"admin","password":"first-admin-pw"}`)["access_token"].(string)
			id := func(m map[string]any) string { return fmt.Sprint(int64(m["id"].(float64))) }
			// Multiline text keeps its tabs and line breaks.
			tpm := c.ok(http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "ACME", "is_customer": true, "address": "1 rue\tA\r\n75001 Paris"}`)
			if tpm["address"] != "1 rue\tA\r\n75001 Paris" {
				t.Fatalf("address %q", tpm["address"])
			}
			tp := id(tpm)
			product := id(c.ok(http.StatusCreated, "POST", "/api/v1/products", `{"ref": "P1", "label": "Flour", "unit_price": "1"}`))
			warehouse := id(c.ok(http.StatusCreated, "POST", "/api/v1/warehouses", `{"ref": "W1", "label": "Main"}`))
			invoice := `{"thirdparty_id": ` + tp + `, "date": "2026-11-28", "lines": [{"description": "Consulting\n\tday 1", "qty": "1", "unit_price": "10", "vat_rate": "0"}]}`
			draft := id(c.ok(http.StatusCreated, "POST", "/api/v1/invoices", invoice))
			valid := id(c.ok(http.StatusCreated, "POST", "/api/v1/invoices", invoice))
			c.ok(http.StatusOK, "POST", "/api/v1/invoices/"+valid+"/validate", "")
			// A charset parameter, if any, must say UTF-8.
			if s, _, b := c.send("PATCH", "/api/v1/thirdparties/"+tp, "application/json; charset=UTF-8", `{"phone": "+33 1"}`); s != http.StatusOK {
				t.Fatalf("JSON with a UTF-8 charset: %d %s", s, b)
			}
			before := c.rows(tp)

			endpoints := []strictEndpoint{
				{"POST", "/api/v1/auth/login", `{"password": "x", "$F": $V}`, "login"},
				{"POST", "/api/v1/thirdparties", `{"is_customer": true, "$F": $V}`, "name"},
				{"POST", "/api/v1/thirdparties", `{"name": "N", "$F": $V}`, "email"},
				{"PATCH", "/api/v1/thirdparties/" + tp, `{"$F": $V}`, "code"},
				{"PATCH", "/api/v1/thirdparties/" + tp, `{"$F": $V}`, "address"},
				{"POST", "/api/v1/thirdparties/" + tp + "/contacts", `{"first_name": "A", "$F": $V}`, "last_name"},
				{"POST", "/api/v1/products", `{"label": "L", "$F": $V}`, "ref"},
				{"PATCH", "/api/v1/products/" + product, `{"$F": $V}`, "label"},
				{"POST", "/api/v1/warehouses", `{"label": "L", "$F": $V}`, "ref"},
				{"POST", "/api/v1/stock/movements", `{"product_id": ` + product + `, "warehouse_id": ` + warehouse + `, "qty": "1", "$F": $V}`, "label"},
				{"POST", "/api/v1/stock/transfers", `{"product_id": ` + product + `, "from_warehouse_id": ` + warehouse + `, "to_warehouse_id": ` + warehouse + `, "qty": "1", "$F": $V}`, "label"},
				{"POST", "/api/v1/stock/inventories", `{"warehouse_id": ` + warehouse + `, "lines": [{"product_id": ` + product + `, "counted_qty": "5"}], "$F": $V}`, "label"},
				{"POST", "/api/v1/invoices", `{"thirdparty_id": ` + tp + `, "lines": [{"qty": "1", "unit_price": "1", "$F": $V}]}`, "lines[0].description"},
				{"POST", "/api/v1/invoices", `{"thirdparty_id": ` + tp + `, "$F": $V}`, "currency"},
				{"PATCH", "/api/v1/invoices/" + draft, `{"$F": $V}`, "note"},
				{"POST", "/api/v1/invoices/" + valid + "/payments", `{"amount": "1", "method": "cash", "$F": $V}`, "reference"},
				{"POST", "/api/v1/invoices/" + valid + "/send", `{"$F": $V}`, "lang"},
				{"POST", "/api/v1/users", `{"password": "long-enough-pw", "roles": ["viewer"], "$F": $V}`, "login"},
				{"PATCH", "/api/v1/users/1", `{"$F": $V}`, "email"},
				{"POST", "/api/v1/boms", `{"ref": "B1", "product_id": ` + product + `, "qty": 1, "lines": [], "$F": $V}`, "label"},
				{"POST", "/api/v1/manufacturing-orders", `{"bom_id": 1, "qty": 1, "warehouse_id": ` + warehouse + `, "$F": $V}`, "label"},
			}
			for _, e := range endpoints {
				t.Run(e.method+" "+e.path+" "+e.field, func(t *testing.T) {
					c := &strictClient{t: t, base: base, token: c.token}
					k, json := e.key(), "application/json"
					for _, bad := range []string{`"a\u0000b"`, `"a\u0007b"`, `"a\u007fb"`, `"a\u0085b"`, "\"a\xffb\"", "\"\xc3\x28\"", `"a\ud800b"`, `"\udc00"`} {
						c.problem(422, "validation", e.field, e.method, e.path, json, e.with(k, bad))
					}
					if !strings.Contains(e.field, "description") && e.field != "address" && e.field != "note" {
						// One-line text: codes, refs, names, logins, e-mails.
						c.problem(422, "validation", e.field, e.method, e.path, json, e.with(k, `"a\tb"`))
						c.problem(422, "validation", e.field, e.method, e.path, json, e.with(k, `"a\nb"`))
					}
					c.problem(422, "validation", e.sibling("emial"), e.method, e.path, json, e.with("emial", `"x"`))
					c.problem(422, "validation", e.sibling(strings.ToUpper(k[:1])+k[1:]), e.method, e.path, json, e.with(strings.ToUpper(k[:1])+k[1:], `"x"`))
					c.problem(422, "validation", e.field, e.method, e.path, json, e.with(k, `"x", "`+k+`": "y"`))
					c.problem(400, "malformed-request", "", e.method, e.path, json, e.with(k, `5`))
					c.problem(400, "malformed-request", "", e.method, e.path, json, e.with(k, `"x"`)+` {}`)
					c.problem(400, "malformed-request", "", e.method, e.path, json, e.with(k, `"x"`)+`x`)
					c.problem(400, "malformed-request", "", e.method, e.path, json, `null`)
					c.problem(400, "malformed-request", "", e.method, e.path, json, `[]`)
					for _, ct := range []string{"application/xml", "text/plain", "", "application/json; charset=latin1", "application/x-www-form-urlencoded"} {
						c.problem(415, "unsupported-media-type", "", e.method, e.path, ct, e.with(k, `"x"`))
					}
				})
			}

			t.Run("optional bodies", func(t *testing.T) {
				c := &strictClient{t: t, base: base, token: c.token}
				path := "/api/v1/invoices/" + draft + "/validate"
				c.problem(422, "validation", "warehouse", "POST", path, "application/json", `{"warehouse": 1}`)
				c.problem(400, "malformed-request", "", "POST", path, "application/json", `{"warehouse_id": 1}{}`)
				c.problem(415, "unsupported-media-type", "", "POST", path, "application/xml", `<validate/>`)
			})

			t.Run("query values", func(t *testing.T) {
				c := &strictClient{t: t, base: base, token: c.token}
				for _, q := range []struct{ path, field string }{
					{"/jobs?kind=%00", "kind"}, {"/jobs?kind=%FF", "kind"}, {"/jobs?kind=bogus", "kind"},
					{"/stock/movements?origin_type=%00", "origin_type"}, {"/stock/movements?origin_type=%C3%28", "origin_type"},
					{"/stock/movements?origin_type=bogus", "origin_type"},
					{"/thirdparties?q=a%00b", "q"}, {"/thirdparties?q=%FF", "q"}, {"/products?q=a%07", "q"},
					{"/invoices?status=%00", "status"}, {"/invoices?type=%FF", "type"}, {"/jobs?status=%0A", "status"},
					{"/reports/sales?currency=XYZ", "currency"}, {"/reports/sales?currency=%00", "currency"},
					{"/reports/receivables-aging?currency=XYZ", "currency"},
				} {
					c.problem(422, "validation", q.field, "GET", "/api/v1"+q.path, "", "")
				}
				c.problem(400, "malformed-request", "", "GET", "/api/v1/thirdparties?q=%zz", "", "")
				for _, ok := range []string{"/jobs?kind=email.send", "/stock/movements?origin_type=invoice", "/thirdparties?q=AC%C3%A9"} {
					c.ok(http.StatusOK, "GET", "/api/v1"+ok, "")
				}
			})

			t.Run("currency", func(t *testing.T) {
				c := &strictClient{t: t, base: base, token: c.token}
				c.problem(422, "validation", "currency", "POST", "/api/v1/invoices", "application/json",
					`{"thirdparty_id": `+tp+`, "currency": "XYZ", "lines": [{"description": "x", "qty": "1", "unit_price": "1"}]}`)
			})

			t.Run("report up to the last day", func(t *testing.T) {
				c := &strictClient{t: t, base: base, token: c.token}
				r := c.ok(http.StatusOK, "GET", "/api/v1/reports/sales?from=2026-01-01&to=9999-12-31&group_by=year", "")
				if items, _ := r["items"].([]any); len(items) != 1 || items[0].(map[string]any)["invoices"] != float64(1) {
					t.Fatalf("sales up to 9999-12-31: %v", r)
				}
			})

			if after := c.rows(tp); after != before {
				t.Fatalf("refused requests wrote: %s → %s", before, after)
			}
		})
	}
}
