package config

import (
	"strings"

	"github.com/doligo/doligo/internal/domain"
)

// validateCompany checks the issuer block printed on PDF documents.
func (c *Config) validateCompany(bad func(name, format string, args ...any)) {
	if strings.TrimSpace(c.CompanyName) == "" {
		bad("COMPANY_NAME", "must not be empty: it heads every PDF document")
	}
	if c.PaymentTermsDays < 0 || c.PaymentTermsDays > domain.MaxPaymentTermsDays {
		bad("PAYMENT_TERMS_DAYS", "must be between 0 and %d days", domain.MaxPaymentTermsDays)
	}
	if n, err := ParseByteSize(c.CompanyLogoLimit); err != nil || n < 1 {
		bad("COMPANY_LOGO_MAX_SIZE", "must be a size such as 512K or 1M")
	}
}

// CompanyLogoMaxBytes is COMPANY_LOGO_MAX_SIZE in bytes (checked by Load).
func (c Config) CompanyLogoMaxBytes() int64 {
	n, _ := ParseByteSize(c.CompanyLogoLimit)
	return n
}

// CompanyDefaults is the company as the environment describes it: what
// every field not stored through PUT /api/v1/company falls back to.
func (c Config) CompanyDefaults() domain.Company {
	return domain.Company{
		Name: c.CompanyName, Address: c.CompanyAddressLines(), VATID: c.CompanyTaxID,
		Email: c.CompanyEmail, Phone: c.CompanyPhone, DefaultPaymentTermsDays: c.PaymentTermsDays,
	}
}

// CompanyAddressLines is COMPANY_ADDRESS with a literal `\n` read as a line
// break too: .env files and container settings rarely carry real newlines.
func (c Config) CompanyAddressLines() string {
	return strings.TrimSpace(strings.ReplaceAll(c.CompanyAddress, `\n`, "\n"))
}
