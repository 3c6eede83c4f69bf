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

// The company defaults the database settings fall back to.
func TestCompanyDefaults(t *testing.T) {
	c, err := load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := c.CompanyDefaults(); d.Name != "Dolibarr-Go" || d.DefaultPaymentTermsDays != 30 || c.CompanyLogoMaxBytes() != 1<<20 {
		t.Errorf("defaults: %+v, logo limit %d", d, c.CompanyLogoMaxBytes())
	}
	t.Setenv("DOLIGO_COMPANY_TAX_ID", "FR40303265045")
	t.Setenv("DOLIGO_COMPANY_ADDRESS", `1 rue A\nParis`)
	t.Setenv("DOLIGO_PAYMENT_TERMS_DAYS", "45")
	t.Setenv("DOLIGO_COMPANY_LOGO_MAX_SIZE", "512K")
	if c, err = Load(); err != nil {
		t.Fatal(err)
	}
	if d := c.CompanyDefaults(); d.VATID != "FR40303265045" || d.Address != "1 rue A\nParis" || d.DefaultPaymentTermsDays != 45 || c.CompanyLogoMaxBytes() != 512<<10 {
		t.Errorf("from the environment: %+v, logo limit %d", d, c.CompanyLogoMaxBytes())
	}
	for name, bad := range map[string]string{"DOLIGO_PAYMENT_TERMS_DAYS": "-1", "DOLIGO_COMPANY_LOGO_MAX_SIZE": "big"} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, bad)
			if _, err := Load(); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("%s=%s: %v", name, bad, err)
			}
		})
	}
}
