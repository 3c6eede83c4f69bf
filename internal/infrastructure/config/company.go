package config

import "strings"

// validateCompany checks the issuer block printed on PDF documents.
func (c *Config) validateCompany(bad func(name, format string, args ...any)) {
	if strings.TrimSpace(c.CompanyName) == "" {
		bad("COMPANY_NAME", "must not be empty: it heads every PDF document")
	}
}

// CompanyAddressLines is COMPANY_ADDRESS with a literal `\n` read as a line
// break too: .env files and container settings rarely carry real newlines.
func (c Config) CompanyAddressLines() string {
	return strings.TrimSpace(strings.ReplaceAll(c.CompanyAddress, `\n`, "\n"))
}

// Issuer is the company block printed on every document. Its fields are
// pdf.Party's, in the same order, so that cmd/api and cmd/worker hand it to
// pdf.NewRenderer with a plain conversion and cannot print different headers.
type Issuer struct {
	Name, Address, TaxID, Email, Phone string
}

// Issuer returns the COMPANY_* settings as the issuer block.
func (c Config) Issuer() Issuer {
	return Issuer{Name: c.CompanyName, Address: c.CompanyAddressLines(), TaxID: c.CompanyTaxID,
		Email: c.CompanyEmail, Phone: c.CompanyPhone}
}
