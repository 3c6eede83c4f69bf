package config

// validateImports checks the settings of CSV imports.
func (c *Config) validateImports(bad func(name, format string, args ...any)) {
	if _, err := ParseByteSize(c.ImportMaxSize); err != nil {
		bad("IMPORT_MAX_SIZE", "%v", err)
	}
}

// ImportMaxBytes is IMPORT_MAX_SIZE in bytes (checked by Load).
func (c Config) ImportMaxBytes() int64 {
	n, _ := ParseByteSize(c.ImportMaxSize)
	return n
}
