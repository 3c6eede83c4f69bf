package config

import (
	"strings"
	"testing"
)

func TestCompanyBlock(t *testing.T) {
	c, err := load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.CompanyName != "Dolibarr-Go" || c.PaymentTerms != "" {
		t.Errorf("defaults: name %q, payment terms %q", c.CompanyName, c.PaymentTerms)
	}

	t.Setenv("DOLIGO_COMPANY_NAME", "  ")
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "DOLIGO_COMPANY_NAME") {
		t.Errorf("blank company name: %v", err)
	}

	t.Setenv("DOLIGO_COMPANY_NAME", "Açaí Ltda")
	t.Setenv("DOLIGO_COMPANY_ADDRESS", `Rua A, 1\nSão Paulo`+"\nBrasil\n")
	c, err = Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.CompanyAddressLines(); got != "Rua A, 1\nSão Paulo\nBrasil" {
		t.Errorf("address lines = %q", got)
	}
}
