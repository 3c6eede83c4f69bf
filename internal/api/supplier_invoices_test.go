package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/doligo/doligo/internal/domain"
	"github.com/doligo/doligo/internal/infrastructure/gormdb"
	"github.com/doligo/doligo/internal/testutil/testdb"
)

const supplierInvoiceBody = `{"supplier_id": %s, "supplier_ref": %q, "date": "2026-11-28", "lines": [
	{"description": "Steel sheets", "qty": "3", "unit_price": "40", "vat_rate": "20"},
	{"description": "Delivery", "qty": 1, "unit_price": "10.5", "discount_percent": "0", "vat_rate": 20}]}`

// /supplier-invoices on every dialect: the happy path, every wrong state a
// 409 and every bad field a 422 naming it, with nothing written.
func TestSupplierInvoicesAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newCommercialAPI(t, d)
			sup := id(a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "Steel Works", "is_supplier": true}`))
			cust := id(a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "ACME", "is_customer": true}`))
			base := "/api/v1/supplier-invoices"

			// Happy path: draft, read, edit, list, validate.
			rec := a.call("POST", base, fmt.Sprintf(supplierInvoiceBody, sup, "SW-1001"))
			inv := decodeJSON[map[string]any](t, rec, http.StatusCreated)
			si := id(inv)
			if rec.Header().Get("Location") != base+"/"+si || inv["type"] != "supplier_invoice" || inv["status"] != "draft" ||
				id(map[string]any{"id": inv["supplier_id"]}) != sup ||
				inv["supplier_ref"] != "SW-1001" || inv["total_gross"] != "156.60" || inv["ref"] != "(PROV"+si+")" {
				t.Fatalf("created %v", inv)
			}
			if _, ok := inv["thirdparty_id"]; ok {
				t.Fatal("a supplier invoice names its supplier_id, not thirdparty_id")
			}
			got := a.json(t, http.StatusOK, "PATCH", base+"/"+si, `{"note": "November delivery", "supplier_ref": " SW-1002 "}`)
			if got["note"] != "November delivery" || got["supplier_ref"] != "SW-1002" {
				t.Fatalf("patched %v", got)
			}
			list := a.json(t, http.StatusOK, "GET", base+"?supplier_id="+sup+"&type=supplier_invoice&status=draft", "")
			if list["total"].(float64) != 1 {
				t.Fatalf("list %v", list)
			}
			// q finds a supplier invoice by the supplier's own number as
			// well as by ours; with the other filters still applied.
			if l := a.json(t, http.StatusOK, "GET", base+"?q=sw-100&status=draft", ""); l["total"].(float64) != 1 {
				t.Fatalf("search by supplier_ref %v", l)
			}
			if l := a.json(t, http.StatusOK, "GET", base+"?q=sw-100&status=validated", ""); l["total"].(float64) != 0 {
				t.Fatalf("search by supplier_ref among validated %v", l)
			}
			v := a.json(t, http.StatusOK, "POST", base+"/"+si+"/validate", "")
			if v["ref"] != "SI2611-0001" || v["status"] != "validated" || v["amount_due"] != "156.60" {
				t.Fatalf("validated %v", v)
			}
			var jobs int64
			if err := a.db.Gorm.Table("jobs").Count(&jobs).Error; err != nil || jobs != 0 {
				t.Fatalf("validation enqueued %d jobs (%v): no PDF for supplier invoices", jobs, err)
			}

			// Payments to paid, and back.
			p := a.json(t, http.StatusCreated, "POST", base+"/"+si+"/payments", `{"amount": "100", "method": "bank_transfer", "date": "2026-12-01", "reference": "TR-9"}`)
			if p["amount"] != "100.00" || id(map[string]any{"id": p["invoice_id"]}) != si {
				t.Fatalf("payment %v", p)
			}
			wantProblem(t, a.call("POST", base+"/"+si+"/payments", `{"amount": "56.61", "method": "cash"}`), http.StatusUnprocessableEntity, "overpayment")
			a.json(t, http.StatusCreated, "POST", base+"/"+si+"/payments", `{"amount": "56.60", "method": "check"}`)
			if got := a.json(t, http.StatusOK, "GET", base+"/"+si, ""); got["status"] != "paid" || got["amount_due"] != "0.00" {
				t.Fatalf("after paying everything %v", got)
			}
			if n := len(a.json(t, http.StatusOK, "GET", base+"/"+si+"/payments", "")["items"].([]any)); n != 2 {
				t.Fatalf("%d payments", n)
			}
			if rec := a.call("DELETE", base+"/"+si+"/payments/"+id(p), ""); rec.Code != http.StatusNoContent {
				t.Fatalf("delete payment %d %s", rec.Code, rec.Body)
			}
			if got := a.json(t, http.StatusOK, "GET", base+"/"+si, ""); got["status"] != "validated" || got["amount_due"] != "100.00" {
				t.Fatalf("after deleting a payment %v", got)
			}

			// A supplier credit note of the whole invoice; a second cannot be validated.
			cn := a.json(t, http.StatusCreated, "POST", base+"/"+si+"/credit-note", "")
			if cn["type"] != "supplier_credit_note" || cn["total_gross"] != "156.60" || id(map[string]any{"id": cn["source_id"]}) != si {
				t.Fatalf("credit note %v", cn)
			}
			cn2 := id(a.json(t, http.StatusCreated, "POST", base+"/"+si+"/credit-note", ""))
			if got := a.json(t, http.StatusOK, "POST", base+"/"+id(cn)+"/validate", ""); !strings.HasPrefix(got["ref"].(string), "SA") {
				t.Fatalf("validated credit note %v", got)
			}

			// Wrong states: 409, nothing written.
			draft := id(a.json(t, http.StatusCreated, "POST", base, fmt.Sprintf(supplierInvoiceBody, sup, "SW-1002")))
			empty := id(a.json(t, http.StatusCreated, "POST", base, `{"supplier_id": `+sup+`, "supplier_ref": "SW-0"}`))
			custInv := id(a.json(t, http.StatusCreated, "POST", "/api/v1/invoices", `{"thirdparty_id": `+cust+`, "lines": [{"description": "x", "qty": 1, "unit_price": 1, "vat_rate": 0}]}`))
			before := a.rows(t)
			for _, tc := range []struct {
				method, path, body string
				status             int
				code               string
			}{
				{"POST", base + "/" + si + "/validate", "", 409, "illegal-transition"},
				{"POST", base + "/" + draft + "/validate", "", 409, "duplicate-supplier-ref"},
				{"POST", base + "/" + cn2 + "/validate", "", 409, "credit-exceeds-invoice"},
				{"POST", base + "/" + empty + "/validate", "", 409, "empty-document"},
				{"POST", base + "/" + draft + "/payments", `{"amount": "1", "method": "cash"}`, 409, "illegal-transition"},
				{"POST", base + "/" + draft + "/credit-note", "", 409, "illegal-transition"},
				{"PATCH", base + "/" + si, `{"note": "late"}`, 409, "illegal-transition"},
				{"DELETE", base + "/" + si, "", 409, "illegal-transition"},
				{"GET", "/api/v1/invoices/" + si, "", 404, "not-found"},
				{"POST", "/api/v1/invoices/" + si + "/payments", `{"amount": "1", "method": "cash"}`, 404, "not-found"},
				{"GET", base + "/" + custInv, "", 404, "not-found"},
				{"POST", base + "/" + custInv + "/credit-note", "", 404, "not-found"},
				{"POST", "/api/v1/purchase-orders/" + si + "/invoice", "", 404, "not-found"},
				{"POST", base + "/" + si + "/payments", `{"amount": "1", "method": "cash"}`, 403, "forbidden"},
			} {
				hdr := []string{}
				if tc.status == 403 {
					hdr = []string{"Authorization", "Bearer viewer"}
				}
				t.Run(tc.method+" "+tc.path, func(t *testing.T) {
					wantProblem(t, a.call(tc.method, tc.path, tc.body, hdr...), tc.status, tc.code)
				})
			}
			if after := a.rows(t); after != before {
				t.Fatalf("refused requests wrote: %s → %s", before, after)
			}
			// The viewer reads supplier invoices.
			a.json(t, http.StatusOK, "GET", base+"/"+si, "", "Authorization", "Bearer viewer")

			// Bad fields: 422 naming each, nothing written.
			noRef := id(a.json(t, http.StatusCreated, "POST", base, fmt.Sprintf(supplierInvoiceBody, sup, "")))
			before = a.rows(t)
			for _, tc := range []struct {
				method, path, body string
				fields             []string
			}{
				{"POST", base, fmt.Sprintf(supplierInvoiceBody, cust, "X-1"), []string{"supplier_id"}},
				{"POST", base, fmt.Sprintf(supplierInvoiceBody, "999999", "X-1"), []string{"supplier_id"}},
				{"POST", base, `{"supplier_ref": "X-1", "lines": [{"qty": "0", "unit_price": "1", "vat_rate": "0"}]}`, []string{"supplier_id", "lines[0].description", "lines[0].qty"}},
				{"POST", base, `{"thirdparty_id": ` + sup + `}`, []string{"thirdparty_id"}},
				{"POST", base, fmt.Sprintf(supplierInvoiceBody, sup, strings.Repeat("x", 129)), []string{"supplier_ref"}},
				{"POST", base, `{"supplier_id": ` + sup + `, "supplier_ref": "a\u0000b"}`, []string{"supplier_ref"}},
				{"PATCH", base + "/" + noRef, `{"supplier_id": ` + cust + `}`, []string{"supplier_id"}},
				{"POST", base + "/" + noRef + "/validate", "", []string{"supplier_ref"}},
				{"POST", base + "/" + noRef + "/validate", `{"warehouse_id": 1}`, []string{"warehouse_id"}},
				{"POST", base + "/" + si + "/payments", `{"amount": "1", "method": "bitcoin"}`, []string{"method"}},
				{"POST", base + "/" + si + "/payments", `{"amount": "-1", "method": "cash"}`, []string{"amount"}},
				{"GET", base + "?supplier_id=x&type=invoice&status=ordered", "", []string{"supplier_id", "type", "status"}},
			} {
				t.Run(tc.method+" "+tc.path+" "+tc.body, func(t *testing.T) {
					fields := wantProblem(t, a.call(tc.method, tc.path, tc.body), http.StatusUnprocessableEntity, "validation")
					for _, f := range tc.fields {
						if !strings.Contains(strings.Join(fields, " ")+" ", f+" ") {
							t.Errorf("no error for %s in %v", f, fields)
						}
					}
				})
			}
			if after := a.rows(t); after != before {
				t.Fatalf("refused requests wrote: %s → %s", before, after)
			}

			// Drafts are deletable.
			if rec := a.call("DELETE", base+"/"+noRef, ""); rec.Code != http.StatusNoContent {
				t.Fatalf("delete draft %d %s", rec.Code, rec.Body)
			}
		})
	}
}

// POST /purchase-orders/{id}/invoice drafts the supplier invoice of what was
// received, once.
func TestInvoicePurchaseOrderAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a := newCommercialAPI(t, d)
			sup := a.json(t, http.StatusCreated, "POST", "/api/v1/thirdparties", `{"name": "Steel Works", "is_supplier": true}`)
			dec := decimal.RequireFromString
			po := &domain.Document{
				Type: domain.DocPurchaseOrder, Status: domain.StatusValidated, Ref: "PO2611-0001", ThirdPartyID: int64(sup["id"].(float64)),
				Date: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), Currency: "EUR", AmountPaid: decimal.Zero, CreatedBy: 1,
				CreatedAt: time.Now(), UpdatedAt: time.Now(),
				Lines: []domain.Line{
					{Description: "Steel sheets", Qty: dec("10"), QtyReceived: dec("6"), UnitPrice: dec("40"), VATRate: dec("20")},
					{Description: "Bolts", Qty: dec("100"), QtyReceived: dec("0"), UnitPrice: dec("0.1"), VATRate: dec("20")},
				},
			}
			po.Recompute(&domain.ValidationError{})
			if err := gormdb.NewUnitOfWork(a.db.DB).Do(context.Background(), func(ctx context.Context, r domain.Repositories) error {
				return r.Documents.Create(ctx, po)
			}); err != nil {
				t.Fatal(err)
			}
			path := fmt.Sprintf("/api/v1/purchase-orders/%d/invoice", po.ID)
			inv := a.json(t, http.StatusCreated, "POST", path, "")
			lines := inv["lines"].([]any)
			if inv["type"] != "supplier_invoice" || inv["status"] != "draft" || inv["source_id"].(float64) != float64(po.ID) ||
				len(lines) != 1 || lines[0].(map[string]any)["qty"] != "6" || inv["total_gross"] != "288.00" || inv["supplier_ref"] != "" {
				t.Fatalf("drafted %v", inv)
			}
			before := a.rows(t)
			wantProblem(t, a.call("POST", path, ""), http.StatusConflict, "already-invoiced")
			wantProblem(t, a.call("POST", "/api/v1/purchase-orders/999999/invoice", ""), http.StatusNotFound, "not-found")
			wantProblem(t, a.call("POST", path, "", "Authorization", "Bearer viewer"), http.StatusForbidden, "forbidden")
			if after := a.rows(t); after != before {
				t.Fatalf("refused requests wrote: %s → %s", before, after)
			}
		})
	}
}
