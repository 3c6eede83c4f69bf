package opstest

import (
	"fmt"
	"net/http"
	"testing"
)

// Seeded names what Seed created.
type Seeded struct {
	ThirdPartyID int64
	ProductID    int64 // a stock-tracked product
	WarehouseID  int64 // where the invoice took its stock from
	InvoiceID    int64 // validated and paid
	InvoiceRef   string
}

// Seed fills a database through the API, as users would: users, warehouses,
// products, stock movements and a transfer, a customer with a contact, a
// proposal turned into an order, and an invoice validated (debiting stock)
// and paid in two payments. c must hold every permission (the administrator).
func Seed(t testing.TB, c *Client) Seeded {
	t.Helper()
	c.JSON(t, http.StatusCreated, "POST", "/api/v1/users",
		`{"login": "clerk", "password": "clerk-password-1", "email": "clerk@example.com", "roles": ["sales", "warehouse"]}`)
	c.JSON(t, http.StatusCreated, "POST", "/api/v1/users",
		`{"login": "auditor", "password": "auditor-password-1", "email": "audit@example.com", "roles": ["viewer"], "active": false}`)

	main := ID(t, c.JSON(t, http.StatusCreated, "POST", "/api/v1/warehouses", `{"ref": "WH-MAIN", "label": "Main warehouse"}`))
	shop := ID(t, c.JSON(t, http.StatusCreated, "POST", "/api/v1/warehouses", `{"ref": "WH-SHOP", "label": "Shop – rua Augusta"}`))
	chair := ID(t, c.JSON(t, http.StatusCreated, "POST", "/api/v1/products",
		`{"ref": "CHAIR-1", "label": "Cadeira ergonômica", "unit_price": "149.90", "vat_rate": "20", "cost_price": "80.125"}`))
	desk := ID(t, c.JSON(t, http.StatusCreated, "POST", "/api/v1/products",
		`{"ref": "DESK-1", "label": "Desk, oak", "unit_price": 320, "vat_rate": "5.5"}`))
	c.JSON(t, http.StatusCreated, "POST", "/api/v1/products",
		`{"ref": "INSTALL", "label": "Installation", "type": "service", "unit_price": "45", "vat_rate": "20"}`)

	move := func(product, warehouse int64, qty, extra string) {
		c.JSON(t, http.StatusCreated, "POST", "/api/v1/stock/movements",
			fmt.Sprintf(`{"product_id": %d, "warehouse_id": %d, "qty": %q, "label": "seed"%s}`, product, warehouse, qty, extra))
	}
	move(chair, main, "40", `, "unit_cost": "81.50"`)
	move(desk, main, "12.5", `, "unit_cost": "199.99"`)
	move(chair, main, "-2", "")
	c.JSON(t, http.StatusCreated, "POST", "/api/v1/stock/transfers",
		fmt.Sprintf(`{"product_id": %d, "from_warehouse_id": %d, "to_warehouse_id": %d, "qty": "5", "label": "to the shop"}`, chair, main, shop))

	tp := ID(t, c.JSON(t, http.StatusCreated, "POST", "/api/v1/thirdparties",
		`{"name": "Açores Móveis Lda", "is_customer": true, "email": "billing@acores.example", "tax_id": "PT509999990", "address": "Rua 1\n9500-000 Ponta Delgada", "locale": "pt-BR"}`))
	c.JSON(t, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/thirdparties/%d/contacts", tp),
		`{"first_name": "Inês", "last_name": "Sá", "email": "ines@acores.example", "position": "CFO"}`)

	lines := fmt.Sprintf(`"lines": [
		{"product_id": %d, "description": "Cadeira", "qty": "3", "unit_price": "149.90", "vat_rate": "20", "discount_percent": "10"},
		{"description": "Frete", "qty": 1, "unit_price": "12.345", "vat_rate": "0"}]`, chair)
	pr := ID(t, c.JSON(t, http.StatusCreated, "POST", "/api/v1/proposals",
		fmt.Sprintf(`{"thirdparty_id": %d, "date": "2026-11-02", %s}`, tp, lines)))
	c.JSON(t, http.StatusOK, "POST", fmt.Sprintf("/api/v1/proposals/%d/validate", pr), "")
	c.JSON(t, http.StatusOK, "POST", fmt.Sprintf("/api/v1/proposals/%d/accept", pr), "")
	c.JSON(t, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/proposals/%d/order", pr), "")

	inv := ID(t, c.JSON(t, http.StatusCreated, "POST", "/api/v1/invoices",
		fmt.Sprintf(`{"thirdparty_id": %d, "date": "2026-11-05", "due_date": "2026-12-05", %s}`, tp, lines)))
	validated := c.JSON(t, http.StatusOK, "POST", fmt.Sprintf("/api/v1/invoices/%d/validate", inv), fmt.Sprintf(`{"warehouse_id": %d}`, main))
	due, _ := validated["amount_due"].(string)
	c.JSON(t, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/invoices/%d/payments", inv),
		`{"amount": "100.00", "date": "2026-11-10", "method": "bank_transfer", "reference": "TRF-1"}`)
	rest := c.JSON(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/invoices/%d", inv), "")["amount_due"]
	c.JSON(t, http.StatusCreated, "POST", fmt.Sprintf("/api/v1/invoices/%d/payments", inv),
		fmt.Sprintf(`{"amount": %q, "date": "2026-11-12", "method": "card"}`, rest))
	paid := c.JSON(t, http.StatusOK, "GET", fmt.Sprintf("/api/v1/invoices/%d", inv), "")
	if paid["status"] != "paid" || due == "" {
		t.Fatalf("invoice %d after paying %s: %v", inv, due, paid)
	}
	ref, _ := paid["ref"].(string)
	return Seeded{ThirdPartyID: tp, ProductID: chair, WarehouseID: main, InvoiceID: inv, InvoiceRef: ref}
}
