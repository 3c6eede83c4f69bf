package config

import (
	"strings"
	"testing"
)

func TestStockTriggerSettings(t *testing.T) {
	c, err := load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.StockTrigger != "invoice" || c.DefaultWarehouseID != 0 {
		t.Fatalf("defaults: trigger %q, warehouse %d", c.StockTrigger, c.DefaultWarehouseID)
	}
	t.Setenv("DOLIGO_STOCK_TRIGGER", "order")
	t.Setenv("DOLIGO_DEFAULT_WAREHOUSE_ID", "3")
	if c, err = load(nil); err != nil || c.StockTrigger != "order" || c.DefaultWarehouseID != 3 {
		t.Fatalf("set: %+v %v", c, err)
	}
	t.Setenv("DOLIGO_STOCK_TRIGGER", "shipment")
	if c, err = load(nil); err != nil || c.StockTrigger != "shipment" {
		t.Fatalf("shipment: %+v %v", c, err)
	}
	for name, value := range map[string]string{
		"DOLIGO_STOCK_TRIGGER":        "delivery",
		"DOLIGO_DEFAULT_WAREHOUSE_ID": "-1",
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, value)
			if _, err := load(nil); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s=%s: error %v does not name the variable", name, value, err)
			}
		})
	}
}
