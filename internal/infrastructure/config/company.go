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
